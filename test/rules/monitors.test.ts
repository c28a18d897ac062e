import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../benchmarks/tracking/synthetic-scene.ts';
import type { Condition } from '../../pipeline/rules/condition.ts';
import { CongestionMonitor } from '../../pipeline/rules/congestion-monitor.ts';
import { CrowdMonitor } from '../../pipeline/rules/crowd-monitor.ts';
import { ThresholdMonitor } from '../../pipeline/rules/threshold-monitor.ts';
import { times, zone } from './helpers.ts';

/** A lane at 5 fps: free flow (48 km/h, 25 pcu/km) then a jam (6 km/h, 90 pcu/km) from jamFromS to jamToS. */
function lane(jamFromS: number, jamToS: number, endS: number, seed = 1, noise = 0.15) {
  const rnd = mulberry32(seed);
  return times(0, endS).map((t) => {
    const jam = t >= jamFromS * 1000 && t < jamToS * 1000;
    const speed = (jam ? 6 : 48) * (1 + noise * (rnd() * 2 - 1));
    // Now and then a wild frame (a bad speed estimate): the median must ignore it.
    const wild = rnd() < 0.05;
    return zone('lane', {
      vehicles: jam ? 10 : 3,
      pcu: jam ? 10 : 3,
      meanSpeedKmh: wild ? (jam ? 45 : 2) : speed,
      densityPcuKm: jam ? 90 : 25,
    });
  });
}

function run(
  m: { update(z: ReturnType<typeof zone>, t: number): Condition[] },
  samples: ReturnType<typeof zone>[],
) {
  const out: Condition[] = [];
  samples.forEach((s, i) => {
    out.push(...m.update(s, i * 200));
  });
  return out;
}

describe('CongestionMonitor', () => {
  test('a jam raises jam_start and jam_clear once each, dated within a few seconds of the truth', () => {
    for (const seed of [1, 2, 3]) {
      const m = new CongestionMonitor('lane');
      const out = run(m, lane(60, 180, 300, seed));
      expect(out.map((c) => c.type)).toEqual(['jam_start', 'jam_clear']);
      const [start, clear] = out;
      expect(Math.abs(start.startedMs - 60_000)).toBeLessThanOrEqual(3000);
      expect(Math.abs(clear.startedMs - 180_000)).toBeLessThanOrEqual(3000);
      // Confirmed after half a window (10 s) plus the minimum duration (20 s).
      expect(start.tsMs - start.startedMs).toBeGreaterThanOrEqual(20_000);
      expect(start.tsMs).toBeLessThanOrEqual(95_000);
      expect(start.details).toMatchObject({ from: 'free', to: 'jam' });
      expect(m.level).toBe('free');
    }
  });

  test('a dip shorter than the minimum duration raises nothing', () => {
    const m = new CongestionMonitor('lane', { windowMs: 10_000, minDurationMs: 20_000 });
    expect(run(m, lane(60, 80, 200))).toEqual([]);
  });

  test('a measure hovering at a threshold does not flap (hysteresis)', () => {
    // Speed alternating around the heavy threshold (20 km/h at 50) every 15 s after a long heavy spell.
    const samples = times(0, 600).map((t) => {
      const s = t / 1000;
      const speed = s < 100 ? 48 : s < 200 ? 14 : Math.floor(s / 15) % 2 ? 18 : 22.5;
      return zone('lane', { vehicles: 8, pcu: 8, meanSpeedKmh: speed, densityPcuKm: 60 });
    });
    const m = new CongestionMonitor('lane');
    const out = run(m, samples);
    expect(out.map((c) => c.type)).toEqual(['jam_start']);
    expect(m.level).toBe('heavy');
  });

  test('heavy then, much later, jam: jam_start then jam_worsen', () => {
    const samples = times(0, 300).map((t) =>
      zone('lane', {
        vehicles: 8,
        pcu: 8,
        meanSpeedKmh: t < 60_000 ? 45 : t < 150_000 ? 16 : 5,
        densityPcuKm: 60,
      }),
    );
    const out = run(new CongestionMonitor('lane'), samples);
    expect(out.map((c) => [c.type, c.details.to])).toEqual([
      ['jam_start', 'heavy'],
      ['jam_worsen', 'jam'],
    ]);
  });

  test('a lone slow vehicle is not a jam (density gate); empty lanes flow freely', () => {
    const samples = times(0, 200).map(() =>
      zone('lane', { vehicles: 1, pcu: 1, meanSpeedKmh: 2, densityPcuKm: 12 }),
    );
    const m = new CongestionMonitor('lane');
    expect(run(m, samples)).toEqual([]);
    expect(m.level).toBe('slow');
    const empty = new CongestionMonitor('lane');
    expect(
      run(
        empty,
        times(0, 100).map(() => zone('lane')),
      ),
    ).toEqual([]);
    expect(empty.level).toBe('free');
  });

  test('without calibration the state comes from time occupancy', () => {
    const samples = times(0, 300).map((t) => {
      const jam = t >= 60_000 && t < 180_000;
      const occupied = jam || Math.floor(t / 1000) % 5 === 0; // 20 % free, 100 % jammed
      return zone('lane', { vehicles: occupied ? 3 : 0, pcu: occupied ? 3 : 0 });
    });
    const out = run(new CongestionMonitor('lane'), samples);
    expect(out.map((c) => c.type)).toEqual(['jam_start', 'jam_clear']);
  });

  test('restored mid-jam, it carries on without raising jam_start again', () => {
    const samples = lane(60, 180, 300);
    const whole = run(new CongestionMonitor('lane'), samples);
    const first = new CongestionMonitor('lane');
    const cut = 600; // 120 s: inside the jam, after jam_start
    const a = samples.slice(0, cut).flatMap((s, i) => first.update(s, i * 200));
    const resumed = CongestionMonitor.restore(JSON.parse(JSON.stringify(first.snapshot())));
    const b = samples.slice(cut).flatMap((s, i) => resumed.update(s, (cut + i) * 200));
    expect(a.map((c) => c.type)).toEqual(['jam_start']);
    expect(b.map((c) => c.type)).toEqual(['jam_clear']);
    expect([...a, ...b]).toEqual(whole);
  });

  test('constructor validates', () => {
    expect(() => new CongestionMonitor('z', { slowSpeedRatio: 0.3, heavySpeedRatio: 0.4 })).toThrow(
      /speed ratios/,
    );
    expect(() => new CongestionMonitor('z', { freeFlowKmh: 0 })).toThrow(/freeFlowKmh/);
    expect(() =>
      CongestionMonitor.restore({ ...new CongestionMonitor('a').snapshot() }, {}).restoreFrom(
        new CongestionMonitor('b').snapshot(),
      ),
    ).toThrow(/zone "b"/);
  });
});

