// The whole pipeline in local mode: GStreamer → BullMQ on a private Redis → detector → embedded ClickHouse.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFrom } from '../../workers/cli/common.ts';
import { processSources } from '../../workers/cli/process-sources.ts';
import { FPS, report, SAMPLE } from './common.ts';

const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-e2e-'));
const cfg = configFrom(
  { dataDir: dir },
  { extract: { fps: FPS }, redisUrl: undefined, clickhouseUrl: undefined },
);
delete cfg.redisUrl;
delete cfg.clickhouseUrl;
const s = await processSources(cfg, [{ id: 'bench', source: SAMPLE, fps: FPS }], { progress: false });
rmSync(dir, { recursive: true, force: true });
report({
  phase: 'end-to-end',
  frames: s.framesAnalysed,
  seconds: s.wallSeconds,
  framesPerSecond: s.framesPerSecond,
  realtimeFactor: s.realtimeFactor,
});
