import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SAMPLE = fileURLToPath(new URL('../../samples/residential-street.mp4', import.meta.url));
export const FPS = Number(process.env.BENCH_FPS ?? 5);

/**
 * CPU seconds used so far by this process (all its threads) and by its children that have exited
 * (the gst-launch decoders), from /proc/self/stat: utime, stime, cutime, cstime, in clock ticks.
 */
export function cpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const ticks = [11, 12, 13, 14].reduce((n, i) => n + Number(fields[i]), 0);
  return ticks / 100; // USER_HZ is 100 on Linux
}

/** Every phase prints one JSON line on stdout: its figures plus the process's peak RSS. */
export function report(figures: Record<string, unknown>): void {
  const peakRssMiB = Math.round((process.resourceUsage().maxRSS / 1024) * 10) / 10;
  process.stdout.write(`${JSON.stringify({ ...figures, peakRssMiB })}\n`);
}
