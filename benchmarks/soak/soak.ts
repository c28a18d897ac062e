/**
 * Soak: `cityflow run` with N live RTSP cameras for a long time, sampling the resident memory and the
 * open file descriptors of its process tree, to show whether anything grows without bound.
 *
 *   npm run bench:soak                         # 4 cameras, 30 minutes, a sample every 30 s
 *   npm run bench:soak -- --minutes 5 --cameras 2 --sample-s 10
 *
 * Cameras: local RTSP servers (test/helpers/rtsp-server.c). Half play the sample street, which ends
 * after 37.7 s, so those cameras drop and reconnect about once a minute for the whole run (the
 * supervisor's restart path, over and over); the others are endless generated pictures. The run is
 * the real CLI in local mode (its private Redis and the embedded ClickHouse). Prints a table of the
 * samples and the trend (least-squares slope per hour) of each series, then one JSON line.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fileLaunch, patternLaunch, RtspTestServer } from '../../test/helpers/rtsp-server.ts';
import { SAMPLE } from '../phases/common.ts';

const { values: args } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    cameras: { type: 'string', default: '4' },
    'sample-s': { type: 'string', default: '30' },
  },
});
const MINUTES = Number(args.minutes);
const CAMERAS = Number(args.cameras);
const SAMPLE_S = Number(args['sample-s']);
const CLI = fileURLToPath(new URL('../../bin/cityflow.mjs', import.meta.url));

interface Sample {
  minute: number;
  /** The cityflow process (Node: pipeline, detector threads, embedded ClickHouse). */
  nodeRssMiB: number;
  nodeFds: number;
  /** Every process of the tree (node, redis-server, the decoders). */
  treeRssMiB: number;
  treeFds: number;
  processes: number;
}

const read = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
};
const rssMiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(read(`/proc/${pid}/status`))?.[1] ?? 0) / 1024;
const fds = (pid: number) => {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
};
function tree(pid: number): number[] {
  const kids = read(`/proc/${pid}/task/${pid}/children`).split(' ').filter(Boolean).map(Number);
  return [pid, ...kids.flatMap(tree)];
}

function sample(pid: number, t0: number): Sample {
  const pids = tree(pid);
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    minute: round((Date.now() - t0) / 60_000),
    nodeRssMiB: round(rssMiB(pid)),
    nodeFds: fds(pid),
    treeRssMiB: round(pids.reduce((a, p) => a + rssMiB(p), 0)),
    treeFds: pids.reduce((a, p) => a + fds(p), 0),
    processes: pids.length,
  };
}

/** Least-squares slope of y over x (per minute), times 60: the change per hour. */
function perHour(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  const num = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
  const den = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
  return den ? Math.round((num / den) * 60 * 10) / 10 : 0;
}

const dir = mkdtempSync(join(tmpdir(), 'cityflow-soak-'));
const servers: RtspTestServer[] = [];
let run: ChildProcess | null = null;
try {
  for (let i = 0; i < CAMERAS; i++)
    servers.push(
      await RtspTestServer.start(i % 2 === 0 ? fileLaunch(SAMPLE) : patternLaunch('ball', 640, 360, 10)),
    );
  const config = join(dir, 'soak.yaml');
  writeFileSync(
    config,
    JSON.stringify({
      dataDir: join(dir, 'var'),
      extract: { fps: 2 },
      cameras: servers.map((s, i) => ({ id: `soak-${i + 1}`, source: s.url })),
    }),
  );
  const t0 = Date.now();
  run = spawn(process.execPath, [CLI, 'run', '--config', config], {
    env: { ...process.env, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const samples: Sample[] = [];
  while (Date.now() - t0 < MINUTES * 60_000 && run.exitCode === null) {
    await sleep(SAMPLE_S * 1000);
    const s = sample(run.pid as number, t0);
    samples.push(s);
    process.stderr.write(`soak: ${JSON.stringify(s)}\n`);
  }
  if (run.exitCode !== null) throw new Error(`cityflow run exited early (code ${run.exitCode})`);
  // The first minutes are warm-up (models, caches, the embedded store's first merges): trends from
  // the second half only, where a leak shows as a steady climb.
  const late = samples.slice(Math.floor(samples.length / 2));
  const trend = Object.fromEntries(
    (['nodeRssMiB', 'nodeFds', 'treeRssMiB', 'treeFds'] as const).map((k) => [
      `${k}PerHour`,
      perHour(
        late.map((s) => s.minute),
        late.map((s) => s[k]),
      ),
    ]),
  );
  console.log('| minute | node RSS MiB | node fds | tree RSS MiB | tree fds | processes |');
  console.log('| -----: | -----------: | -------: | -----------: | -------: | --------: |');
  for (const s of samples)
    console.log(
      `| ${s.minute} | ${s.nodeRssMiB} | ${s.nodeFds} | ${s.treeRssMiB} | ${s.treeFds} | ${s.processes} |`,
    );
  console.log(JSON.stringify({ phase: 'soak', minutes: MINUTES, cameras: CAMERAS, trend, samples }));
} finally {
  run?.kill('SIGTERM');
  await new Promise((r) => (run && run.exitCode === null ? run.once('exit', r) : r(null)));
  for (const s of servers) await s.close();
  rmSync(dir, { recursive: true, force: true });
}
