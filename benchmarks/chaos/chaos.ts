// Chaos: the multi-process topology on one machine (a store+track node and two extract+detect
// workers, each a `cityflow worker` process, on one Redis and one ClickHouse server) processing the
// same footage twice: once cleanly, once while faults are injected at random points drawn from a
// seed (SIGKILL of a worker, SIGKILL of the store node, a Redis restart, a store outage). Every table's
// row count, the set of track ids and the crossings of each camera must match the clean run: 0 lost,
// 0 duplicated. Prints each fault and each check; exits 1 on a mismatch.
//
//   npm run test:chaos -- [--seed N] [--cameras N] [--faults worker,store-node,redis,store-outage] [--outage-s 75]
//                         [--deadline-s 600]
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from '@clickhouse/client';
import { loadConfig } from '../../pipeline/config/load-config.ts';
import { ClickHouseHttpServer } from '../../test/helpers/clickhouse-http-server.ts';
import { PersistentRedis } from '../../test/helpers/persistent-redis.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SAMPLE = join(ROOT, 'samples/residential-street.mp4');
const LINE = { id: 'street', from: [200, 210], to: [620, 210] };
const FAULTS = ['worker', 'store-node', 'redis', 'store-outage'] as const;
type Fault = (typeof FAULTS)[number];

const { values: args } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    cameras: { type: 'string', default: '4' },
    faults: { type: 'string', default: FAULTS.join(',') },
    // How long the store server stays down in a store outage, seconds (the suite's short form: 15).
    'outage-s': { type: 'string', default: '75' },
    // How long each run (clean, chaos) may take before it is called stuck, seconds.
    'deadline-s': { type: 'string', default: '600' },
  },
});
const outageS = Number(args['outage-s']);
if (!(outageS > 0)) throw new Error(`--outage-s: a positive number of seconds, got "${args['outage-s']}"`);
const deadlineS = Number(args['deadline-s']);
if (!(deadlineS > 0))
  throw new Error(`--deadline-s: a positive number of seconds, got "${args['deadline-s']}"`);
const seed = Number(args.seed);
const cameras = Number(args.cameras);
const faults = (args.faults ?? '').split(',').filter(Boolean) as Fault[];
for (const f of faults) if (!FAULTS.includes(f)) throw new Error(`--faults: unknown fault "${f}"`);

/** mulberry32: the same seed, the same faults at the same points. */
function random(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Both runs' footage starts at the same instant: the 1- and 15-minute intervals a 37.7 s clip spans
// depend on where it starts on the clock (one or two minutes), and the runs must be comparable.
const START = new Date(Math.floor((Date.now() - 3600_000) / 900_000) * 900_000 + 10_000).toISOString();

const dir = mkdtempSync(join(tmpdir(), 'cityflow-chaos-'));
const redis = await PersistentRedis.start(join(dir, 'redis'));
const store = await ClickHouseHttpServer.start(join(dir, 'clickhouse'));
const ch = createClient({ url: store.url });

/** One `cityflow worker` process, restartable under the same host name (its frames folder). */
class WorkerProcess {
  private child: ChildProcess | null = null;
  constructor(
    readonly name: string,
    private readonly config: string,
    private readonly stages: string,
  ) {}
  start(): void {
    this.child = spawn(
      process.execPath,
      [join(ROOT, 'bin/cityflow.mjs'), 'worker', '--config', this.config, '--stages', this.stages],
      { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LOG_LEVEL: 'error' } },
    );
  }
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const c = this.child;
    this.child = null;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((r) => c.once('exit', r));
    c.kill(signal);
    await exited;
  }
}

function config(run: string, host: string): string {
  const file = join(dir, `${run}-${host}.yaml`);
  writeFileSync(
    file,
    JSON.stringify({
      redisUrl: redis.url,
      clickhouseUrl: store.url,
      queuePrefix: `chaos-${run}`,
      dataDir: join(dir, `${run}-${host}`),
      host,
      extract: { fps: 2, segmentSeconds: 5 },
      queues: { attempts: 3 },
      live: { lockMs: 5000 },
    }),
  );
  mkdirSync(join(dir, `${run}-${host}`), { recursive: true });
  return file;
}

