import { describe, expect, test } from 'vitest';
import { IntervalAggregator } from '../../pipeline/measure/interval-aggregator.ts';
import type { ZoneSample } from '../../schemas/analytics.ts';

const T0 = Date.UTC(2026, 10, 22, 8, 0, 0); // 08:00:00, on both grids

function zone(vehicles: number, density: number | null, persons = 0): ZoneSample {
  return {
    zoneId: 'z',
    kind: 'lane',
    trackIds: [],
    vehicles,
    persons,
    pcu: vehicles,
    meanSpeedKmh: null,
    densityPcuKm: density,
    personsPerM2: null,
  };
}

describe('IntervalAggregator', () => {
  test('a minute closes when the first frame of the next arrives; volumes, pcu, speeds and flow', () => {
    const a = new IntervalAggregator({ lines: ['l'], zones: [] });
    expect(a.frame(T0, [])).toEqual([]);
    a.crossing('l', 'positive', 'car', 30);
    a.crossing('l', 'positive', 'motorcycle', 40);
    a.frame(T0 + 30_000, []);
    a.crossing('l', 'positive', 'bus', null);
    a.crossing('l', 'negative', 'car', 50);
    const rows = a.frame(T0 + 60_000, []);
    const pos = rows.find((r) => r.intervalS === 60 && r.direction === 'positive');
    const neg = rows.find((r) => r.intervalS === 60 && r.direction === 'negative');
    expect(rows.every((r) => r.intervalS === 60)).toBe(true); // the 15-minute one is still open
    expect(pos).toMatchObject({
      siteKind: 'line',
      siteId: 'l',
      startMs: T0,
      frames: 2,
      volume: 3,
      volumeByClass: { car: 1, motorcycle: 1, bus: 1 },
      pcu: 3.8, // 1 + 0.3 + 2.5 (TCVN 4054:2005)
      flowPcuH: 228,
      speedMeanKmh: 35,
      speedP85Kmh: 40,
    });
    expect(neg).toMatchObject({ volume: 1, speedMeanKmh: 50 });
  });

  test('85th percentile by nearest rank', () => {
    const a = new IntervalAggregator({ lines: ['l'], zones: [] });
    a.frame(T0, []);
    for (let v = 1; v <= 20; v++) a.crossing('l', 'positive', 'car', v);
    const [row] = a.flush().filter((r) => r.intervalS === 60 && r.direction === 'positive');
    expect(row.speedP85Kmh).toBe(17); // ceil(0.85 × 20) = 17th value
    expect(row.speedMeanKmh).toBe(10.5);
  });

  test('zones: time occupancy, mean count, density and level of service (HCM bands)', () => {
    const a = new IntervalAggregator({ lines: [], zones: ['z'] });
    a.frame(T0, [zone(0, 0)]);
    a.frame(T0 + 10_000, [zone(2, 20)]);
    a.frame(T0 + 20_000, [zone(4, 30, 3)]);
    a.frame(T0 + 30_000, [zone(2, 22)]);
    const [row] = a.flush().filter((r) => r.intervalS === 60);
    expect(row).toMatchObject({
      siteKind: 'zone',
      frames: 4,
      occupancy: 0.75,
      meanCount: 2,
      densityPcuKm: 18,
      los: 'D', // 16 < 18 <= 22
      personsMax: 3,
      personsMean: 0.75,
    });
    expect(a.levelOfService(5)).toBe('A');
    expect(a.levelOfService(28)).toBe('E');
    expect(a.levelOfService(28.1)).toBe('F');
  });

  test('15-minute rows and the peak-hour factor over four consecutive intervals', () => {
    const a = new IntervalAggregator({ lines: ['l'], zones: [] });
    const volumes = [10, 20, 40, 30];
    const rows = [];
    for (const [i, n] of volumes.entries()) {
      rows.push(...a.frame(T0 + i * 900_000, []));
      for (let k = 0; k < n; k++) a.crossing('l', 'positive', 'car', null);
    }
    rows.push(...a.flush());
    const q = rows.filter((r) => r.intervalS === 900 && r.direction === 'positive');
    expect(q.map((r) => r.volume)).toEqual(volumes);
    expect(q.slice(0, 3).every((r) => r.phf === null)).toBe(true);
    expect(q[3].phf).toBe(0.625); // 100 / (4 × 40)
    expect(q[3].flowPcuH).toBe(120);
  });

  test('a gap breaks the peak-hour run', () => {
    const a = new IntervalAggregator({ lines: ['l'], zones: [] });
    const rows = [];
    for (const i of [0, 1, 2, 4]) {
      rows.push(...a.frame(T0 + i * 900_000, []));
      a.crossing('l', 'positive', 'car', null);
    }
    rows.push(...a.flush());
    expect(rows.filter((r) => r.intervalS === 900).every((r) => r.phf === null)).toBe(true);
  });

  test('snapshot/restore mid-interval gives the same rows', () => {
    const run = (split: boolean) => {
      let a = new IntervalAggregator({ lines: ['l'], zones: ['z'] });
      const out = [];
      for (let i = 0; i < 30; i++) {
        if (split && i === 13) {
          a = IntervalAggregator.restore(JSON.parse(JSON.stringify(a.snapshot())), {
            lines: ['l'],
            zones: ['z'],
          });
        }
        out.push(...a.frame(T0 + i * 7000, [zone(i % 3, i)]));
        if (i % 4 === 0) a.crossing('l', 'negative', 'truck', 20 + i);
        if (i % 5 === 0) a.entry('z', 'car');
        if (i % 6 === 0) a.zoneSpeed('z', 'car', 30 + i);
      }
      return [...out, ...a.flush()];
    };
    expect(run(true)).toEqual(run(false));
  });

  test('rejects time going backwards and bad LOS bounds', () => {
    const a = new IntervalAggregator({ lines: [], zones: [] });
    a.frame(T0 + 120_000, []);
    expect(() => a.frame(T0, [])).toThrow(/backwards/);
    expect(() => new IntervalAggregator({ lines: [], zones: [], losDensity: [1, 2, 3] })).toThrow(
      /5 increasing/,
    );
  });
});
