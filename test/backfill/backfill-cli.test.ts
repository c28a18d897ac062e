import { spawn } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { BackfillReport } from '../../workers/backfill/backfill-report.ts';
import { cli, lastJson, ROOT } from '../helpers/cli.ts';

// The real command in local mode (private redis-server, GStreamer, the default detector, embedded
// ClickHouse) on the three shared recordings (~3.5 min of video), analysed at 1 frame/s to keep the
// test short: the checks are about rows and replay, which the rate does not weaken.
const SHARED = join(ROOT, '../shared/footage');
const THREE = ['parking-lot-topdown.mp4', 'people-walking.mp4', 'residential-street.mp4'];
const haveFootage = THREE.every((f) => existsSync(join(SHARED, f)));
// A folder of exactly those three (links), whatever else ../shared/footage holds.
const FOOTAGE = mkdtempSync(join(tmpdir(), 'cityflow-backfill-footage-'));
if (haveFootage) for (const f of THREE) symlinkSync(join(SHARED, f), join(FOOTAGE, f));

const dirs: string[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `cityflow-backfill-${name}-`));
  dirs.push(d);
  return d;
};
afterAll(() => {
  rmSync(FOOTAGE, { recursive: true, force: true });
  for (const d of dirs) {
    stopOrphanRedis(d);
    rmSync(d, { recursive: true, force: true });
  }
});

// The footage's containers date from 2017-2018, past the raw tables' retention: pass a recent start.
const START = new Date(Date.now() - 3 * 86_400_000).toISOString();

/** A configuration with the camera's counting line (across the street sample), so crossings are stored too. */
function configIn(dir: string): string {
  const file = join(dir, 'cityflow.yaml');
  writeFileSync(
    file,
    [
      `dataDir: ${dir}`,
      'cameras:',
      '  - id: cam-bf',
      `    source: ${join(FOOTAGE, 'residential-street.mp4')}`,
      '    scene:',
      '      lines:',
      '        - { id: street, from: [200, 210], to: [620, 210], positive: left }',
      '',
    ].join('\n'),
  );
  return file;
}

const args = (config: string) => [
  'backfill',
  FOOTAGE,
  '--camera',
  'cam-bf',
  '--start',
  START,
  '--fps',
  '1',
  '--config',
  config,
  '--json',
];

