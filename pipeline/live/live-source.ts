import { ConfigError } from '../errors/config-error.ts';

export type RtspTransport = 'tcp' | 'udp';

/** True for the URIs a live camera is read from: RTSP (rtsp://, rtsps://) and HTTP(S) (MJPEG, HLS). */
export function isLiveSource(source: string): boolean {
  return /^(rtsps?|https?):\/\//i.test(source);
}

/**
 * The gst-launch-1.0 elements that receive and decode a live source, up to raw video:
 *
 *   rtsp://…   rtspsrc location=… protocols=tcp latency=200 ! (video RTP only) ! decodebin
 *   http://…   uridecodebin uri=…      (typefinding picks multipartdemux + jpegdec for MJPEG,
 *                                        hlsdemux for an .m3u8 playlist, tsdemux for a raw TS)
 *
 * latency=200: rtspsrc's jitter buffer waits 2 s by default, which delays the first frame after
 * every reconnection by as much; 200 ms still reorders a LAN's packets. `protocols=tcp` (the
 * default here) survives NAT and lossy links; `udp` costs less on a clean network.
 */
export function liveSourceElements(uri: string, transport: RtspTransport = 'tcp'): string[] {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError('camera', 'source', `${uri} is not a URI`);
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  if (scheme === 'rtsp' || scheme === 'rtsps') {
    return [
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
  }
  if (scheme === 'http' || scheme === 'https') return ['uridecodebin', `uri=${uri}`];
  throw new ConfigError('camera', 'source', `${uri}: live sources are rtsp://, rtsps://, http:// or https://`);
}
