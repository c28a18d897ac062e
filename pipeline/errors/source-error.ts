import { PipelineError } from './pipeline-error.ts';

export type SourceErrorReason =
  | 'not-found' // the file or URL does not exist
  | 'unreadable' // not a media file GStreamer understands, or no video stream
  | 'corrupt' // decoding failed part-way
  | 'truncated' // decoding ended well before the container's duration
  | 'decoder-exit'; // gst-launch-1.0 ended abnormally for another reason

/** A media source could not be read (or not to its end). Names the source and the reason. */
export class SourceError extends PipelineError {
  readonly source: string;
  readonly reason: SourceErrorReason;
  constructor(source: string, reason: SourceErrorReason, detail: string, options?: { cause?: unknown }) {
    super(`source-${reason}`, `${source}: ${reason}: ${detail}`, options);
    this.source = source;
    this.reason = reason;
  }
}
