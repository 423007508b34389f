import { describe, expect, it } from 'vitest';
import { RateMeter, throttleProgress, type Progress } from '../../../src/lib/protocol';

const p = (done: number, total: number | null = 100, phase: 'read' | 'stage' = 'read'): Progress =>
  phase === 'read'
    ? { job: 'j', kind: 'ingest', phase, done, total, unit: 'bytes' }
    : { job: 'j', kind: 'ingest', phase, done, total, unit: 'files' };

describe('throttleProgress', () => {
  it('passes at most one event per interval, plus phase changes and the final event', () => {
    let now = 0;
    const seen: Progress[] = [];
    const fn = throttleProgress(
      (x) => seen.push(x),
      100,
      () => now,
    );
    fn(p(1)); // first: passes
    now = 50;
    fn(p(2)); // within interval: dropped
    now = 99;
    fn(p(3)); // dropped
    now = 100;
    fn(p(4)); // interval elapsed: passes
    now = 120;
    fn(p(0, 10, 'stage')); // phase change: passes
    now = 130;
    fn(p(5, 10, 'stage')); // dropped
    now = 140;
    fn(p(10, 10, 'stage')); // final: passes
    expect(seen.map((x) => `${x.phase}:${x.done}`)).toEqual([
      'read:1',
      'read:4',
      'stage:0',
      'stage:10',
    ]);
  });

  it('never treats an unknown total as final', () => {
    let now = 0;
    const seen: Progress[] = [];
    const fn = throttleProgress(
      (x) => seen.push(x),
      100,
      () => now,
    );
    fn(p(1, null));
    now = 10;
    fn(p(1_000_000, null));
    expect(seen).toHaveLength(1);
  });
});

describe('RateMeter', () => {
  it('has no rate or ETA until two samples exist', () => {
    const m = new RateMeter();
    expect(m.rate()).toBeNull();
    m.add(10, 0);
    expect(m.rate()).toBeNull();
    expect(m.eta(100)).toBeNull();
  });

  it('computes units per second and seconds left', () => {
    const m = new RateMeter(5000);
    m.add(0, 0);
    m.add(20, 1000);
    m.add(40, 2000);
    expect(m.rate()).toBeCloseTo(20);
    expect(m.eta(100)).toBeCloseTo(3); // 60 left at 20/s
    expect(m.eta(null)).toBeNull();
    expect(m.eta(30)).toBe(0); // never negative
  });

  it('forgets samples older than the window so the rate follows the current speed', () => {
    const m = new RateMeter(2000);
    m.add(0, 0);
    m.add(100, 1000); // fast start: 100/s
    for (let t = 2000; t <= 6000; t += 1000) m.add(100 + ((t - 1000) / 1000) * 10, t); // then 10/s
    expect(m.rate()).toBeCloseTo(10);
  });

  it('restarts when the count goes back (a new phase)', () => {
    const m = new RateMeter();
    m.add(0, 0);
    m.add(500, 1000);
    m.add(5, 2000);
    expect(m.rate()).toBeNull();
    m.add(15, 3000);
    expect(m.rate()).toBeCloseTo(10);
  });

  it('gives no ETA when nothing moves', () => {
    const m = new RateMeter();
    m.add(5, 0);
    m.add(5, 1000);
    expect(m.rate()).toBe(0);
    expect(m.eta(10)).toBeNull();
  });
});
