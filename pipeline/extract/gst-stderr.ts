import type { SourceErrorReason } from '../errors/source-error.ts';

/**
 * Reads what `gst-launch-1.0 -q` writes to stderr when something goes wrong, and maps it onto
 * SourceError reasons. gst-launch prints bus errors as
 *
 *   ERROR: from element /GstPipeline:pipeline0/GstDecodeBin:decodebin0/GstQTDemux:qtdemux0: This file contains no playable streams.
 *   Additional debug info:
 *   ../gst/isomp4/qtdemux.c(509): gst_qtdemux_post_no_playable_stream_error (): /GstPipeline:…: no known streams found
 *   ERROR: pipeline doesn't want to preroll.
 *
 * and pipeline syntax problems as `WARNING: erroneous pipeline: …` / `ERROR: pipeline could not be
 * constructed: …`. The child runs with LC_ALL=C.UTF-8 so these texts are GStreamer's English ones.
 */
export interface GstMessage {
  /** Element path as printed, e.g. `/GstPipeline:pipeline0/…/GstQTDemux:qtdemux0`; null if none. */
  element: string | null;
  message: string;
  /** The "Additional debug info" text, if any. */
  debug: string | null;
}

export interface GstStderr {
  errors: GstMessage[];
  warnings: GstMessage[];
}

export function parseGstLaunchStderr(stderr: string): GstStderr {
  const errors: GstMessage[] = [];
  const warnings: GstMessage[] = [];
  const lines = stderr.split(/\r?\n/);
  let last: GstMessage | null = null;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const m = /^(ERROR|WARNING): (.*)$/.exec(line);
    if (m) {
      const [, level, rest] = m;
      const from = /^from element (\S+): (.*)$/.exec(rest);
      const msg: GstMessage = from
        ? { element: from[1], message: from[2].trim(), debug: null }
        : { element: null, message: rest.trim(), debug: null };
      // Follow-ups such as "pipeline doesn't want to preroll." add nothing to the first error, and
      // gst-launch sometimes prints the same bus error twice (once while prerolling, once after).
      const followUp = msg.element === null && errors.length > 0 && /doesn't want to/.test(msg.message);
      const repeat = errors.some((e) => e.element === msg.element && e.message === msg.message);
      if (level === 'ERROR' && !followUp && !repeat) {
        errors.push(msg);
      } else if (level === 'WARNING') {
        // A pipeline that cannot be parsed is reported as a WARNING but is fatal.
        (/^erroneous pipeline/.test(msg.message) ? errors : warnings).push(msg);
      }
      last = msg;
      continue;
    }
    if (last && line === 'Additional debug info:') {
      // The debug text runs until the next message (element paths wrap it onto several lines).
      const debug: string[] = [];
      while (i + 1 < lines.length && !/^(ERROR|WARNING): /.test(lines[i + 1])) debug.push(lines[++i].trim());
      // Drop the source location prefix: "../gst/isomp4/qtdemux.c(509): fn (): /GstPipeline:…:".
      last.debug =
        debug
          .join(' ')
          .replace(/^\S+\(\d+\): \S+ \(\): \S+:\s*/, '')
          .trim() || null;
    }
  }
  return { errors, warnings };
}

/** One line for an error message: `qtdemux0: This file contains no playable streams. (no known streams found)`. */
export function describeGstMessage(m: GstMessage): string {
  const element = m.element?.split('/').pop()?.split(':').pop();
  const debug = m.debug && m.debug !== m.message ? ` (${m.debug})` : '';
  return `${element ? `${element}: ` : ''}${m.message}${debug}`;
}

/**
 * Which SourceError reason a GStreamer error stands for:
 *
 *   not-found     the resource is gone (deleted between probe and decode, 404 …)
 *   unreadable    not media, or no element can handle it (typefind, missing plug-in)
 *   corrupt       a demuxer, parser or decoder failed on the data part-way
 *   decoder-exit  anything else: pipeline syntax, negotiation, resources, crashes
 */
export function reasonForGstError(m: GstMessage): SourceErrorReason {
  const text = `${m.message} ${m.debug ?? ''}`;
  const element = (m.element?.split('/').pop() ?? '').toLowerCase();
  if (/resource not found|no such file|not found \(404\)/i.test(text)) return 'not-found';
  if (
    /could not determine type of stream|no playable streams|missing .*plug-?in|no decoder available|no suitable plugins|not a .*(media|video) file/i.test(
      text,
    )
  ) {
    return 'unreadable';
  }
  // Negotiation and linking failures are pipeline problems, whichever element reports them.
  if (/reason not-negotiated|reason not-linked|not-negotiated|could not link/i.test(text))
    return 'decoder-exit';
  if (
    /demux|parse|dec\d*$|decoder|typefind/.test(element) ||
    /decod|corrupt|invalid|broken|malformed|internal data stream error|could not (de)?multiplex/i.test(text)
  ) {
    return 'corrupt';
  }
  return 'decoder-exit';
}
