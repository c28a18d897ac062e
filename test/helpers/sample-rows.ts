import { join } from 'node:path';
import { normaliseConfig } from '../../pipeline/config/load-config.ts';
import type { ClickHouseHandle } from '../../pipeline/store/open-clickhouse.ts';
import { PipelineNode } from '../../workers/pipeline-node.ts';
import { STAGES } from '../../workers/queues.ts';
import { SAMPLE } from './cli.ts';

export interface SampleRunOptions {
  /** The test's folder; the run's data goes to `<dir>/<name>`. */
  dir: string;
  name: string;
  redisUrl: string;
  /** Default: `<name><now>`, so runs on one Redis do not share queues. */
  queuePrefix?: string;
  /** The environment the configuration is read with (REDIS_URL decides the Redis kind's checks). */
  env?: Record<string, string>;
  /** Done while the sample is in the pipeline (a restart, a failover), before waiting for its end. */
  during?: (node: PipelineNode) => Promise<void>;
}

/**
 * The sample street through every stage of one PipelineNode on `redisUrl` (2 fps, 5 s segments), and
 * the rows it stored: what the Redis tests compare between a plain run and one through a fault or
 * another Redis topology.
 */
export async function sampleRunRows(o: SampleRunOptions) {
  const cfg = normaliseConfig(
    {
      dataDir: join(o.dir, o.name),
      host: `h-${o.name}`,
      queuePrefix: o.queuePrefix ?? `${o.name}${Date.now()}`,
      extract: { fps: 2, segmentSeconds: 5 },
    },
    join(o.dir, `${o.name}.yaml`),
    o.env ?? {},
  );
  const node = await PipelineNode.start({ config: cfg, redisUrl: o.redisUrl, stages: STAGES });
  try {
    const startTime = new Date(Date.now() - 3600_000).toISOString();
    const src = await node.submitFile({ id: 'cam-sample', source: SAMPLE, startTime });
    await o.during?.(node);
    const [state] = await node.waitFor([src.sourceId]);
    const ch = (node.clickhouse as ClickHouseHandle).client;
    const count = async (table: string) => {
      const rs = await ch.query({ query: `SELECT count() AS n FROM ${table}`, format: 'JSONEachRow' });
      return Number((await rs.json<{ n: string }>())[0].n);
    };
    return {
      lost: state.lost,
      segments: await count('segments'),
      frames: await count('frames'),
      detections: await count('detections'),
      tracked: await count('detections WHERE track_id > 0'),
      crossings: await count('line_crossings'),
    };
  } finally {
    await node.close();
  }
}