/** Every table's row count (whatever tables the migrations have made), and the ledger's rows. */
async function contents(config: string) {
  const q = async (sql: string) => {
    const r = await cli(['query', '--json', '--config', config, sql]);
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as Array<Record<string, string | number>>;
  };
  const tables = await q(
    "SELECT name, engine FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree%' AND name != 'schema_migrations' ORDER BY name",
  );
  // The rollups (Summing/AggregatingMergeTree) hold partial rows that background merges fold
  // together at their own pace: they are counted as queried, with FINAL. Every other table's raw
  // rows are counted, so a duplicate insert shows.
  const from = (t: Record<string, string | number>) =>
    `\`${t.name}\`${/Summing|Aggregating/.test(String(t.engine)) ? ' FINAL' : ''}`;
  const counts: Record<string, number> = {};
  const [row] = await q(
    `SELECT ${tables.map((t) => `(SELECT count() FROM ${from(t)}) AS \`${t.name}\``).join(', ')}`,
  );
  for (const t of tables) counts[String(t.name)] = Number(row[String(t.name)]);
  const ledger = await q(
    'SELECT source_id, segment, frames, detections FROM segments ORDER BY source_id, segment',
  );
  const tracks = await q(
    'SELECT source_id, uniqExact(track_id) AS tracks, sum(track_id) AS ids FROM detections GROUP BY source_id ORDER BY source_id',
  );
  return { counts, ledger, tracks };
}

/**
 * Stops, by its pid file, a local redis-server that outlived its SIGKILLed owner. It normally dies
 * with its owner (pdeathsig) and removes its pid file, possibly while this runs.
 */
function stopOrphanRedis(dataDir: string) {
  const dir = join(dataDir, 'run', 'redis');
  if (!existsSync(dir)) return;
  for (const f of readdirSync(dir).filter((n) => /^redis-\d+\.pid$/.test(n))) {
    try {
      const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
      if (pid > 0) process.kill(pid, 'SIGTERM');
    } catch {
      // already gone, pid file and all
    }
  }
}

describe.skipIf(!haveFootage)('cityflow backfill (needs ../shared/footage: three recordings)', () => {
  const cfgA = configIn(tempDir('a'));
  let first: BackfillReport;
  let uninterrupted: Awaited<ReturnType<typeof contents>>;

  test('backfills a folder of three files: progress on stderr, a report with its rows', async () => {
    const r = await cli(args(cfgA));
    expect(r.code, r.stderr).toBe(0);
    first = lastJson<BackfillReport>(r);
    expect(first.failures).toEqual([]);
    expect(first.files.map((f) => [f.file.split('/').pop(), f.status, f.startOrigin])).toEqual([
      ['parking-lot-topdown.mp4', 'done', 'explicit'],
      ['people-walking.mp4', 'done', 'explicit'],
      ['residential-street.mp4', 'done', 'explicit'],
    ]);
    // --start is the first file's start; the others follow on (30.208 s, then 139.4 s later).
    const starts = first.files.map((f) => Date.parse(f.startTime as string) - Date.parse(START));
    expect(starts).toEqual([0, 30_208, 169_608]);
    // ~207 s of video at 1 frame/s.
    expect(Math.abs(first.framesAnalysed - 207)).toBeLessThanOrEqual(4);
    expect(first.rowsByTable.frames).toBe(first.framesAnalysed);
    expect(first.rowsByTable.segments).toBe(first.files.reduce((n, f) => n + f.segments, 0));
    expect(first.rowsByTable.line_crossings).toBeGreaterThan(0);
    // The report counts them per line, direction and class (the text report prints the same).
    expect(first.lineCounts.every((c) => c.camera === 'cam-bf' && c.line === 'street')).toBe(true);
    expect(first.lineCounts.reduce((n, c) => n + c.count, 0)).toBe(first.rowsByTable.line_crossings);
    expect(first.rowsInserted).toBeGreaterThan(first.framesAnalysed);
    expect(first.objects).toBeGreaterThan(5);
    expect(first.realtimeFactor).toBeGreaterThan(0);
    expect(first.startupSeconds).toBeGreaterThan(0);
    expect(first.startupSeconds).toBeLessThan(first.wallSeconds);
    // Progress: plain lines (stderr is not a terminal) with rates, and a line per finished file.
    expect(r.stderr).toMatch(/backfill: \d+\/\d+ frames \(\d+%\).*frames\/s, [\d.]+x real time, ETA/);
    expect(r.stderr).toMatch(/backfill: done people-walking\.mp4/);
    uninterrupted = await contents(cfgA);
    expect(uninterrupted.counts.frames).toBe(first.framesAnalysed);
  });

  test('a second run adds no rows and says the files are already stored', async () => {
    const r = await cli(args(cfgA));
    expect(r.code, r.stderr).toBe(0);
    const again = lastJson<BackfillReport>(r);
    expect(again.rowsInserted).toBe(0);
    expect(again.files.map((f) => f.status)).toEqual(['already stored', 'already stored', 'already stored']);
    expect(again.objects).toBe(first.objects);
    expect(await contents(cfgA)).toEqual(uninterrupted);
  });

  test('a run killed midway (SIGKILL) and started again ends with exactly the rows of an uninterrupted run', async () => {
    const dirB = tempDir('b');
    const cfgB = configIn(dirB);
    const { REDIS_URL: _r, CLICKHOUSE_URL: _c, ...env } = process.env;
    const child = spawn(process.execPath, [join(ROOT, 'bin/cityflow.mjs'), ...args(cfgB)], {
      cwd: ROOT,
      env: { ...env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kill it once some frames are stored and well before the end: at the first progress line that
    // says so, or when the first (short) file is done while the long one is still running.
    const killedAt = await new Promise<string>((resolve, reject) => {
      let buf = '';
      child.stderr.on('data', (d: Buffer) => {
        buf += d;
        for (const line of buf.split('\n').slice(0, -1)) {
          const m = /^backfill: (\d+)\/(\d+) frames/.exec(line);
          if ((m && Number(m[1]) > 0 && Number(m[1]) < 0.7 * Number(m[2])) || /^backfill: done /.test(line)) {
            child.kill('SIGKILL');
            resolve(line);
            return;
          }
        }
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
      });
      child.on('exit', (code, signal) => {
        if (signal !== 'SIGKILL')
          reject(new Error(`backfill ended (${code}) before it could be killed midway`));
      });
    });
    await new Promise<void>((r) =>
      child.exitCode !== null || child.signalCode ? r() : child.on('exit', () => r()),
    );
    stopOrphanRedis(dirB);

    const partial = await contents(cfgB);
    expect(partial.counts.segments, `killed at "${killedAt}"`).toBeGreaterThan(0);
    expect(partial.counts.segments).toBeLessThan(uninterrupted.counts.segments);

    const r = await cli(args(cfgB));
    expect(r.code, r.stderr).toBe(0);
    const resumed = lastJson<BackfillReport>(r);
    expect(resumed.failures).toEqual([]);
    expect(resumed.rowsInserted).toBeGreaterThan(0);
    // Same rows in every table, same ledger, same track ids (tracks stitched across the kill).
    expect(await contents(cfgB)).toEqual(uninterrupted);
  });

  test('a line outside the picture fails the file, naming it; an undeclared camera is warned about', async () => {
    const dir = tempDir('d');
    const cfg = join(dir, 'cityflow.yaml');
    writeFileSync(
      cfg,
      `dataDir: ${dir}\ncameras:\n  - id: cam-bf\n    source: x.mp4\n    scene:\n      lines:\n` +
        '        - { id: street, from: [200, 210], to: [900, 210] }\n',
    );
    const file = join(FOOTAGE, 'parking-lot-topdown.mp4');
    const common = [file, '--start', START, '--fps', '1', '--config', cfg];
    const outside = await cli(['backfill', ...common, '--camera', 'cam-bf']);
    expect(outside.code).toBe(1);
    expect(outside.stdout).toContain(
      'camera "cam-bf": scene.lines[0].to: [900, 210] lies outside the 768×432 frame',
    );
    const typo = await cli(['backfill', ...common, '--camera', 'cam-fb', '--json']);
    expect(typo.code, typo.stderr).toBe(0);
    expect(typo.stderr).toContain(
      `camera "cam-fb" is not in ${cfg} (it declares: cam-bf); its files are analysed without counting lines`,
    );
    expect(lastJson<BackfillReport>(typo).lineCounts).toEqual([]);
  });

  test('a file that cannot be read is reported with its reason; the others are stored; exit code 1', async () => {
    const dir = tempDir('c');
    const cfg = configIn(dir);
    // Files go in name order and --start is the first one's: the good file first, then the bad one.
    const good = join(dir, '1-parking-lot.mp4');
    symlinkSync(join(FOOTAGE, 'parking-lot-topdown.mp4'), good);
    const notMedia = join(dir, '2-notes.mp4');
    writeFileSync(notMedia, 'not a video\n'.repeat(100));
    const r = await cli([
      'backfill',
      good,
      notMedia,
      join(dir, 'missing.mp4'),
      '--camera',
      'cam-bf',
      '--start',
      START,
      '--fps',
      '1',
      '--config',
      cfg,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const report = lastJson<BackfillReport>(r);
    expect(report.failures.map((f) => f.file).sort()).toEqual([join(dir, 'missing.mp4'), notMedia].sort());
    expect(report.failures.find((f) => f.file === notMedia)?.error).toMatch(/2-notes\.mp4.*not a media file/);
    expect(report.failures.find((f) => f.file.endsWith('missing.mp4'))?.error).toMatch(/no such file/);
    const ok = report.files.find((f) => f.file === good);
    expect(ok?.status).toBe('done');
    expect(report.rowsByTable.frames).toBe(ok?.framesAnalysed);
    expect(report.rowsByTable.frames).toBeGreaterThan(25);
  });
});
