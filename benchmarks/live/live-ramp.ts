/**
 * Live capacity, measured on the real pipeline: `cityflow run` with N live 720p RTSP cameras at 2 fps,
 * counting on (the sample street's line, lane zone and calibration on every camera), N raised until a
 * camera falls below 1.9 analysed frames per second or detection falls behind. Prints the largest N
 * held for the whole window.
 *
 *   node --import tsx benchmarks/live/live-ramp.ts                      # from 10 cameras, +2 a step
 *   node --import tsx benchmarks/live/live-ramp.ts --from 14 --step 2 --max 24 --hold-s 60
 *
 * One trial:
 *
 *   N RTSP servers ──▶ cityflow run (local mode: its own Redis, the embedded ClickHouse)
 *        │ start    warm-up until every camera has stored frames, then 10 s more
 *        │ window   hold-s seconds: CPU of the run's process tree and of the servers from /proc
 *        │ drain    30 s: the window's last segments reach the store
 *        ▼ check    frames stored per camera with a timestamp in the window ≥ 1.9 × hold-s
 *
 * A camera whose detection falls behind has segments dropped (live.maxPendingSegmentsPerCamera) or
 * stored after the drain: either way its stored frames in the window fall short, so one check covers
 * both. The servers run on the same machine (a real deployment's cameras do not), so the figure is
 * pessimistic by their share, which is reported.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import type { SceneConfig } from '../../schemas/scene.ts';
import { fileLaunch, RtspTestServer } from '../../test/helpers/rtsp-server.ts';
import { SAMPLE_SCENE } from '../../workers/cli/demo-command.ts';
import { queryThroughOwner } from '../../workers/local/store-owner.ts';
import { report, SAMPLE } from '../phases/common.ts';

const { values: args } = parseArgs({
  options: {
    from: { type: 'string', default: '10' },
    step: { type: 'string', default: '2' },
    max: { type: 'string', default: '24' },
    'hold-s': { type: 'string', default: '60' },
    /** Times the sample is played in the cameras' clip (37.7 s each); a trial must fit in it. */
    loops: { type: 'string', default: '4' },
    /** Seconds after the window before its frames are counted. */
    'drain-s': { type: 'string', default: '30' },
    /** JSON merged into every trial's configuration, e.g. '{"tracking":{"motionFps":6}}'. */
    extra: { type: 'string', default: '{}' },
  },
});
const FPS = 2;
const EXTRA = JSON.parse(args.extra) as Record<string, unknown> & { live?: object };
const HOLD_S = Number(args['hold-s']);
const LOOPS = Number(args.loops);
const DRAIN_S = Number(args['drain-s']);
const MIN_FPS = 1.9;
/** The sample's length, s: one loop of the cameras' clip. */
const CLIP_S = 37.7;
const CLI = fileURLToPath(new URL('../../bin/cityflow.mjs', import.meta.url));
const run = promisify(execFile);

/** The sample's scene (640×352 pixels) moved onto the 1280×720 copy the cameras serve. */
function scaled(scene: SceneConfig, sx: number, sy: number): SceneConfig {
  const p = ([x, y]: readonly number[]): [number, number] => [x * sx, y * sy];
  return {
    ...scene,
    lines: scene.lines?.map((l) => ({ ...l, from: p(l.from), to: p(l.to) })),
    zones: scene.zones?.map((z) => ({
      ...z,
      polygon: z.polygon.map(p),
      ...(z.direction ? { direction: p(z.direction) } : {}),
    })),
    ...(scene.calibration
      ? { calibration: { ...scene.calibration, image: scene.calibration.image.map(p) } }
      : {}),
  } as SceneConfig;
}

/**
 * CPU seconds of a process and every process under it, from /proc: each one's own user + system
 * time and its reaped children's (cutime + cstime), so a decoder that exits during the window (its
 * stream ended, it was restarted) still counts, once, through its parent.
 */
