import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The short form of `npm run test:chaos` (benchmarks/chaos/chaos.ts): the multi-process topology
// (a store+track node and two extract+detect workers, real Redis and a ClickHouse server through the
// HTTP harness) runs the sample on two cameras cleanly, then again with a SIGKILLed worker, a
// SIGKILLed store node, a Redis restart and a 15 s store outage at points drawn from the seed; every
// table's rows, track ids and crossings must be those of the clean run.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('chaos: every fault kind at once, 0 rows lost and 0 duplicated', async () => {
  const out = await new Promise<{ code: number | null; text: string }>((done) => {
    const child = spawn(
      process.execPath,
      [
        ...['--import', 'tsx', 'benchmarks/chaos/chaos.ts', '--cameras', '2', '--seed', '1'],
        ...['--outage-s', '15', '--deadline-s', '240'],
      ],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'fatal' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('close', (code) => done({ code, text }));
  });
  const faults = out.text.split('\n').filter((l) => l.startsWith('fault: '));
  expect(faults.map((l) => l.split(' ')[1])).toEqual(['SIGKILL', 'SIGKILL', 'Redis', 'the']);
  expect(out.text).toContain('CHAOS: 0 lost, 0 duplicated');
  expect(out.code, out.text.slice(-3000)).toBe(0);
}, 600_000);
