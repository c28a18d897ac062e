import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { afterAll, expect, inject, test } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { Config } from '../../schemas/config.ts';
import type { DetectJob } from '../../schemas/jobs.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { redisConnection } from '../../workers/queues.ts';
import { QUEUE } from '../../workers/redis-keys.ts';
import { SAMPLE } from '../helpers/cli.ts';
import { until } from '../helpers/until.ts';

// PipelineNode on the test run's real Redis, one queue prefix per test.
const dir = mkdtempSync(join(tmpdir(), 'cityflow-graph-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const recent = () => new Date(Date.now() - 3600_000).toISOString();

function config(name: string, extra: Record<string, unknown> = {}): Config {
  return normaliseConfig(
    { dataDir: join(dir, name), host: `h-${name}`, queuePrefix: `${name}${Date.now()}`, ...extra },
    join(dir, `${name}.yaml`),
    {},
  );
}

test('backpressure: with no detector running, extraction stops at maxPendingSegments', async () => {
  const cfg = config('bp', { queues: { maxPendingSegments: 2 }, extract: { fps: 5, segmentSeconds: 2 } });
  const node = await PipelineNode.start({ config: cfg, redisUrl: inject('redisUrl'), stages: ['extract'] });
  const detectQueue = new Queue(QUEUE.detect(node.host), {
    connection: redisConnection(inject('redisUrl')),
    prefix: cfg.queuePrefix,
  });
  const extractQueue = new Queue(QUEUE.extract, {
    connection: redisConnection(inject('redisUrl')),
    prefix: cfg.queuePrefix,
  });
  let sourceId = '';
  try {
    const src = await node.submitFile({ id: 'cam-bp', source: SAMPLE, startTime: recent() });
    sourceId = src.sourceId;
    // Unbounded, the 37 s clip would be 19 segments within a second or two of the first. The first
    // two may take longer on a loaded machine; once they are out, a further 3 s emit nothing more.
    await until(
      'two segments emitted',
      async () => (await node.tracker.state(src.sourceId)).emitted >= 2,
      30_000,
    );
    await sleep(3000);
    const state = await node.tracker.state(src.sourceId);
    expect(state.extract).toBe('running');
    expect(state.emitted).toBe(2);
    expect(await detectQueue.getWaitingCount()).toBe(2);
    expect(
      readdirSync(join(cfg.dataDir, 'frames', node.host)).filter((f) => f.endsWith('.rgb')),
    ).toHaveLength(2);
  } finally {
    await node.close();
  }
  // Shutdown did not wait for the source to finish: its job went back to the queue, delayed, not failed.
  const [job] = await extractQueue.getJobs(['delayed']);
  expect(job?.data.sourceId).toBe(sourceId);
  expect(job?.attemptsMade).toBe(0);
  for (const q of [detectQueue, extractQueue]) {
    await q.obliterate({ force: true });
    await q.close();
  }
});

test('a segment that keeps failing is retried, then recorded as lost; the others are stored and the source finishes', async () => {
  const cfg = config('lost', { queues: { attempts: 2 }, extract: { fps: 1 } });
  const node = await PipelineNode.start({
    config: cfg,
    redisUrl: inject('redisUrl'),
    stages: ['detect', 'store'],
  });
  const detectQueue = new Queue<DetectJob>(QUEUE.detect(node.host), {
    connection: redisConnection(inject('redisUrl')),
    prefix: cfg.queuePrefix,
  });
  try {
    const sourceId = 'cam-l/ghost.mp4@0000000000';
    await node.tracker.queued(sourceId);
    await node.tracker.emitted(sourceId, 0, 1);
    await node.tracker.extractEnded(sourceId, null);
    const job = await detectQueue.add(
      'detect',
      {
        segmentKey: `${sourceId}#0`,
        sourceId,
        cameraId: 'cam-l',
        segment: 0,
        framesFile: join(cfg.dataDir, 'frames', node.host, 'no-such-file.rgb'),
        width: 4,
        height: 4,
        scale: 1,
        frames: [{ ptsMs: 0, tsMs: Date.now() }],
      },
      { attempts: 2, backoff: { type: 'fixed', delay: 10 } },
    );
    const [state] = await node.waitFor([sourceId]);
    expect(state).toMatchObject({ stored: 0, lost: 1 });
    expect((await detectQueue.getJob(job.id as string))?.attemptsMade).toBe(2);
  } finally {
    await detectQueue.obliterate({ force: true });
    await detectQueue.close();
    await node.close();
  }
});

test('a planted detect job naming a file outside the frames folder deletes and reads nothing', async () => {
  const cfg = config('plant', { queues: { attempts: 1 } });
  const node = await PipelineNode.start({ config: cfg, redisUrl: inject('redisUrl'), stages: ['detect'] });
  const detectQueue = new Queue(QUEUE.detect(node.host), {
    connection: redisConnection(inject('redisUrl')),
    prefix: cfg.queuePrefix,
  });
  const victim = join(dir, 'victim.rgb');
  writeFileSync(victim, Buffer.alloc(4 * 4 * 3, 7)); // a valid frames file's size, outside the folder
  const framesDir = join(cfg.dataDir, 'frames', node.host);
  const base = { sourceId: 'cam-p/x.mp4@1', cameraId: 'cam-p', segment: 0, width: 4, height: 4, scale: 1 };
  const frames = [{ ptsMs: 0, tsMs: Date.now() }];
  try {
    const planted = [
      { ...base, segmentKey: 'p#0', framesFile: victim, frames },
      { ...base, segmentKey: 'p#1', framesFile: join(framesDir, '..', '..', '..', 'victim.rgb'), frames },
      // invalid payloads: the failure handler must not act on them either
      { segmentKey: 'p#2', framesFile: victim },
      { ...base, segmentKey: 'p#3', framesFile: victim, frames, extra: 'key' },
    ];
    const jobs = await Promise.all(
      planted.map((d, i) => detectQueue.add('detect', d, { jobId: `plant-${i}` })),
    );
    await until(
      'the planted jobs failed',
      async () => (await detectQueue.getFailedCount()) === planted.length,
      20_000,
    );
    const reasons = await Promise.all(
      jobs.map(async (j) => (await detectQueue.getJob(j.id as string))?.failedReason),
    );
    expect(reasons[0]).toMatch(/is not a frames file in .*: refused/);
    expect(reasons[1]).toMatch(/is not a frames file in/);
    expect(reasons[2]).toMatch(/detect job plant-2: .*is required/);
    expect(reasons[3]).toMatch(/extra unknown key/);
    expect(readFileSync(victim)).toEqual(Buffer.alloc(4 * 4 * 3, 7));
  } finally {
    await detectQueue.obliterate({ force: true });
    await detectQueue.close();
    await node.close();
  }
});

test('a camera with a region of interest and motion gating: boxes inside the region, still frames skipped but reported', async () => {
  const roi = { x: 160, y: 96, width: 480, height: 256 }; // the right-hand 3/4 of the street, lower part
  const cfg = config('roi', { extract: { fps: 2 } });
  cfg.redisUrl = inject('redisUrl');
  const { processSources } = await import('../../workers/cli/process-sources.ts');
  const s = await processSources(
    cfg,
    [
      {
        id: 'cam-roi',
        source: SAMPLE,
        startTime: recent(),
        roi,
        motionGate: { minChangedFraction: 0.01, pixelDelta: 12, maxSkipFrames: 25 },
      },
    ],
    { progress: false },
  );
  expect(s.failures).toEqual([]);
  expect(Math.abs(s.framesAnalysed - 75)).toBeLessThanOrEqual(20); // some frames skipped by the gate
  const { openClickHouse } = await import('../../pipeline/store/open-clickhouse.ts');
  const ch = await openClickHouse({ path: join(cfg.dataDir, 'clickhouse') });
  try {
    const q = async (sql: string) =>
      (
        await (await ch.client.query({ query: sql, format: 'JSONEachRow' })).json<Record<string, number>>()
      )[0];
    const frames = await q(
      "SELECT count() AS n, countIf(analysed) AS a, countIf(NOT analysed AND object_count > 0) AS carried FROM frames WHERE camera_id = 'cam-roi'",
    );
    expect(Number(frames.n)).toBeGreaterThanOrEqual(74);
    expect(Number(frames.a)).toBeLessThan(Number(frames.n)); // the gate skipped some
    expect(Number(frames.a)).toBe(s.framesAnalysed);
    expect(Number(frames.carried)).toBeGreaterThan(0); // skipped frames report the last analysed objects
    const boxes = await q(
      "SELECT count() AS n, min(x) AS x0, min(y) AS y0, max(x + w) AS x1, max(y + h) AS y1 FROM detections WHERE camera_id = 'cam-roi'",
    );
    expect(Number(boxes.n)).toBeGreaterThan(0);
    expect(Number(boxes.x0)).toBeGreaterThanOrEqual(roi.x);
    expect(Number(boxes.y0)).toBeGreaterThanOrEqual(roi.y);
    expect(Number(boxes.x1)).toBeLessThanOrEqual(roi.x + roi.width + 0.5);
    expect(Number(boxes.y1)).toBeLessThanOrEqual(roi.y + roi.height + 0.5);
  } finally {
    await ch.close();
  }
});

test('a scene zone over the road records the visits of passing cars, with dwell times, once per visit', async () => {
  const cfg = config('zone', { extract: { fps: 5 } });
  cfg.redisUrl = inject('redisUrl');
  const { processSources } = await import('../../workers/cli/process-sources.ts');
  const scene = {
    lines: [],
    zones: [
      {
        id: 'near-road',
        polygon: [
          [200, 180],
          [620, 180],
          [640, 352],
          [150, 352],
        ] as Array<[number, number]>,
        kind: 'roadway' as const,
      },
    ],
    // The zone ends on the frame's bottom edge (y 352). YOLOX-Nano's boxes of a car driving out
    // across that edge end 0.3 px past it, then 0.2 px inside, then past it again (352.3 / 351.8 /
    // 352.3), so with no flicker guard (1) such a car left and came back for one frame: 13 visits of
    // 9 cars. Two frames on the new side, the guard meant for jitter on a boundary, make it one visit each.
    inertiaFrames: 2,
  };
  const s = await processSources(cfg, [{ id: 'cam-zone', source: SAMPLE, startTime: recent(), scene }], {
    progress: false,
  });
  expect(s.failures).toEqual([]);
  const { openClickHouse } = await import('../../pipeline/store/open-clickhouse.ts');
  const ch = await openClickHouse({ path: join(cfg.dataDir, 'clickhouse') });
  try {
    const rs = await ch.client.query({
      query: `SELECT count() AS n, uniqExact(track_id) AS tracks, min(dwell_ms) AS dmin, maxIf(dwell_ms, reason = 'exit') AS dmax,
                     countIf(reason = 'lost' AND left_at >= (SELECT max(ts) FROM frames WHERE camera_id = 'cam-zone') - 3000) AS atEnd,
                     countIf(left_at < entered_at) AS backwards, countIf(class = 'car') AS cars
              FROM zone_visits WHERE camera_id = 'cam-zone' AND zone_id = 'near-road'`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<Record<string, string>>();
    // The 8 cars that drive towards the camera cross this stretch of road (see benchmarks/counting/).
    expect(Number(row.n)).toBeGreaterThanOrEqual(6);
    expect(Number(row.cars)).toBeGreaterThanOrEqual(6);
    expect(Number(row.tracks)).toBe(Number(row.n)); // one visit per car: no double entries
    expect(Number(row.backwards)).toBe(0);
    expect(Number(row.dmax)).toBeGreaterThan(0);
    expect(Number(row.dmax)).toBeLessThan(15_000); // those that drove out were passing through
    // What was still inside when the file ended (the car parked at the kerb) is closed then too.
    expect(Number(row.atEnd)).toBeGreaterThanOrEqual(1);
  } finally {
    await ch.close();
  }
});
