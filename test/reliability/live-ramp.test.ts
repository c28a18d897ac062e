import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { rtspServerBuildable } from '../helpers/rtsp-server.ts';

const run = promisify(execFile);
const skip = await rtspServerBuildable();

// The short form of the live-capacity ramp (`npm run bench`, phase live-ramp): the real `cityflow run`
// with two live 720p RTSP cameras, counting on, for a 10 s window. It checks the bench still measures
// (and that two live cameras hold 2 fps end to end); the capacity itself is in benchmarks/RESULTS.md.
describe.skipIf(skip !== null)(`live-ramp, short form${skip ? ` (skipped: ${skip})` : ''}`, () => {
  test('two live cameras deliver their analysed frames into the store, and their crossings are counted', async () => {
    const { stdout } = await run(
      process.execPath,
      [
        '--import',
        'tsx',
        'benchmarks/live/live-ramp.ts',
        '--from',
        '2',
        '--max',
        '2',
        '--hold-s',
        '10',
        '--loops',
        '2',
        '--drain-s',
        '20',
      ],
      { timeout: 300_000, env: { ...process.env, LOG_LEVEL: 'error' } },
    );
    const out = JSON.parse(stdout.trim().split('\n').pop() ?? '{}');
    expect(out.phase).toBe('live-ramp');
    const [trial] = out.trials;
    // Whether 2 cameras hold 1.9 fps depends on what the other test fork does meanwhile; that the
    // frames flow end to end and the verdict matches them does not.
    expect(trial.fps.every((f: number) => f > 1 && f <= 2.1)).toBe(true);
    expect(out.largestHeld).toBe(trial.fps.every((f: number) => f >= 1.9) ? 2 : 0);
    expect(trial.pipelineCores).toBeGreaterThan(0);
    expect(trial.crossings).toBeGreaterThan(0);
  }, 320_000);
});
