import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

// The short form of `npm run test:fuzz` (benchmarks/fuzz/): seeded random and hostile
// configurations, API requests (every route of the OpenAPI document), job payloads added to every
// stage's queue of a running node (which must then still process the sample), and broken videos in
// one backfill. Every refusal must name the thing and the reason; nothing may crash.
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

test('fuzzing bad input: every refusal clear, 0 crashes', async () => {
  const out = await new Promise<{ code: number | null; text: string }>((done) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'benchmarks/fuzz/fuzz.ts',
        '--seed',
        '3',
        '--configs',
        '400',
        '--api',
        '300',
        '--jobs',
        '60',
        '--no-big',
      ],
      { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'fatal' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (d) => (text += d));
    child.stderr.on('data', (d) => (text += d));
    child.on('close', (code) => done({ code, text }));
  });
  expect(out.text, out.text.slice(-3000)).toContain('FUZZ: every refusal clear, 0 crashes');
  const summary = JSON.parse(out.text.split('\n').find((l) => l.startsWith('{"phase":"fuzz"')) ?? '{}');
  expect(summary.tallies.map((t: { target: string; cases: number }) => [t.target, t.cases])).toEqual([
    ['configuration', 400],
    ['API requests', 300],
    ['job payloads', 60],
    ['videos', 10],
  ]);
  expect(out.code).toBe(0);
}, 600_000);
