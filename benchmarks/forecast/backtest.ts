/**
 * Forecast backtest: the short-term forecaster (pipeline/forecast/) against two baselines measured in
 * the same run, on generated 15-minute measures (benchmarks/api/generate.ts: weekday and weekend
 * patterns, holidays, a day factor shared by neighbouring cameras, incidents travelling along groups
 * of 5 cameras, noise).
 *
 *   npm run eval:forecast                       # 30 cameras, 30 days: fit on 23, test on the last 7
 *   npm run eval:forecast -- --cameras 10 --days 35 --json --strict
 *
 * For every camera and every 15-minute issue time of the test week, each method forecasts volume
 * (vehicles per 15 minutes, both directions of its line) and mean speed 15, 30 and 60 minutes ahead
 * from data up to that time only:
 *   model      the seasonal profile (median of the same weekly slot, last 6 weeks) corrected by the
 *              fitted regression on the latest residuals and the upstream camera's residual;
 *   profile    the seasonal profile alone (what the correction adds is the difference to model);
 *   historical the historical average of the slot (mean of every earlier same weekly slot);
 *   last       the latest value ("same as the last interval").
 * MAE over all targets; MAPE over targets of at least 10 vehicles (or any speed), where a percentage
 * means something. With --strict, exits 1 unless the model's volume MAE beats both baselines at 15
 * and 30 minutes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ResidualForecaster } from '../../pipeline/forecast/residual-forecaster.ts';
import { historicalAverage } from '../../pipeline/forecast/seasonal-profile.ts';
import { applyMigrations } from '../../pipeline/store/migrations.ts';
import { openClickHouse } from '../../pipeline/store/open-clickhouse.ts';
import { measuresSql } from '../api/generate.ts';

const HORIZONS = [1, 2, 4];
const METHODS = ['model', 'profile', 'historical', 'last'] as const;
type Method = (typeof METHODS)[number];

export interface BacktestRow {
  measure: 'volume' | 'speed';
  horizonMin: number;
  method: Method;
  mae: number;
  mape: number;
  targets: number;
}

interface Series {
  volume: Float64Array;
  speed: Float64Array;
}

/** Generates `days` of 15-minute measures for `cameras` cameras and reads back each camera's series. */
async function generatedSeries(cameras: number, days: number): Promise<Series[]> {
  const dir = mkdtempSync(join(tmpdir(), 'cityflow-forecast-'));
  const ch = await openClickHouse({ path: join(dir, 'clickhouse') });
  try {
    await applyMigrations(ch.client);
    const n = days * 96;
    const from = Math.floor(Date.now() / 86_400_000) * 86_400 - days * 86_400;
    await ch.client.command({ query: measuresSql(900, from, n, cameras) });
    const rs = await ch.client.query({
      query: `SELECT toUInt32(substring(camera_id, 5)) AS c, intDiv(toUnixTimestamp(start) - ${from}, 900) AS i,
                sumIf(volume, site_kind = 'line') AS v,
                sumIf(assumeNotNull(speed_mean_kmh) * speed_samples, speed_samples > 0)
                  / nullIf(sumIf(speed_samples, speed_samples > 0), 0) AS s
              FROM traffic_measures FINAL WHERE interval_s = 900 GROUP BY camera_id, start`,
      format: 'JSONEachRow',
    });
    const out = Array.from({ length: cameras }, () => ({
      volume: new Float64Array(n).fill(Number.NaN),
      speed: new Float64Array(n).fill(Number.NaN),
    }));
    for (const r of await rs.json<{ c: number; i: number; v: number; s: number | null }>()) {
      out[r.c].volume[r.i] = Number(r.v);
      out[r.c].speed[r.i] = r.s == null ? Number.NaN : Number(r.s);
    }
    return out;
  } finally {
    await ch.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Errors of each method over the test issue times [testFrom, n − h) of every camera. */
export function backtest(series: Series[], testFrom: number): BacktestRow[] {
  const rows: BacktestRow[] = [];
  for (const measure of ['volume', 'speed'] as const) {
    const acc = new Map<string, { abs: number; pct: number; n: number; np: number }>();
    series.forEach((cam, c) => {
      const y = cam[measure];
      // Upstream: the previous camera of its group of 5 (the generator's corridor).
      const neighbour = c % 5 > 0 ? series[c - 1][measure] : undefined;
      const f = new ResidualForecaster(y, { horizons: HORIZONS, neighbour }).fit(0, testFrom);
      for (const h of HORIZONS)
        for (let t = testFrom; t + h < y.length; t++) {
          const actual = y[t + h];
          if (!Number.isFinite(actual)) continue;
          const guesses: Record<Method, number> = {
            model: f.predict(t, h)?.value ?? Number.NaN,
            profile: f.profile.at(t + h),
            historical: historicalAverage(y, t + h),
            last: y[t],
          };
          for (const m of METHODS) {
            const g = guesses[m];
            if (!Number.isFinite(g)) continue;
            const k = `${h}|${m}`;
            const a = acc.get(k) ?? { abs: 0, pct: 0, n: 0, np: 0 };
            a.abs += Math.abs(g - actual);
            a.n++;
            if (measure === 'speed' || actual >= 10) {
              a.pct += Math.abs(g - actual) / actual;
              a.np++;
            }
            acc.set(k, a);
          }
        }
    });
    for (const h of HORIZONS)
      for (const m of METHODS) {
        const a = acc.get(`${h}|${m}`) ?? { abs: 0, pct: 0, n: 0, np: 0 };
        rows.push({
          measure,
          horizonMin: h * 15,
          method: m,
          mae: Math.round((a.abs / a.n) * 100) / 100,
          mape: Math.round((a.pct / a.np) * 1000) / 10,
          targets: a.n,
        });
      }
  }
  return rows;
}

/** Whether the model's volume MAE beats both baselines at each of the given horizons (minutes). */
export function modelWins(rows: readonly BacktestRow[], horizonsMin: readonly number[]): boolean {
  return horizonsMin.every((hm) => {
    const at = rows.filter((r) => r.measure === 'volume' && r.horizonMin === hm);
    const model = at.find((r) => r.method === 'model')?.mae ?? Infinity;
    return at.filter((r) => r.method === 'historical' || r.method === 'last').every((r) => model < r.mae);
  });
}

export async function runBacktest(cameras: number, days: number, testDays = 7): Promise<BacktestRow[]> {
  if (days < testDays + 14)
    throw new RangeError(`backtest: need at least ${testDays + 14} days, got ${days}`);
  return backtest(await generatedSeries(cameras, days), (days - testDays) * 96);
}

function table(rows: readonly BacktestRow[]): string {
  const cols = (suffix: string) => METHODS.map((m) => `${m} ${suffix}`).join(' | ');
  const out = [`| measure | horizon | ${cols('MAE')} | ${cols('MAPE')} |`];
  out.push(
    `| --- | ---: | ${METHODS.map(() => '---:').join(' | ')} | ${METHODS.map(() => '---:').join(' | ')} |`,
  );
  for (const measure of ['volume', 'speed'])
    for (const h of HORIZONS) {
      const at = (m: Method) =>
        rows.find((r) => r.measure === measure && r.horizonMin === h * 15 && r.method === m);
      const cells = METHODS.map((m) => at(m)?.mae);
      const pcts = METHODS.map((m) => `${at(m)?.mape} %`);
      out.push(`| ${measure} | ${h * 15} min | ${cells.join(' | ')} | ${pcts.join(' | ')} |`);
    }
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  const rows = await runBacktest(arg('cameras', 30), arg('days', 30));
  if (process.argv.includes('--json')) process.stdout.write(`${JSON.stringify(rows)}\n`);
  else process.stdout.write(`${table(rows)}\n`);
  const wins = modelWins(rows, [15, 30]);
  process.stderr.write(
    `eval:forecast: the model ${wins ? 'beats' : 'does NOT beat'} both baselines at 15 and 30 minutes (volume MAE)\n`,
  );
  if (process.argv.includes('--strict') && !wins) process.exit(1);
}