describe('CrowdMonitor', () => {
  const persons = (counts: (t: number) => number, endS: number) =>
    times(0, endS).map((t) => zone('plaza', { kind: 'crowd', persons: counts(t / 1000) }));

  test('crowd_form once after the count holds, crowd_disperse once after it drops (hysteresis)', () => {
    const rnd = mulberry32(4);
    // 0 → 14 over 20-50 s, flickering ±2 (missed detections), gone from 150 s.
    const samples = persons((s) => {
      const base = s < 20 ? 0 : s < 50 ? Math.round(((s - 20) / 30) * 14) : s < 150 ? 14 : 1;
      return Math.max(0, base + Math.round(rnd() * 4 - 2));
    }, 250);
    const m = new CrowdMonitor('plaza', { minPersons: 10, minDurationMs: 15_000 });
    const out = run(m, samples);
    expect(out.map((c) => c.type)).toEqual(['crowd_form', 'crowd_disperse']);
    // The true count reaches 10 at ~41 s.
    expect(Math.abs(out[0].startedMs - 41_000)).toBeLessThanOrEqual(5000);
    expect(Math.abs(out[1].startedMs - 150_000)).toBeLessThanOrEqual(6000);
    expect(out[0].value).toBeGreaterThanOrEqual(10);
  });

  test('a count hovering at the threshold raises one crowd_form, no dispersal until well below', () => {
    // A clear crowd of 14 for 40 s, then hovering between 9 and 11 (never below the 7 of the hysteresis).
    const samples = persons((s) => (s < 10 ? 0 : s < 50 ? 14 : Math.floor(s / 7) % 2 ? 9 : 11), 400);
    const out = run(
      new CrowdMonitor('plaza', { minPersons: 10, minDurationMs: 10_000, windowMs: 5000 }),
      samples,
    );
    expect(out.map((c) => c.type)).toEqual(['crowd_form']);
  });

  test('density threshold (calibrated cameras) and restore mid-crowd', () => {
    const samples = times(0, 200).map((t) =>
      zone('plaza', { persons: 6, personsPerM2: t >= 50_000 && t < 120_000 ? 0.8 : 0.1 }),
    );
    const o = { minPersons: 50, minPersonsPerM2: 0.5, minDurationMs: 10_000 };
    const m = new CrowdMonitor('plaza', o);
    const a = samples.slice(0, 400).flatMap((s, i) => m.update(s, i * 200));
    const r = CrowdMonitor.restore(JSON.parse(JSON.stringify(m.snapshot())), o);
    const b = samples.slice(400).flatMap((s, i) => r.update(s, (400 + i) * 200));
    expect(a.map((c) => c.type)).toEqual(['crowd_form']);
    expect(b.map((c) => c.type)).toEqual(['crowd_disperse']);
  });

  test('constructor validates', () => {
    expect(() => new CrowdMonitor('p', { minPersons: 0 })).toThrow(/minPersons/);
    expect(() => new CrowdMonitor('p', { hysteresis: 1 })).toThrow(/hysteresis/);
  });
});

describe('ThresholdMonitor', () => {
  test('raises once when the measure stays above for the duration; again only after it went away', () => {
    const samples = times(0, 300).map((t) => {
      const s = t / 1000;
      return zone('box', { vehicles: (s >= 30 && s < 100) || (s >= 200 && s < 280) ? 25 : 5 });
    });
    const m = new ThresholdMonitor('box', { measure: 'vehicles', above: 20, minDurationMs: 30_000 });
    const out = run(m, samples);
    expect(out.filter((c) => !c.silent).map((c) => [c.type, Math.round(c.startedMs / 1000)])).toEqual([
      ['threshold', 30],
      ['threshold', 200],
    ]);
  });

  test('below a value (mean speed), frames without a speed neither hold nor break it', () => {
    const samples = times(0, 200).map((t) =>
      t % 2000 === 0 ? zone('lane') : zone('lane', { vehicles: 2, meanSpeedKmh: t > 50_000 ? 8 : 40 }),
    );
    const out = run(
      new ThresholdMonitor('lane', { measure: 'meanSpeed', below: 10, minDurationMs: 20_000 }),
      samples,
    );
    expect(out.map((c) => c.phase)).toEqual(['start']);
    expect(() => new ThresholdMonitor('x', { measure: 'pcu' })).toThrow(/exactly one/);
  });
});