/** Runs the topology over `cameras` copies of the sample; injects the faults when given. */
async function run(name: string, inject: Fault[]): Promise<void> {
  const procs = [
    new WorkerProcess('store node', config(name, 'store'), 'store,track'),
    new WorkerProcess('worker 1', config(name, 'w1'), 'extract,detect'),
    new WorkerProcess('worker 2', config(name, 'w2'), 'extract,detect'),
  ];
  for (const p of procs) p.start();
  const submitter = await PipelineNode.start({
    config: loadConfig(config(name, 'submit')),
    redisUrl: redis.url,
    stages: [],
  });
  try {
    const start = START;
    const ids: string[] = [];
    for (let i = 1; i <= cameras; i++) {
      const cam = {
        id: `${name}-${i}`,
        source: SAMPLE,
        startTime: start,
        scene: { lines: [LINE], zones: [], inertiaFrames: 1 },
      };
      ids.push((await submitter.submitFile(cam as never)).sourceId);
    }
    const rnd = random(seed);
    for (const fault of inject) {
      await sleep(1000 + rnd() * 3000);
      await injectFault(fault, procs, rnd);
    }
    const states = await Promise.race([
      submitter.waitFor(ids),
      sleep(deadlineS * 1000, null, { ref: false }).then(() => {
        throw new Error(`${name}: not finished within ${deadlineS} s`);
      }),
    ]);
    const lost = states.reduce((n, s) => n + s.lost, 0);
    console.log(`${name}: ${states.length} sources finished, ${lost} segment(s) lost`);
  } finally {
    await submitter.close();
    for (const p of procs) await p.kill('SIGTERM');
  }
}

async function injectFault(fault: Fault, procs: WorkerProcess[], rnd: () => number): Promise<void> {
  if (fault === 'worker') {
    const w = procs[1 + Math.floor(rnd() * 2)];
    console.log(`fault: SIGKILL ${w.name}; restarted after 2 s`);
    await w.kill();
    await sleep(2000);
    w.start();
  } else if (fault === 'store-node') {
    console.log('fault: SIGKILL the store node; restarted after 2 s');
    await procs[0].kill();
    await sleep(2000);
    procs[0].start();
  } else if (fault === 'redis') {
    console.log('fault: Redis restarted (down 3 s)');
    await redis.stop();
    await sleep(3000);
    await redis.restart();
  } else {
    console.log(`fault: the store server down for ${outageS} s`);
    await store.stop();
    await sleep(outageS * 1000);
    await store.restart();
  }
}

/** Per camera: every table's row count, the track ids and the crossings. */
async function tables(name: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 1; i <= cameras; i++) {
    const q = async (sql: string) => {
      const rs = await ch.query({ query: sql, query_params: { c: `${name}-${i}` }, format: 'JSONEachRow' });
      return (await rs.json<Record<string, unknown>>())[0];
    };
    const count = (t: string) => `(SELECT count() FROM ${t} WHERE camera_id = {c:String})`;
    out.push({
      ...(await q(
        `SELECT ${['frames', 'detections', 'segments', 'line_crossings', 'tracks', 'traffic_measures']
          .map((t) => `${count(t)} AS ${t}`)
          .join(', ')}`,
      )),
      ...(await q(
        'SELECT arraySort(groupUniqArray(track_id)) AS track_ids FROM detections WHERE camera_id = {c:String}',
      )),
      ...(await q(
        "SELECT arraySort(groupArray(concat(toString(track_id), ' ', direction, ' ', class))) AS crossings FROM line_crossings WHERE camera_id = {c:String}",
      )),
    });
  }
  return out;
}

let failed = false;
try {
  await run('clean', []);
  await run('chaos', faults);
  const [clean, chaos] = [await tables('clean'), await tables('chaos')];
  for (let i = 0; i < cameras; i++) {
    for (const key of Object.keys(clean[i])) {
      const same = JSON.stringify(clean[i][key]) === JSON.stringify(chaos[i][key]);
      const shown = Array.isArray(clean[i][key])
        ? `${(clean[i][key] as unknown[]).length} items`
        : clean[i][key];
      console.log(
        `check camera ${i + 1} ${key}: clean ${shown}, chaos ${same ? 'the same' : JSON.stringify(chaos[i][key])}`,
      );
      if (!same) failed = true;
    }
  }
  console.log(
    failed ? 'CHAOS: MISMATCH' : `CHAOS: 0 lost, 0 duplicated (seed ${seed}, faults ${faults.join(', ')})`,
  );
} finally {
  await ch.close();
  await store.stop();
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