function treeCpu(pid: number): number {
  const read = (path: string) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return '';
    }
  };
  const stat = read(`/proc/${pid}/stat`).split(') ')[1]?.split(' ') ?? [];
  const own = [11, 12, 13, 14].reduce((a, i) => a + Number(stat[i] ?? 0), 0) / 100;
  const kids = read(`/proc/${pid}/task/${pid}/children`).split(' ').filter(Boolean).map(Number);
  return own + kids.reduce((a, k) => a + treeCpu(k), 0);
}

const round = (x: number, d = 3) => Math.round(x * 10 ** d) / 10 ** d;

/**
 * A 720p clip: the sample --loops times over (4: 150 s), so no camera's stream ends during a trial
 * (trial() checks that its window fits). Tried up to three times: gst-launch's concat now and then
 * never reaches the end of the stream after writing the whole file (GStreamer 1.22), and then it is
 * stopped and started again.
 */
async function makeClip(dir: string): Promise<string> {
  const clip = join(dir, `street-720p-x${LOOPS}.mp4`);
  const legs = Array.from({ length: LOOPS }, () => `filesrc location=${SAMPLE} ! decodebin ! c.`).join(' ');
  const line =
    `gst-launch-1.0 -q concat name=c ! videoscale ! videoconvert ! video/x-raw,format=I420,width=1280,height=720 ` +
    `! x264enc speed-preset=ultrafast bitrate=2500 key-int-max=48 ! h264parse ! mp4mux ! filesink location=${clip} ${legs}`;
  for (let attempt = 1; ; attempt++) {
    try {
      await run('bash', ['-c', `exec ${line}`], { timeout: 30_000 * LOOPS + 60_000, killSignal: 'SIGKILL' });
      return clip;
    } catch (e) {
      if (attempt === 3) throw e;
      process.stderr.write(
        `live-ramp: making the clip failed (${(e as Error).message.split('\n')[0]}); again\n`,
      );
    }
  }
}

interface Trial {
  cameras: number;
  held: boolean;
  /** Analysed frames stored per second, per camera, over the window. */
  fps: number[];
  /** Cores used by cityflow run's process tree (Node, its Redis, the decoders) over the window. */
  pipelineCores: number;
  serverCores: number;
  /** Line crossings stored by the end of the trial, all cameras (counting was on). */
  crossings: number;
}

