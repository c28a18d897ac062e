import { ConfigError } from '../errors/config-error.ts';

export type RtspTransport = 'tcp' | 'udp';

/** True for the URIs a live camera is read from: RTSP (rtsp://, rtsps://) and HTTP(S) (MJPEG, HLS). */
export function isLiveSource(source: string): boolean {
  return /^(rtsps?|https?):\/\//i.test(source);
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
