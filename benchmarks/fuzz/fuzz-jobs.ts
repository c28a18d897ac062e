import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { startLocalRedis } from '../../workers/local/local-redis.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { redisConnection, STAGES } from '../../workers/queues.ts';
import { QUEUE } from '../../workers/redis-keys.ts';
import { SAMPLE } from '../phases/common.ts';
import { anyValue, type FuzzTally, pick, type Rnd, record, tally } from './mutate.ts';

/**
 * Job payloads: random and hostile payloads added to every stage's queue of a running pipeline node
 * (its own Redis and embedded ClickHouse), as any process that reaches Redis could add them. Among
 * them, detect-shaped jobs whose frames file is a file outside the frames folder. A clear outcome is
 * a job failed at once with the stage and the keys named (InvalidJobError); a job still pending after
 * the deadline, a deleted bait file or a node that stops taking work counts as a crash. Then the node
 * must still process the sample street end to end.
 */
export async function fuzzJobs(rnd: Rnd, n: number): Promise<FuzzTally & { sampleRows: number }> {
  const t = tally('job payloads');
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-fuzz-jobs-'));
  const bait = join(dir, 'do-not-delete.rgb');
  writeFileSync(bait, 'bait');
  const redis = await startLocalRedis(join(dir, 'redis'));
  const cfg = normaliseConfig({ dataDir: join(dir, 'var'), extract: { fps: 2 } }, join(dir, 'fuzz.yaml'), {});
  const node = await PipelineNode.start({ config: cfg, redisUrl: redis.url, stages: STAGES });
  const queues = new Map<string, Queue>();
  const queue = (name: string) => {
    if (!queues.has(name))
      queues.set(name, new Queue(name, { connection: redisConnection(redis.url), prefix: cfg.queuePrefix }));
    return queues.get(name) as Queue;
  };
  try {
    const names = [
      QUEUE.extract,
      QUEUE.detect(node.host),
      QUEUE.track,
      QUEUE.store,
      QUEUE.alerts,
      QUEUE.live,
    ];
    const added: Array<{ name: string; id: string; payload: string }> = [];
    for (let i = 0; i < n; i++) {
      const name = pick(rnd, names);
      const payload =
        rnd() < 0.3
          ? {
              framesFile: rnd() < 0.5 ? bait : `${dir}/var/frames/../../do-not-delete.rgb`,
              frames: anyValue(rnd),
              width: 416,
            }
          : anyValue(rnd, 3);
      const job = await queue(name).add('fuzz', payload, { attempts: 1, jobId: `fuzz-${i}` });
      added.push({ name, id: job.id as string, payload: JSON.stringify(payload).slice(0, 120) });
    }
    const deadline = Date.now() + 60_000;
    for (const a of added) {
      let state = await queue(a.name).getJobState(a.id);
      while (state !== 'failed' && state !== 'completed' && Date.now() < deadline) {
        await sleep(100);
        state = await queue(a.name).getJobState(a.id);
      }
      const job = await queue(a.name).getJob(a.id);
      const reason = job?.failedReason ?? '';
      if (state === 'completed') record(t, 'accepted');
      else if (state === 'failed' && /job .*: /.test(reason)) record(t, 'clear');
      else if (state === 'failed') record(t, 'unclear', `${a.name} ${a.payload}: ${reason}`);
      else record(t, 'crashed', `${a.name} ${a.payload}: still ${state} after the deadline`);
    }
    if (!existsSync(bait)) record(t, 'crashed', `a job deleted ${bait}`);
    // The node still takes work: the sample street, end to end.
    const src = await node.submitFile({
      id: 'after-fuzz',
      source: SAMPLE,
      startTime: new Date(Date.now() - 3600_000).toISOString(),
    });
    const [state] = await node.waitFor([src.sourceId]);
    const rs = await (node.clickhouse as ClickHouseHandle).client.query({
      query: "SELECT count() AS n FROM frames WHERE camera_id = 'after-fuzz'",
      format: 'JSONEachRow',
    });
    const sampleRows = Number((await rs.json<{ n: string }>())[0].n);
    if (state.lost || !sampleRows)
      record(t, 'crashed', `after the fuzz the sample stored ${sampleRows} frames, lost ${state.lost}`);
    return { ...t, sampleRows };
  } finally {
    for (const q of queues.values()) await q.close();
    await node.close();
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
