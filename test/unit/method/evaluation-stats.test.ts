// Win rates, length control and the data-scaling fit (§3, §3.3) on hand-worked and simulated data.
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/lib/engines/generation/rng';
import {
  PAPER_ALPHAS,
  fitLogScaling,
  lengthControlledWinRate,
  promptScore,
  winRate,
} from '../../../src/lib/method';

describe('pairwise win rate', () => {
  it('cancels a judge that always prefers the first position', () => {
    expect(promptScore('a', 'b')).toBe(0.5);
    expect(promptScore('a', 'a')).toBe(1);
    expect(promptScore('tie', 'b')).toBe(0.25);
  });
  it('counts ties as half and reports the standard error of the mean', () => {
    const r = winRate([1, 1, 0, 0.5]);
    expect(r).toMatchObject({ n: 4, wins: 2, losses: 1, ties: 1, rate: 0.625 });
    // Sample variance 0.6875 / 3 over n = 4.
    expect(r.se).toBeCloseTo(Math.sqrt(0.6875 / 3 / 4), 12);
    expect(winRate([]).rate).toBe(0);
    expect(() => winRate([1.5])).toThrow(/\[0, 1\]/);
  });
});

/** Simulated judgments: A wins with probability sigmoid(b0 + b1 * log length ratio). */
function simulate(b0: number, b1: number, meanLogRatio: number, n = 600) {
  const rand = mulberry32(7);
  const scores: number[] = [];
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = meanLogRatio + (rand() - 0.5) * 2;
    b.push(1000);
    a.push(1000 * Math.exp(x));
    scores.push(rand() < 1 / (1 + Math.exp(-(b0 + b1 * x))) ? 1 : 0);
  }
  return { scores, a, b };
}

describe('length-controlled win rate', () => {
  it('removes a pure length preference', () => {
    const { scores, a, b } = simulate(0, 3, 0.5);
    const raw = winRate(scores).rate;
    const lc = lengthControlledWinRate(scores, a, b);
    expect(raw).toBeGreaterThan(0.7); // A's answers are longer, and the judge likes length
    expect(lc.rate).toBeGreaterThan(0.42);
    expect(lc.rate).toBeLessThan(0.58);
    expect(lc.lengthCoefficient).toBeGreaterThan(2);
    expect(lc.lengthCoefficient).toBeLessThan(4);
  });
  it('keeps a real quality difference', () => {
    const { scores, a, b } = simulate(1, 0, 0.5);
    const lc = lengthControlledWinRate(scores, a, b);
    expect(lc.rate).toBeGreaterThan(0.66);
    expect(lc.rate).toBeLessThan(0.8); // sigmoid(1) = 0.731
    expect(Math.abs(lc.lengthCoefficient)).toBeLessThan(0.6);
  });
  it('stays finite when length separates the outcomes perfectly', () => {
    const lc = lengthControlledWinRate([1, 1, 0, 0], [200, 300, 100, 50], [100, 100, 100, 100]);
    expect(Number.isFinite(lc.rate)).toBe(true);
    expect(Number.isFinite(lc.lengthCoefficient)).toBe(true);
  });
});

describe('data-scaling fit w = alpha log N + C', () => {
  it('recovers an exact line', () => {
    const pts = [100, 400, 1600, 6400].map((n) => ({ n, winRate: 6.95 * Math.log(n) + 3 }));
    const fit = fitLogScaling(pts);
    expect(fit.alpha).toBeCloseTo(6.95, 10);
    expect(fit.c).toBeCloseTo(3, 10);
    expect(fit.alphaSe).toBeCloseTo(0, 10);
    expect(fit.r2).toBeCloseTo(1, 12);
  });
  it('matches a hand-worked noisy fit in base 2', () => {
    // x = 1, 2, 3; y = 1, 3, 2: alpha 0.5, C 1, SSR 1.5, Sxx 2, Syy 2.
    const fit = fitLogScaling(
      [
        { n: 2, winRate: 1 },
        { n: 4, winRate: 3 },
        { n: 8, winRate: 2 },
      ],
      2,
    );
    expect(fit.alpha).toBeCloseTo(0.5, 12);
    expect(fit.c).toBeCloseTo(1, 12);
    expect(fit.alphaSe).toBeCloseTo(Math.sqrt(1.5 / 2), 12);
    expect(fit.r2).toBeCloseTo(0.25, 12);
  });
  it('refuses fits it cannot make and lists the paper alphas', () => {
    expect(() => fitLogScaling([{ n: 100, winRate: 50 }])).toThrow(/two data sizes/);
    expect(() =>
      fitLogScaling([
        { n: 100, winRate: 50 },
        { n: 100, winRate: 52 },
      ]),
    ).toThrow(/two different/);
    expect(PAPER_ALPHAS[0]).toEqual({ dataset: 'Humpback (k = 5, 2 iterations)', alpha: 6.95 });
  });
});
