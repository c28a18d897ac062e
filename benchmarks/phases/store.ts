// Storage alone: segments of realistic size (50 frames, 10 objects each) into the embedded ClickHouse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { SegmentWriter } from '../../pipeline/store/segment-writer.ts';
import type { StoreJob } from '../../schemas/jobs.ts';
import { report } from './common.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-store-'));
const ch = await openClickHouse({ path: join(dir, 'ch') });
await applyMigrations(ch.client);
const writer = new SegmentWriter(ch.client);
const SEGMENTS = 60;
const now = Date.now();
const t0 = performance.now();
let frames = 0;
for (let s = 0; s < SEGMENTS; s++) {
  const job: StoreJob = {
    segmentKey: `bench#${s}`,
    sourceId: 'bench',
    cameraId: 'bench',
    segment: s,
    detector: 'centernet',
    frames: Array.from({ length: 50 }, (_, i) => ({
      ptsMs: s * 10_000 + i * 200,
      tsMs: now + s * 10_000 + i * 200,
      analysed: true,
      detectorMs: 20,
      detections: Array.from({ length: 10 }, (_, k) => ({
        cls: 'car' as const,
        score: 0.5,
        box: { x: k * 10, y: 5, w: 40, h: 30 },
      })),
    })),
  };
  frames += (await writer.write(job)).frames;
}
const sec = (performance.now() - t0) / 1000;
await ch.close();
rmSync(dir, { recursive: true, force: true });
report({
  phase: 'store',
  frames,
  detections: frames * 10,
  seconds: sec,
  framesPerSecond: frames / sec,
  segmentsPerSecond: SEGMENTS / sec,
});
