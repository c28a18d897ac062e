import { PipelineError } from './pipeline-error.ts';

/** A detector model cannot be loaded or does not match its declaration. Names the model. */
export class ModelError extends PipelineError {
  readonly model: string;
  constructor(model: string, detail: string, options?: { cause?: unknown }) {
    super('model-invalid', `model ${model}: ${detail}`, options);
    this.model = model;
  }
}
