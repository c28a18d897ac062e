export { ConfigError } from './config-error.ts';
export { ModelError } from './model-error.ts';
export { PipelineError } from './pipeline-error.ts';
export { SourceError, type SourceErrorReason } from './source-error.ts';
