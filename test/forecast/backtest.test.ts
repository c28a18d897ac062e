import { expect, test } from 'vitest';
import { modelWins, runBacktest } from '../../benchmarks/forecast/backtest.ts';

// The reduced form of `npm run eval:forecast` (10 cameras instead of 30): generated measures with
// weekly patterns, holidays, shared day factors and incidents travelling along groups of cameras.
test('forecast backtest: the model beats the historical average and the last value at 15 and 30 minutes', async () => {
  const rows = await runBacktest(10, 30);
  const v = (h: number, m: string) =>
    rows.find((r) => r.measure === 'volume' && r.horizonMin === h && r.method === m);
  expect(v(15, 'model')?.targets).toBeGreaterThan(5000);
  expect(modelWins(rows, [15, 30]), JSON.stringify(rows.filter((r) => r.measure === 'volume'))).toBe(true);
  // At 60 minutes the residuals have faded: the model stays no worse than the slot's average.
  expect(v(60, 'model')?.mae).toBeLessThanOrEqual((v(60, 'historical')?.mae as number) * 1.02);
}, 60_000);
