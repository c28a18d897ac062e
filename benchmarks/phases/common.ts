import { fileURLToPath } from 'node:url';

export const SAMPLE = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));
export const FPS = Number(process.env.BENCH_FPS ?? 5);

/** Every phase prints one JSON line on stdout: its figures plus the process's peak RSS. */
export function report(figures: Record<string, unknown>): void {
  const peakRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ ...figures, peakRssMiB })}\n`);
}
