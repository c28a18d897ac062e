import { PipelineError } from './pipeline-error.ts';

/** A configuration file or option is invalid. The message names the file and the key. */
export class ConfigError extends PipelineError {
  readonly file: string;
  readonly key: string;
  constructor(file: string, key: string, detail: string) {
    super('config-invalid', `${file}: ${key || '(root)'}: ${detail}`);
    this.file = file;
    this.key = key;
  }
}
