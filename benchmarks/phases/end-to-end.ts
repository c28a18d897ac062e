// The whole pipeline in local mode: GStreamer → BullMQ on a private Redis → detector → embedded ClickHouse.
// BENCH_CAMERAS copies of the sample run as that many cameras at once (default 1): with several, the
// start-up of the first segment (probe, decoder start, one segment decoded before detection can begin)
// is amortised and the figure is the pipeline's steady state.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFrom } from '../../workers/cli/common.ts';
import { processSources } from '../../workers/cli/process-sources.ts';
import { cpuSeconds, FPS, report, SAMPLE } from './common.ts';

const cameras = Number(process.env.BENCH_CAMERAS ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'cityflow-bench-e2e-'));
const cfg = configFrom({ dataDir: dir }, { extract: { fps: FPS } });
delete cfg.redisUrl;
delete cfg.clickhouseUrl;
const startTime = new Date().toISOString();
const cams = Array.from({ length: cameras }, (_, i) => ({
  id: `bench-${i + 1}`,
  source: SAMPLE,
  fps: FPS,
  startTime,
}));
const cpu0 = cpuSeconds();
const s = await processSources(cfg, cams, { progress: false });
const cpu = cpuSeconds() - cpu0;
if (s.failures.length) throw new Error(`end-to-end run failed: ${JSON.stringify(s.failures)}`);
rmSync(dir, { recursive: true, force: true });
report({
  phase: cameras > 1 ? `end-to-end x${cameras}` : 'end-to-end',
  cameras,
  frames: s.framesAnalysed,
  seconds: s.wallSeconds,
  framesPerSecond: s.framesPerSecond,
  realtimeFactor: s.realtimeFactor,
  // Start-up included (Redis, ClickHouse, two model loads), redis-server's own CPU excluded.
  cpuMsPerFrame: (cpu * 1000) / s.framesAnalysed,
});
