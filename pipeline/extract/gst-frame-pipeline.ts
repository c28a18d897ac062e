import type { CropRect, FrameGeometry } from './frame-extractor-options.ts';
import { GdpError } from './gdp-reader.ts';
import { intField, parseGstStructure } from './gst-structure.ts';
import type { SourceLocation } from './source-location.ts';

/**
 * The largest size with the source's aspect ratio that fits in the box, never larger than the
 * source: scale = min(1, maxWidth / width, maxHeight / height), each side rounded, at least 1.
 */
export function fitInside(width: number, height: number, maxWidth: number, maxHeight: number): FrameGeometry {
  if (!(width > 0 && height > 0)) throw new RangeError(`source size ${width}x${height} is not positive`);
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return {
    width: Math.min(maxWidth, Math.max(1, Math.round(width * scale))),
    height: Math.min(maxHeight, Math.max(1, Math.round(height * scale))),
    scale,
  };
}

/** 5 → 5/1, 0.5 → 1/2, 29.97 → 2997/100, 30000/1001 → 30000/1001; null if no denominator <= 1001 fits. */
export function fpsFraction(fps: number): { num: number; den: number } | null {
  for (let den = 1; den <= 1001; den++) {
    const num = Math.round(fps * den);
    if (num > 0 && Math.abs(num / den - fps) < 1e-9 * Math.max(1, fps)) return { num, den };
  }
  return null;
}

/** The gst-launch-1.0 argument list (after the program name). One element or property per argument. */
export function buildGstLaunchArgs(
  loc: SourceLocation,
  fps: { num: number; den: number },
  out: { width: number; height: number },
  par: { num: number; den: number },
  crop?: CropRect & { sourceWidth: number; sourceHeight: number },
): string[] {
  // videocrop takes what to cut from each side; it runs after videorate (only sampled frames are
  // cropped) and before videoscale (the region is scaled, not the whole picture).
  const cropper = crop
    ? [
        '!',
        'videocrop',
        `left=${crop.x}`,
        `top=${crop.y}`,
        `right=${crop.sourceWidth - crop.x - crop.width}`,
        `bottom=${crop.sourceHeight - crop.y - crop.height}`,
      ]
    : [];
  // gst-launch escapes each argument before parsing the whole, so a path with spaces, quotes
  // or '!' stays one property value.
  const source =
    loc.kind === 'file' && loc.path !== null
      ? ['filesrc', `location=${loc.path}`, '!', 'decodebin']
      : ['uridecodebin', `uri=${loc.uri}`];
  return [
    '-q',
    ...source,
    '!',
    'videorate',
    '!',
    `video/x-raw,framerate=${fps.num}/${fps.den}`,
    ...cropper,
    '!',
    'videoscale',
    'add-borders=false',
    '!',
    'videoconvert',
    '!',
    `video/x-raw,format=RGB,width=${out.width},height=${out.height},pixel-aspect-ratio=${par.num}/${par.den}`,
    '!',
    'gdppay',
    '!',
    'fdsink',
    'fd=1',
  ];
}

/**
 * Copies a GStreamer RGB buffer into a tightly packed one. GStreamer pads each RGB row to a
 * multiple of 4 bytes:
 *
 *   width 301 → row 903 bytes, stride 904
 *   ┌────────────── 903 ──────────────┬─┐
 *   │ R G B R G B …             R G B │▒│  ▒ = padding, dropped
 *   └─────────────────────────────────┴─┘
 *
 * When there is no padding the payload is used as is (a view, no copy).
 */
export function packRgb(payload: Uint8Array, width: number, height: number): Uint8Array {
  const row = width * 3;
  if (payload.byteLength === row * height) {
    return new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength);
  }
  const stride = payload.byteLength / height;
  if (!Number.isInteger(stride) || stride < row) {
    throw new GdpError(`RGB buffer of ${payload.byteLength} bytes does not hold ${width}x${height} rows`);
  }
  const out = new Uint8Array(row * height);
  for (let y = 0; y < height; y++) out.set(payload.subarray(y * stride, y * stride + row), y * row);
  return out;
}

export function rgbCaps(caps: ReturnType<typeof parseGstStructure>): { width: number; height: number } {
  if (!caps) throw new GdpError('caps packet without caps');
  const width = intField(caps, 'width');
  const height = intField(caps, 'height');
  const format = caps.fields.get('format');
  if (caps.name !== 'video/x-raw' || format !== 'RGB' || !width || !height) {
    throw new GdpError(`unexpected caps: ${caps.name} format=${format} ${width}x${height}`);
  }
  return { width, height };
}

/** Start and base of a segment event's `segment=(GstSegment)"segment, start=…, base=…"` field. */
export function segmentTimes(serialized: string | undefined): { startNs: number; baseNs: number } {
  const seg = serialized ? parseGstStructure(serialized) : null;
  return { startNs: (seg && intField(seg, 'start')) ?? 0, baseNs: (seg && intField(seg, 'base')) ?? 0 };
}
