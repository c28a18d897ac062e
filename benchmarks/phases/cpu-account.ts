/**
 * Where every CPU millisecond of an analysed frame goes: the 3-camera end-to-end run
 * (benchmarks/phases/end-to-end.ts, BENCH_CAMERAS=3) under `--cpu-prof`, with its process tree's CPU
 * read from /proc meanwhile.
 *
 *   node --import tsx benchmarks/phases/cpu-account.ts
 *
 * - JavaScript, per thread, from the V8 profiles (self time by the code's file, in categories);
 * - native threads of the Node process (the embedded ClickHouse, libuv, onnxruntime's pool) as
 *   the process's CPU from /proc minus the JavaScript;
 * - the decoders (gst-launch-1.0) and redis-server from /proc.
 * Start-up (module loading, model loads, opening the store) is counted apart where the profile
 * shows it. Prints a table in ms per analysed frame, and one JSON line.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { report } from './common.ts';

const E2E = fileURLToPath(new URL('./end-to-end.ts', import.meta.url));
const TICK = 100; // /proc/<pid>/stat counts in clock ticks of 10 ms

// First match wins: the file (or function) a sample's own code lies in.
const CATEGORIES: Array<[string, RegExp]> = [
  ['inference (onnxruntime)', /onnxruntime|onnx-detector|letterbox|decode-yolox|nms\.ts|detector-thread/],
  [
    'start-up: module loading',
    /\/(tsx|esbuild)\/|node:internal\/modules|loader|translators|compileSourceTextModule/,
  ],
  [
    'frame hand-over (gdp, files, grey copies)',
    /gdp-reader|frame-extractor|gst-process|frame-files|grey-frame|motion-sampler|segmenter|pack-rgb|gst-frame/,
  ],
  ['motion tracing', /box-motion|detection-motion/],
  ['queues (BullMQ, ioredis)', /\/bullmq\/|\/ioredis\/|redis-parser|msgpackr|cluster-key-slot/],
  ['tracking, measures, rules', /pipeline\/(track|scene|measure|rules|analytics)\//],
  ['store (ClickHouse client, rows)', /@clickhouse|chdb|pipeline\/store\//],
  ['payload validation', /typebox|\/ajv\/|validate\.ts/],
  ['logging', /\/pino/],
  ['stages and progress', /workers\//],
];

interface Profile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string } }>;
  samples: number[];
  timeDeltas: number[];
}

function categorise(p: Profile): Record<string, number> {
  const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
  const out: Record<string, number> = {};
  p.samples.forEach((id, i) => {
    const f = byId.get(id);
    const ms = (p.timeDeltas[i] ?? 0) / 1000;
    const name = f?.functionName ?? '';
    const where = `${f?.url ?? ''} ${name}`;
    let cat =
      name === '(idle)' ? 'idle' : name === '(garbage collector)' ? 'garbage collection' : 'other JavaScript';
    if (cat === 'other JavaScript')
      for (const [c, re] of CATEGORIES)
        if (re.test(where)) {
          cat = c;
          break;
        }
    out[cat] = (out[cat] ?? 0) + ms;
  });
  return out;
}

const ticks = (path: number | string): { comm: string; cpu: number } | null => {
  try {
    const s = readFileSync(`/proc/${path}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return {
      comm: s.slice(s.indexOf('(') + 1, s.lastIndexOf(')')),
      cpu: (Number(f[11]) + Number(f[12])) / TICK,
    };
  } catch {
    return null;
  }
};
const threads = (pid: number): number[] => {
  try {
    return readdirSync(`/proc/${pid}/task`).map(Number);
  } catch {
    return [];
  }
};
const threadTicks = (pid: number, tid: number) => ticks(`${pid}/task/${tid}`);
const children = (pid: number): number[] => {
  try {
    const kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .split(' ')
      .filter(Boolean)
      .map(Number);
    return [...kids, ...kids.flatMap(children)];
  } catch {
    return [];
  }
};

const dir = mkdtempSync(join(tmpdir(), 'cityflow-cpu-account-'));
try {
  const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', E2E], {
    env: { ...process.env, BENCH_CAMERAS: '3', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  // The last CPU reading of every process of the tree (a decoder that has exited keeps its last one).
  const last = new Map<number, { comm: string; cpu: number }>();
  const lastThread = new Map<number, { comm: string; cpu: number }>(); // the Node process's threads
  const root = child.pid as number;
  const poll = setInterval(() => {
    for (const pid of children(root)) {
      const t = ticks(pid);
      if (t) last.set(pid, t);
    }
    for (const tid of threads(root)) {
      const t = threadTicks(root, tid);
      if (t) lastThread.set(tid, t);
    }
  }, 100);
  await new Promise((r) => child.once('exit', r));
  clearInterval(poll);
  const figures = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { frames: number; seconds: number };
  const frames = figures.frames;
  // V8's profiles sample wall time, so they give each thread's split, not its CPU: the main
  // thread's CPU (from /proc) is shared out over its profile's categories; the detector threads'
  // likewise over theirs. Threads not named node are native (the embedded ClickHouse's pools).
  const profiles = readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'));
  const split = (files: string[]) => {
    const sum: Record<string, number> = {};
    for (const f of files)
      for (const [k, ms] of Object.entries(
        categorise(JSON.parse(readFileSync(join(dir, f), 'utf8')) as Profile),
      ))
        if (k !== 'idle') sum[k] = (sum[k] ?? 0) + ms;
    const busy = Object.values(sum).reduce((a, b) => a + b, 0) || 1;
    return Object.entries(sum).map(([k, ms]) => [k, ms / busy] as [string, number]);
  };
  const mainCpu = (lastThread.get(root)?.cpu ?? 0) * 1000;
  const nodeThreads = [...lastThread.entries()].filter(([tid, t]) => tid !== root && t.comm === 'node');
  const workerCpu = nodeThreads.reduce((a, [, t]) => a + t.cpu * 1000, 0);
  const nativeCpu = [...lastThread.values()]
    .filter((t) => t.comm !== 'node')
    .reduce((a, t) => a + t.cpu * 1000, 0);
  const procMs = (re: RegExp) =>
    [...last.values()].filter((t) => re.test(t.comm)).reduce((a, t) => a + t.cpu * 1000, 0);
  const rows: Array<[string, number]> = [
    ...split(profiles.filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))).map(
      ([k, share]) => [`main thread: ${k}`, share * mainCpu] as [string, number],
    ),
    ...split(profiles.filter((f) => !/\.0\.\d+\.cpuprofile$/.test(f))).map(
      ([k, share]) => [`other JS threads (detector, loader): ${k}`, share * workerCpu] as [string, number],
    ),
    ['native threads (embedded ClickHouse, libuv)', nativeCpu],
    ['decoding and scaling (gst-launch-1.0)', procMs(/gst-launch/)],
    ['redis-server', procMs(/redis-server/)],
  ].sort((a, b) => (b[1] as number) - (a[1] as number)) as Array<[string, number]>;
  const total = rows.reduce((a, [, ms]) => a + ms, 0);
  console.log(`3 cameras, ${frames} analysed frames, ${figures.seconds} s wall; CPU ms per analysed frame:`);
  console.log('| where | ms per frame | share |');
  console.log('| ----- | -----------: | ----: |');
  for (const [k, ms] of rows)
    console.log(`| ${k} | ${(ms / frames).toFixed(2)} | ${((100 * ms) / total).toFixed(1)} % |`);
  console.log(`| **all** | **${(total / frames).toFixed(2)}** | 100 % |`);
  report({
    phase: 'cpu-account',
    frames,
    seconds: figures.seconds,
    framesPerSecond: Math.round((frames / figures.seconds) * 10) / 10,
    cpuMsPerFrame: Math.round((total / frames) * 10) / 10,
    msPerFrame: Object.fromEntries(rows.map(([k, ms]) => [k, Math.round((ms / frames) * 100) / 100])),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