/** `cityflow run` on a configuration, in its own process (stopped with us: --pdeathsig). */
function startRun(config: string): { child: ChildProcess; exited: Promise<unknown> } {
  const child = spawn(
    'setpriv',
    ['--pdeathsig', 'TERM', '--', process.execPath, CLI, 'run', '--config', config],
    {
      env: { ...process.env, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  return { child, exited: once(child, 'exit').catch(() => undefined) };
}

/** SIGTERM, then SIGKILL after 15 s; resolves once the process is gone. */
async function stopRun(run: { child: ChildProcess; exited: Promise<unknown> }): Promise<void> {
  const { child } = run;
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await run.exited;
  clearTimeout(killer);
}

/** Waits until every camera has stored frames (models loaded, decoders connected). */
async function warmUp(
  n: number,
  child: ChildProcess,
  sql: (q: string) => Promise<Record<string, unknown>[]>,
): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    const ended = child.exitCode ?? child.signalCode;
    if (ended !== null) throw new Error(`cityflow run exited early (${ended})`);
    if (Date.now() > deadline) throw new Error(`${n} cameras: not every camera stored frames in 180 s`);
    const rows = await sql('SELECT uniqExact(camera_id) AS c FROM frames').catch(() => []);
    if (Number(rows[0]?.c ?? 0) >= n) return;
    await sleep(2000);
  }
}

async function trial(n: number, clip: string, scene: SceneConfig, dir: string): Promise<Trial> {
  const dataDir = mkdtempSync(join(dir, `n${n}-`));
  const servers: RtspTestServer[] = [];
  let cityflow: ReturnType<typeof startRun> | null = null;
  const sql = async (q: string) => (await queryThroughOwner(dataDir, q))?.rows ?? [];
  try {
    const started = Date.now();
    for (let i = 0; i < n; i++) servers.push(await RtspTestServer.start(fileLaunch(clip)));
    const config = join(dataDir, 'ramp.json');
    writeFileSync(
      config,
      JSON.stringify({
        dataDir,
        extract: { fps: FPS },
        cameras: servers.map((s, i) => ({ id: `cam-${i + 1}`, source: s.url, scene })),
        ...EXTRA,
        live: { maxCameras: Math.max(16, n), ...EXTRA.live },
      }),
    );
    cityflow = startRun(config);
    await warmUp(n, cityflow.child, sql);
    await sleep(10_000);
    // Past the clip's end every stream ends and reconnects: that would be measured as a shortfall.
    if ((Date.now() - started) / 1000 + HOLD_S > LOOPS * CLIP_S) {
      throw new Error(`the window would outlast the cameras' ${LOOPS}-loop clip: raise --loops`);
    }
    const pid = cityflow.child.pid as number;
    const cpu0 = treeCpu(pid);
    const srv0 = servers.reduce((a, s) => a + treeCpu(s.pid ?? 0), 0);
    const w0 = Date.now();
    await sleep(HOLD_S * 1000);
    const w1 = Date.now();
    const pipelineCores = (treeCpu(pid) - cpu0) / ((w1 - w0) / 1000);
    const serverCores = (servers.reduce((a, s) => a + treeCpu(s.pid ?? 0), 0) - srv0) / ((w1 - w0) / 1000);
    await sleep(DRAIN_S * 1000); // drain: the window's last segments reach the store
    const rows = await sql(
      `SELECT camera_id, count() AS n FROM frames WHERE ts >= fromUnixTimestamp64Milli(${w0}) ` +
        `AND ts < fromUnixTimestamp64Milli(${w1}) GROUP BY camera_id`,
    );
    const byCamera = new Map(rows.map((r) => [String(r.camera_id), Number(r.n)]));
    const crossings = Number((await sql('SELECT count() AS n FROM line_crossings'))[0]?.n ?? 0);
    const fps = servers.map((_, i) => round((byCamera.get(`cam-${i + 1}`) ?? 0) / ((w1 - w0) / 1000), 2));
    return {
      cameras: n,
      held: fps.every((f) => f >= MIN_FPS),
      fps,
      pipelineCores: round(pipelineCores),
      serverCores: round(serverCores),
      crossings,
    };
  } finally {
    if (cityflow) await stopRun(cityflow);
    for (const s of servers) await s.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-ramp-'));
try {
  const clip = await makeClip(dir);
  const scene = scaled(SAMPLE_SCENE, 1280 / 640, 720 / 352);
  const trials: Trial[] = [];
  for (let n = Number(args.from); n <= Number(args.max); n += Number(args.step)) {
    const t = await trial(n, clip, scene, dir);
    trials.push(t);
    process.stderr.write(`live-ramp: ${JSON.stringify(t)}\n`);
    if (!t.held) break;
  }
  const best = trials.filter((t) => t.held).at(-1);
  const n = best?.cameras ?? 0;
  report({
    phase: 'live-ramp',
    // The largest held trial's figures, in the bench's columns: analysed frames of all cameras.
    frames: n * FPS * HOLD_S,
    seconds: HOLD_S,
    framesPerSecond: n * FPS,
    cpuMsPerFrame: best ? round((best.pipelineCores * 1000) / (n * FPS), 1) : 0,
    source:
      '1280x720 H.264 (the sample scaled up, ~2.5 Mb/s, looped) over RTSP/TCP from local libgstrtspserver servers',
    analysedFps: FPS,
    holdS: HOLD_S,
    extra: EXTRA,
    largestHeld: n,
    trials,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
