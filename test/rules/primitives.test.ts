import { describe, expect, test } from 'vitest';
import { AlertGate } from '../../pipeline/rules/alert-gate.ts';
import type { Condition } from '../../pipeline/rules/condition.ts';
import { HeldCondition } from '../../pipeline/rules/held-condition.ts';
import { RollingWindow } from '../../pipeline/rules/rolling-window.ts';

describe('RollingWindow', () => {
  test('median and mean over the last windowMs; null values skipped; restore keeps them', () => {
    const w = new RollingWindow(1000);
    w.push(0, 10);
    w.push(200, null);
    w.push(400, 30);
    w.push(600, 20);
    expect(w.count).toBe(3);
    expect(w.median()).toBe(20);
    expect(w.mean()).toBe(20);
    w.push(1000, 100); // evicts t = 0
    expect(w.count).toBe(3);
    expect(w.median()).toBe(30);
    const r = RollingWindow.restore(JSON.parse(JSON.stringify(w.snapshot())));
    expect(r.median()).toBe(30);
    expect(r.mean()).toBeCloseTo(50);
    w.push(5000, null);
    expect(w.median()).toBeNull();
    expect(w.mean()).toBeNull();
  });

  test('a single outlier does not move the median', () => {
    const w = new RollingWindow(10_000);
    for (let t = 0; t < 5000; t += 200) w.push(t, t === 2000 ? 500 : 40);
    expect(w.median()).toBe(40);
  });

  test('rejects a bad window', () => {
    expect(() => new RollingWindow(0)).toThrow(/windowMs/);
  });
});

describe('HeldCondition', () => {
  test('switches on after onAfterMs and off after offAfterMs, once each, timed at the run start', () => {
    const h = new HeldCondition({ onAfterMs: 1000, offAfterMs: 500 });
    const changes = [];
    for (let t = 0; t <= 3000; t += 100) {
      const c = h.update(t >= 500 && t < 2000, t);
      if (c) changes.push({ ...c, t });
    }
    expect(changes).toEqual([
      { change: 'on', sinceMs: 500, t: 1500 },
      { change: 'off', sinceMs: 2000, t: 2500 },
    ]);
  });

  test('flicker shorter than the durations raises nothing; graceMs bridges short contrary runs', () => {
    const h = new HeldCondition({ onAfterMs: 1000, offAfterMs: 1000 });
    for (let t = 0; t < 5000; t += 100) expect(h.update(Math.floor(t / 300) % 2 === 0, t)).toBeNull();
    const g = new HeldCondition({ onAfterMs: 1000, offAfterMs: 1000, graceMs: 250 });
    const seen = [];
    for (let t = 0; t < 2000; t += 100) {
      const c = g.update(t % 500 !== 0, t); // one contrary frame every 500 ms
      if (c) seen.push(c);
    }
    expect(seen).toEqual([{ change: 'on', sinceMs: 100 }]);
  });
});

describe('AlertGate', () => {
  const c = (phase: Condition['phase'], tsMs: number): Condition => ({
    type: 'crowd_form',
    phase,
    zoneId: 'z',
    trackId: null,
    startedMs: tsMs,
    tsMs,
    value: 1,
    trackIds: [],
    message: '',
    details: {},
  });
  test('one start per open condition; no new start within the cooldown; ends only for raised starts', () => {
    const g = new AlertGate();
    const k = 'r|z|';
    expect(g.admit(k, c('start', 0), 60_000)).toBe(true);
    expect(g.admit(k, c('start', 1000), 60_000)).toBe(false); // duplicate while open
    expect(g.admit(k, c('worsen', 2000), 60_000)).toBe(true);
    expect(g.admit(k, c('worsen', 3000), 60_000)).toBe(false); // one worsening per condition
    expect(g.admit(k, c('end', 10_000), 60_000)).toBe(true);
    expect(g.admit(k, c('start', 30_000), 60_000)).toBe(false); // cooldown
    expect(g.admit(k, c('end', 40_000), 60_000)).toBe(false); // its end is held back too
    expect(g.admit(k, c('start', 101_000), 60_000)).toBe(true); // 61 s after the last end
    expect(g.admit('other', c('end', 0), 60_000)).toBe(false);
    const r = AlertGate.restore(JSON.parse(JSON.stringify(g.snapshot())));
    expect(r.admit(k, c('start', 102_000), 60_000)).toBe(false);
    r.admit(k, c('end', 110_000), 60_000);
    r.prune(200_000, () => 60_000);
    expect(r.size).toBe(0);
  });
});
