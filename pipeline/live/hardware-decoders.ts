import { runCapture } from '../extract/gst-process.ts';

/** NVIDIA decoders (Debian's plugins-bad builds them in; they load only where libcuda is present). */
export const HARDWARE_DECODERS = ['nvh264dec', 'nvh265dec'] as const;

let found: Promise<string[]> | null = null;

/**
 * The hardware decoders this host can use, asked once per process with `gst-inspect-1.0 <name>`
 * (exit 0 when the element loads).
 */
export function hardwareDecoders(): Promise<string[]> {
  found ??= Promise.all(
    HARDWARE_DECODERS.map(async (name): Promise<string | null> => {
      const r = await runCapture('gst-inspect-1.0', ['--exists', name], 10_000).catch(() => null);
      return r?.code === 0 ? name : null;
    }),
  ).then((names) => names.filter((n): n is string => n !== null));
  return found as Promise<string[]>;
}

/**
 * The GST_PLUGIN_FEATURE_RANK value that makes decodebin prefer the given decoders over the
 * software ones (GStreamer's documented way to steer autoplugging), e.g. `nvh264dec:MAX`; '' for none.
 * The user's own setting wins.
 */
export function decoderRankEnv(
  decoders: readonly string[],
  current = process.env.GST_PLUGIN_FEATURE_RANK,
): string {
  if (current) return current;
  return decoders.map((d) => `${d}:MAX`).join(',');
}
