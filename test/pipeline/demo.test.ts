import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { RunSummary } from '../../workers/cli/summary.ts';
import { cli, lastJson, SAMPLE } from '../helpers/cli.ts';
import { makeClips } from '../helpers/make-clips.ts';

// End to end through the real CLI in local mode: a private redis-server, GStreamer decoding the
// bundled footage, the default detector (yolox-nano) on onnxruntime, BullMQ, and the embedded ClickHouse.
const dataDir = mkdtempSync(join(tmpdir(), 'cityflow-demo-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function tableCounts(dir: string) {
  const r = await cli([
    'query',
    '--json',
    '--data-dir',
    dir,
    'SELECT (SELECT count() FROM frames) AS frames, (SELECT count() FROM detections) AS detections, (SELECT count() FROM segments FINAL) AS segments, (SELECT count() FROM line_crossings) AS crossings',
  ]);
  expect(r.code, r.stderr).toBe(0);
  const [row] = JSON.parse(r.stdout) as Array<Record<string, string>>;
  return {
    frames: Number(row.frames),
    detections: Number(row.detections),
    segments: Number(row.segments),
    crossings: Number(row.crossings),
  };
}

describe('cityflow demo', () => {
  let first: RunSummary;

  test('processes the sample at 5 fps: 188 ± 2 frames, cars among the detections', async () => {
    const r = await cli(['demo', '--json', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    first = lastJson<RunSummary>(r);
    expect(Math.abs(first.framesAnalysed - 188)).toBeLessThanOrEqual(2);
    expect(first.objectsByClass.car).toBeGreaterThan(50);
    expect(first.framesPerSecond).toBeGreaterThan(0);
    expect(first.failures).toEqual([]);
    expect(first.store.mode).toBe('embedded');
  });

  test('query shows the stored detections by class, as a table and as JSON', async () => {
    const table = await cli([
      'query',
      '--data-dir',
      dataDir,
      'SELECT class, count() AS n FROM detections GROUP BY class ORDER BY class',
    ]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^class\s+n\n/);
    expect(table.stdout).toMatch(/\ncar\s+\d+\n/);
    const json = await cli([
      'query',
      '--json',
      '--data-dir',
      dataDir,
      "SELECT count() AS n, (SELECT groupUniqArray(detector) FROM frames) AS detectors FROM detections WHERE class = 'car'",
    ]);
    const [row] = JSON.parse(json.stdout);
    expect(Number(row.n)).toBe(first.objectsByClass.car);
    expect(row.detectors).toEqual(['yolox-nano']); // the default model
  });

  test('frames carry wall time = start + pts, and detections lie inside the 640x352 source', async () => {
    const r = await cli([
      'query',
      '--json',
      '--data-dir',
      dataDir,
      `SELECT min(pts_ms) AS p0, max(pts_ms) AS p1, toUnixTimestamp64Milli(max(ts)) - toUnixTimestamp64Milli(min(ts)) AS span,
              (SELECT max(x + w) FROM detections) AS maxX, (SELECT max(y + h) FROM detections) AS maxY FROM frames`,
    ]);
    const [row] = JSON.parse(r.stdout) as Array<Record<string, string | number>>;
    expect(Number(row.p0)).toBe(0);
    expect(Number(row.span)).toBe(Number(row.p1) - Number(row.p0));
    expect(Number(row.maxX)).toBeLessThanOrEqual(640.5);
    expect(Number(row.maxY)).toBeLessThanOrEqual(352.5);
  });

  test('detections carry track ids, and tracks continue across segment boundaries', async () => {
    const r = await cli([
      'query',
      '--json',
      '--data-dir',
      dataDir,
      `SELECT countIf(track_id > 0) AS tracked, count() AS n, uniqExact(track_id) AS tracks,
              (SELECT count() FROM (SELECT track_id FROM detections WHERE track_id > 0 GROUP BY track_id
                                    HAVING uniqExact(intDiv(pts_ms, 10000)) > 1)) AS crossing
       FROM detections`,
    ]);
    const [row] = JSON.parse(r.stdout) as Array<Record<string, string>>;
    expect(Number(row.tracked) / Number(row.n)).toBeGreaterThan(0.5);
    expect(Number(row.tracks)).toBeGreaterThan(5);
    // A parked car is in view the whole clip: its track spans the 10 s segments.
    expect(Number(row.crossing)).toBeGreaterThan(0);
  });

  test('the counting line across the street counts the cars driving towards the camera', async () => {
    // 8 tracked cars drive down through the line in this clip; none drives away across it.
    const towards = first.lineCounts.find(
      (c) => c.line === 'street' && c.direction === 'negative' && c.class === 'car',
    );
    expect(towards?.count).toBeGreaterThanOrEqual(6);
    expect(towards?.count).toBeLessThanOrEqual(10);
    const r = await cli([
      'query',
      '--json',
      '--data-dir',
      dataDir,
      'SELECT count() AS n, uniqExact(track_id) AS tracks FROM line_crossings',
    ]);
    const [row] = JSON.parse(r.stdout);
    expect(Number(row.n)).toBe(first.lineCounts.reduce((n, c) => n + c.count, 0));
    expect(Number(row.tracks)).toBe(Number(row.n)); // each crossing by a different car: none counted twice
  });

  test('traffic measures: 1- and 15-minute rows for the line and the lane, with speeds and LOS; events listed', async () => {
    // The summary lists the events the sample camera's rules raised (none on this quiet street:
    // free-flowing traffic, nobody standing in the lane), in the same shape as they are stored.
    expect(Array.isArray(first.events)).toBe(true);
    const r = await cli([
      'query',
      '--json',
      '--data-dir',
      dataDir,
      `SELECT site_kind, site_id, interval_s, sum(volume) AS volume, max(speed_samples) AS speeds,
              max(speed_mean_kmh) AS speed, groupUniqArray(los) AS los
       FROM traffic_measures GROUP BY site_kind, site_id, interval_s ORDER BY site_kind, interval_s`,
    ]);
    const rows = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    const line15 = rows.find((x) => x.site_kind === 'line' && Number(x.interval_s) === 900);
    const lane15 = rows.find((x) => x.site_kind === 'zone' && Number(x.interval_s) === 900);
    const line1 = rows.find((x) => x.site_kind === 'line' && Number(x.interval_s) === 60);
    // The same 8 cars in the line's 15-minute and 1-minute rows as in line_crossings.
    const crossings = first.lineCounts.reduce((n, c) => n + c.count, 0);
    expect(Number(line15?.volume)).toBe(crossings);
    expect(Number(line1?.volume)).toBe(crossings);
    // Speeds from the calibration: a residential street, so tens of km/h, not 0 and not 150.
    expect(Number(line15?.speeds)).toBeGreaterThan(0);
    expect(Number(line15?.speed)).toBeGreaterThan(15);
    expect(Number(line15?.speed)).toBeLessThan(90);
    expect(Number(lane15?.volume)).toBeGreaterThan(0);
    expect(((lane15?.los ?? []) as string[]).some((l) => /^[A-F]$/.test(l))).toBe(true);
  });

  test('running the same input again leaves exactly the same number of rows', async () => {
    const before = await tableCounts(dataDir);
    const r = await cli(['demo', '--json', '--data-dir', dataDir]);
    expect(r.code, r.stderr).toBe(0);
    expect(lastJson<RunSummary>(r).framesAnalysed).toBe(first.framesAnalysed);
    expect(await tableCounts(dataDir)).toEqual(before);
  });
});

describe('bad input', () => {
  test('corrupt, truncated, random and missing files each fail with their reason; what was decoded is kept; a good file completes', async () => {
    const clips = await makeClips();
    const dir = mkdtempSync(join(tmpdir(), 'cityflow-bad-'));
    const missing = join(dir, 'missing.mp4');
    const files = [SAMPLE, clips.truncatedSample, clips.truncatedFaststart, clips.randomBytes, missing];
    try {
      const r = await cli(['demo', '--json', '--fps', '2', '--data-dir', join(dir, 'var'), ...files]);
      expect(r.code).toBe(1); // finished, with failures
      const s = lastJson<RunSummary>(r);
      const failure = (file: string) =>
        s.failures.find((f) => f.source.includes(file) || f.error.includes(file));
      // Each message names the file and the reason.
      expect(failure(clips.truncatedSample)?.error).toMatch(/truncated|unreadable/);
      expect(failure(clips.truncatedFaststart)?.error).toMatch(/truncated/);
      expect(failure(clips.randomBytes)?.error).toMatch(/unreadable/);
      expect(failure(missing)?.error).toMatch(/not-found/);
      // The good file is complete: 37.7 s at 2 fps.
      const good = s.sources.find((x) => x.sourceId.startsWith('demo-1/'));
      expect(good?.error).toBeNull();
      expect(Math.abs((good?.frames ?? 0) - 75)).toBeLessThanOrEqual(2);
      // The file cut in half (index first) kept the ~19 s decoded before the cut, stored.
      const cut = s.sources.find((x) => x.sourceId.startsWith('demo-3/'));
      expect(cut?.error).toMatch(/truncated/);
      expect(cut?.frames).toBeGreaterThanOrEqual(36);
      const q = await cli([
        'query',
        '--json',
        '--data-dir',
        join(dir, 'var'),
        "SELECT count() AS n FROM frames WHERE camera_id = 'demo-3'",
      ]);
      expect(Number(JSON.parse(q.stdout)[0].n)).toBe(cut?.frames);
    } finally {
      clips.cleanup();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
