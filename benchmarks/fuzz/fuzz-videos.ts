import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackfillReport } from '../../workers/backfill/backfill-report.ts';
import { SAMPLE } from '../phases/common.ts';
import { type FuzzTally, type Rnd, record, tally } from './mutate.ts';

const CLI = fileURLToPath(new URL('../../bin/cityflow.mjs', import.meta.url));

/** An H.264 test picture of the given size, `frames` long, as MP4 or MPEG-TS. */
function encode(path: string, width: number, height: number, frames: number, mux: 'mp4mux' | 'mpegtsmux') {
  execFileSync('gst-launch-1.0', [
    '-q',
    'videotestsrc',
    `num-buffers=${frames}`,
    '!',
    `video/x-raw,width=${width},height=${height},framerate=5/1`,
    '!',
    'x264enc',
    'speed-preset=ultrafast',
    'key-int-max=5',
    '!',
    'h264parse',
    '!',
    mux,
    '!',
    'filesink',
    `location=${path}`,
  ]);
}

/** The hostile files: each name says what it is. `big` adds an 8K one (slow to make on 2 cores). */
function makeFiles(dir: string, rnd: Rnd, big: boolean): string[] {
  const sample = readFileSync(SAMPLE);
  const file = (name: string, bytes: Buffer | string) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const flipped = Buffer.from(sample);
  for (let i = 0; i < 400; i++)
    flipped[Math.floor(sample.length * (0.2 + 0.7 * rnd()))] ^= 1 << Math.floor(rnd() * 8);
  const files = [
    file('zero-length.mp4', ''),
    file('random-bytes.mp4', Buffer.from(Array.from({ length: 65_536 }, () => Math.floor(rnd() * 256)))),
    file('text.mp4', 'this is not a video\n'),
    file('truncated-5pct.mp4', sample.subarray(0, Math.floor(sample.length * 0.05))),
    file('truncated-60pct.mp4', sample.subarray(0, Math.floor(sample.length * 0.6))),
    file('bit-flips.mp4', flipped),
  ];
  encode(join(dir, 'tiny-16x16.mp4'), 16, 16, 20, 'mp4mux');
  files.push(join(dir, 'tiny-16x16.mp4'));
  encode(join(dir, 'a.ts'), 640, 360, 15, 'mpegtsmux');
  encode(join(dir, 'b.ts'), 320, 240, 15, 'mpegtsmux');
  file('0-size-change.ts', Buffer.concat([readFileSync(join(dir, 'a.ts')), readFileSync(join(dir, 'b.ts'))]));
  // First in name order: it carries no start time of its own, so it takes --start (later files follow on).
  files.unshift(join(dir, '0-size-change.ts'));
  if (big) {
    encode(join(dir, 'huge-7680x4320.mp4'), 7680, 4320, 5, 'mp4mux');
    files.push(join(dir, 'huge-7680x4320.mp4'));
  }
  copyFileSync(SAMPLE, join(dir, 'good.mp4'));
  files.push(join(dir, 'good.mp4'), join(dir, 'missing.mp4'));
  return files;
}

/**
 * Videos: zero-length, random bytes, text, truncated, bit-flipped, 16x16, a stream that changes size
 * mid-way, optionally 8K, a good file and a missing one, all in one `cityflow backfill` run as a user
 * would start it. A clear outcome is a file done or failed with its reason in the report; a crash is
 * a run that dies, hangs past its deadline or leaves a file out of the report, or a good file not done.
 */
export async function fuzzVideos(rnd: Rnd, o: { big: boolean }): Promise<FuzzTally> {
  const t = tally('videos');
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-fuzz-videos-'));
  try {
    const files = makeFiles(dir, rnd, o.big);
    // One start for the run (later files follow on): the sample's container says 2017, past the
    // raw tables' retention.
    const start = new Date(Date.now() - 86_400_000).toISOString();
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(
        process.execPath,
        [
          CLI,
          'backfill',
          ...files,
          '--camera',
          'fuzz',
          '--fps',
          '2',
          '--start',
          start,
          '--data-dir',
          join(dir, 'var'),
          '--json',
        ],
        {
          env: { ...process.env, LOG_LEVEL: 'fatal' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 10 * 60_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        done({ code, stdout, stderr });
      });
    });
    const line = run.stdout.trim().split('\n').pop() ?? '';
    if (run.code !== 0 && run.code !== 1) {
      record(t, 'crashed', `backfill exited ${run.code}: ${run.stderr.slice(-300)}`);
      return t;
    }
    const report = JSON.parse(line) as BackfillReport;
    for (const f of files) {
      const r = report.files.find((x) => x.file === f);
      const name = f.split('/').pop() as string;
      if (!r) record(t, 'crashed', `${name}: not in the report`);
      else if (name === 'good.mp4')
        record(
          t,
          r.status === 'done' && r.framesAnalysed > 0 ? 'accepted' : 'crashed',
          `${name}: ${r.status} ${r.error}`,
        );
      else if (r.status === 'failed')
        record(t, (r.error ?? '').length > 10 ? 'clear' : 'unclear', `${name}: ${r.error}`);
      else record(t, 'accepted');
      process.stderr.write(
        `fuzz videos: ${name}: ${r ? `${r.status}, ${r.framesAnalysed} frames${r.error ? `: ${r.error}` : ''}` : 'missing'}\n`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return t;
}
