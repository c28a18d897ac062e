import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { CameraConfig } from '../../schemas/config.ts';
import type { EventRecord } from '../../schemas/events.ts';
import type { DetectJob, StoreJob } from '../../schemas/jobs.ts';
import { healthEventId } from '../../workers/live/live-health-reporter.ts';
import { liveSourceId } from '../../workers/live/live-segments.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { redisConnection } from '../../workers/queues.ts';
import { QUEUE, redisKeys } from '../../workers/redis-keys.ts';
import { ROOT, SAMPLE } from '../helpers/cli.ts';
import { fileLaunch, patternLaunch, RtspTestServer, rtspServerBuildable } from '../helpers/rtsp-server.ts';
import { until } from '../helpers/until.ts';

const unbuildable = await rtspServerBuildable();
const redisUrl = inject('redisUrl');

/** The pids of gst-launch-1.0 processes whose command line mentions `needle`. */
function gstPids(needle: string): number[] {
  const pids: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      if (cmd.startsWith('gst-launch-1.0') && cmd.includes(needle)) pids.push(Number(d));
    } catch {}
  }
  return pids;
}

describe.skipIf(unbuildable !== null)(
  `live cameras across workers (${unbuildable ?? 'real RTSP servers'})`,
  () => {
    const prefix = `live-stage-${process.pid}`;
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-live-stage-'));
    const rawConfig = {
      dataDir: dir,
      host: 'testhost',
      queuePrefix: prefix,
      tracking: { enabled: true }, // (no track stage runs: its queue is inspected)
      extract: { fps: 2, segmentSeconds: 2 },
      // No detect stage runs here: segments pile up on purpose, so the overload guard is set out of the way.
      live: {
        lockMs: 1500,
        restartMaxMs: 1000,
        maxCameras: 4,
        maxPendingSegmentsPerCamera: 1000,
        closeAfterOfflineS: 1, // (default 15 minutes)
      },
    };
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
    const detectQueue = new Queue<DetectJob>(QUEUE.detect('testhost'), {
      connection: redisConnection(redisUrl),
      prefix,
    });
    const alerts = new Queue<EventRecord>(QUEUE.alerts, { connection: redisConnection(redisUrl), prefix });
    const servers: RtspTestServer[] = [];
    const children: ChildProcess[] = [];
    let node: PipelineNode;

    beforeAll(async () => {
      for (const launch of [fileLaunch(SAMPLE), patternLaunch('ball'), fileLaunch(SAMPLE)]) {
        servers.push(await RtspTestServer.start(launch));
      }
      node = await PipelineNode.start({
        config: normaliseConfig(rawConfig, 'test.json'),
        redisUrl,
        stages: ['live'],
      });
    });
    afterAll(async () => {
      for (const c of children) c.kill('SIGKILL');
      await node?.close();
      for (const s of servers) await s.close();
      await detectQueue.close();
      await alerts.close();
      redis.disconnect();
      rmSync(dir, { recursive: true, force: true });
    });

    const cam = (id: string, server: RtspTestServer, extra: Partial<CameraConfig> = {}): CameraConfig => ({
      id,
      source: server.url,
      ...extra,
    });
    const status = (id: string) => redis.hgetall(redisKeys(prefix).health(id));

    it('cameras are added, changed and removed at runtime without touching the others; outages raise alerts', async () => {
      const [a, b] = servers;
      expect(
        await node.liveCameras.reconcile([cam('cam-a', a), cam('cam-b', b), { id: 'file', source: SAMPLE }]),
      ).toEqual({
        added: ['cam-a', 'cam-b'],
        changed: [],
        removed: [],
        unchanged: [],
      });
      await until(
        'both online',
        async () =>
          (await status('cam-a')).status === 'online' && (await status('cam-b')).status === 'online',
        15_000,
      );
      const pidA = gstPids(a.url);
      expect(pidA).toHaveLength(1);
      const pidB = gstPids(b.url);
      // Change b (UDP instead of TCP): b restarts, a keeps its decoder.
      expect(
        await node.liveCameras.reconcile([cam('cam-a', a), cam('cam-b', b, { rtspTransport: 'udp' })]),
      ).toMatchObject({
        changed: ['cam-b'],
        unchanged: ['cam-a'],
      });
      await until(
        'b restarted',
        async () => gstPids(b.url).length === 1 && gstPids(b.url)[0] !== pidB[0],
        10_000,
      );
      await until('b online again', async () => (await status('cam-b')).status === 'online', 10_000);
      expect(gstPids(a.url)).toEqual(pidA);
      // Frames flow to this host's detect queue, one source per camera, segments chained.
      const jobs = await until(
        'segments of cam-a',
        async () => {
          const js = (await detectQueue.getJobs(['waiting'])).filter((j) => j.data.cameraId === 'cam-a');
          return js.length >= 2 && js;
        },
        10_000,
      );
      const segs = jobs.map((j) => j.data).sort((x, y) => x.segment - y.segment);
      expect(segs[0].sourceId).toBe(liveSourceId('cam-a'));
      expect(segs[1].prevSegment).toBe(segs[0].segment);
      for (const s of segs) expect(s.frames.every((f) => Math.floor(f.tsMs / 2000) === s.segment)).toBe(true);

      // An outage of a: camera_offline (critical) then camera_online on the alerts queue.
      a.kill();
      await until('offline status', async () => (await status('cam-a')).status === 'offline', 5000);
      // Offline past live.closeAfterOfflineS: a frameless last segment closes its open measures.
      const trackQueue = new Queue<StoreJob>(QUEUE.track, { connection: redisConnection(redisUrl), prefix });
      const [flush] = await until(
        'the closing segment',
        async () => {
          const js = (await trackQueue.getJobs(['waiting'])).filter((j) => j.data.cameraId === 'cam-a');
          return js.length > 0 && js;
        },
        10_000,
      );
      await trackQueue.close();
      expect(flush.data).toMatchObject({ frames: [], last: true, sourceId: liveSourceId('cam-a') });
      expect(Number(await redis.get(`${prefix}:live:cam-a:last`))).toBe(flush.data.segment);
      await a.restart();
      await until('online status', async () => (await status('cam-a')).status === 'online', 8000);
      const events = await until(
        'alerts',
        async () => {
          const es = (await alerts.getJobs(['waiting'])).filter((j) => j.data.cameraId === 'cam-a');
          return es.length >= 2 && es;
        },
        5000,
      );
      const offline = events.find((j) => j.data.type === 'camera_offline');
      const online = events.find((j) => j.data.type === 'camera_online');
      expect(offline?.data.severity).toBe('critical');
      expect(offline?.id).toBe(healthEventId('cam-a', 'camera_offline', offline?.data.startedMs ?? 0));
      expect(online?.data.startedMs).toBe(offline?.data.startedMs);
      expect(online?.data.value).toBeGreaterThan(0);
      // The gap as a health row, on its way to the store owner.
      const health = new Queue(QUEUE.health, { connection: redisConnection(redisUrl), prefix });
      const rows = (await health.getJobs(['waiting']))
        .map((j) => j.data)
        .filter((r) => r.cameraId === 'cam-a' && r.status === 'offline');
      await health.close();
      expect(rows).toHaveLength(1);
      expect(rows[0].startedMs).toBe(offline?.data.startedMs);
      expect(rows[0].endedMs).toBe(online?.data.tsMs);

      // Remove a: its decoder stops, its status goes; b keeps running.
      const pidB2 = gstPids(b.url);
      expect(await node.liveCameras.reconcile([cam('cam-b', b, { rtspTransport: 'udp' })])).toMatchObject({
        removed: ['cam-a'],
      });
      await until(
        'a stopped',
        async () => gstPids(a.url).length === 0 && Object.keys(await status('cam-a')).length === 0,
        5000,
      );
      expect(gstPids(b.url)).toEqual(pidB2);
      await node.liveCameras.reconcile([]);
      await until('b stopped', async () => gstPids(b.url).length === 0, 5000);
    });

    it('exactly one worker runs a camera; when it is killed (-9) another takes it over within seconds and the segment chain continues', async () => {
      await node.close(); // only the two child workers below take part
      const c = servers[2];
      const start = () =>
        new Promise<ChildProcess>((resolve, reject) => {
          const child = spawn(
            process.execPath,
            ['--import', 'tsx', join(ROOT, 'test/helpers/live-node.ts'), redisUrl, JSON.stringify(rawConfig)],
            {
              cwd: ROOT,
              stdio: ['ignore', 'pipe', 'inherit'],
              env: { ...process.env, LOG_LEVEL: 'silent' },
            },
          );
          children.push(child);
          child.stdout?.on('data', (d) => /ready/.test(String(d)) && resolve(child));
          child.once('exit', (code) => reject(new Error(`live node exited with ${code}`)));
        });
      const [w1, w2] = await Promise.all([start(), start()]);
      node = await PipelineNode.start({
        config: normaliseConfig(rawConfig, 'test.json'),
        redisUrl,
        stages: [],
      });
      await node.liveCameras.put(cam('cam-c', c));
      const first = await until(
        'cam-c online',
        async () => {
          const s = await status('cam-c');
          return s.status === 'online' && s;
        },
        15_000,
      );
      expect(gstPids(c.url)).toHaveLength(1); // one decoder: one owner
      const ownerPid = Number(first.worker.split(':')[1]);
      const [owner, other] = ownerPid === w1.pid ? [w1, w2] : [w2, w1];
      expect(owner.pid).toBe(ownerPid);
      await until('a segment from the first owner', async () => redis.get(`${prefix}:live:cam-c:last`), 8000);
      const killedAt = Date.now();
      owner.kill('SIGKILL');
      const taken = await until(
        'takeover',
        async () => {
          const s = await status('cam-c');
          return s.worker === `testhost:${other.pid}` && s.status === 'online' && s;
        },
        15_000,
      );
      expect(Number(taken.lastFrameMs) - killedAt).toBeLessThan(6000);
      await until('one decoder again', async () => gstPids(c.url).length === 1, 5000);
      // The new owner's first segment names the old owner's last one as its predecessor.
      const lastBefore = Number(await redis.get(`${prefix}:live:cam-c:last`));
      const next = await until(
        'a segment from the new owner',
        async () => {
          const js = (await detectQueue.getJobs(['waiting'])).filter(
            (j) => j.data.cameraId === 'cam-c' && j.data.segment > lastBefore,
          );
          return js.length > 0 && js;
        },
        10_000,
      );
      const chain = (await detectQueue.getJobs(['waiting']))
        .filter((j) => j.data.cameraId === 'cam-c')
        .map((j) => j.data);
      const segments = new Set(chain.map((d) => d.segment));
      for (const d of chain) if (d.prevSegment !== -1) expect(segments.has(d.prevSegment ?? -1)).toBe(true);
      expect(next.length).toBeGreaterThan(0);
      await node.liveCameras.remove('cam-c');
      await until('c stopped', async () => gstPids(c.url).length === 0, 5000);
    });
  },
);
