import { ConfigError } from '../errors/config-error.ts';

export type RtspTransport = 'tcp' | 'udp';

/** True for the URIs a live camera is read from: RTSP (rtsp://, rtsps://) and HTTP(S) (MJPEG, HLS). */
export function isLiveSource(source: string): boolean {
  return /^(rtsps?|https?):\/\//i.test(source);
}

/**
 * decodebin properties that cap the threads of the software H.264 and H.265 decoders decodebin may
 * pick (none for 0: libav's own choice, a thread per core). The decoders do not exist when the line
 * is parsed; gst-launch sets a child's property when decodebin adds it, by its default name (the
 * first avdec_h264 of a process is `avdec_h264-0`), and never for one that is not added.
 *
 * Why 1 for live cameras: each camera has its own decoder process, so a machine running more
 * cameras than cores gains nothing from threads inside one decoder, and libav's frame threading
 * costs about a fifth more CPU per stream (benchmarks/RESULTS.md). One thread decodes 1080p30 H.264
 * several times faster than real time; a 4K H.265 camera may want 2.
 */
export function softwareDecoderThreads(threads: number): string[] {
  if (!(Number.isInteger(threads) && threads >= 0)) {
    throw new ConfigError('live', 'decoderThreads', `must be an integer >= 0, got ${threads}`);
  }
  return threads ? [`avdec_h264-0::max-threads=${threads}`, `avdec_h265-0::max-threads=${threads}`] : [];
}

/**
 * The gst-launch-1.0 elements that receive and decode a live source, up to raw video:
 *
 *   rtsp://…         rtspsrc location=… protocols=tcp latency=200 ! (video RTP only) ! decodebin
 *   http://….m3u8    uridecodebin uri=…   (HLS: hlsdemux, then the segments' demuxer and decoder)
 *   http://… other   souphttpsrc is-live=true do-timestamp=true ! multipartdemux ! jpegdec   (MJPEG)
 *
 * MJPEG is read by hand-picked elements because the automatic way fails on a live multipart
 * stream: uridecodebin's buffering never reaches 100 % so gst-launch never leaves PAUSED, and
 * videorate aborts on its buffers (no duration). So `videorate: false`: frames are dropped to the
 * sampling rate after decoding (LiveDecoder does it by PTS).
 *
 * latency=200: rtspsrc's jitter buffer waits 2 s by default, which delays the first frame after
 * every reconnection by as much; 200 ms still reorders a LAN's packets. `protocols=tcp` (the
 * default here) survives NAT and lossy links; `udp` costs less on a clean network.
 */
export function liveSourceElements(
  uri: string,
  transport: RtspTransport = 'tcp',
  decoderThreads = 0,
): { elements: string[]; videorate: boolean } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError('camera', 'source', `${uri} is not a URI`);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') {
    const elements = [
      'rtspsrc',
      `location=${uri}`,
      `protocols=${transport}`,
      'latency=200',
      'name=src',
      'src.',
      '!',
      'application/x-rtp,media=video',
      '!',
      'decodebin',
      ...softwareDecoderThreads(decoderThreads),
    ];
    return { elements, videorate: true };
  }
  if ((scheme === 'http' || scheme === 'https') && /\.m3u8$/i.test(url.pathname)) {
    return { elements: ['uridecodebin', `uri=${uri}`], videorate: true };
  }
  if (scheme === 'http' || scheme === 'https') {
    const elements = [
      'souphttpsrc',
      `location=${uri}`,
      'is-live=true',
      'do-timestamp=true',
      '!',
      'multipartdemux',
      '!',
      'jpegdec',
    ];
    return { elements, videorate: false };
  }
  throw new ConfigError(
    'camera',
    'source',
    `${uri}: live sources are rtsp://, rtsps://, http:// or https://`,
  );
}
