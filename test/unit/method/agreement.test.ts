// Agreement statistics between curation modes, against published worked examples.
import { describe, expect, it } from 'vitest';
import { averageRanks, isSelectedFast, keptAgreement, spearman } from '../../../src/lib/method';

describe('spearman', () => {
  it('matches the textbook IQ / hours-of-TV example (rho = -29/165)', () => {
    const iq = [106, 100, 86, 101, 99, 103, 97, 113, 112, 110];
    const tv = [7, 27, 2, 50, 28, 29, 20, 12, 6, 17];
    expect(spearman(iq, tv)).toBeCloseTo(-29 / 165, 12);
  });
  it('gives ties their average rank', () => {
    expect(averageRanks([1, 2, 2, 3])).toEqual([1, 2.5, 2.5, 4]);
    // Pearson on ranks [1, 2.5, 2.5, 4] and [1, 3, 2, 4]: 4.5 / sqrt(4.5 * 5).
    expect(spearman([1, 2, 2, 3], [1, 3, 2, 4])).toBeCloseTo(4.5 / Math.sqrt(22.5), 12);
  });
  it('is 1 for any monotone relation and undefined for a constant side', () => {
    expect(spearman([1, 2, 3, 4], [1, 8, 27, 64])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    expect(spearman([5, 5, 5], [1, 2, 3])).toBeNull();
    expect(spearman([1], [1])).toBeNull();
    expect(() => spearman([1, 2], [1])).toThrow(/length mismatch/);
  });
});

describe('keptAgreement', () => {
  it("matches the textbook Cohen's kappa example (kappa = 0.4)", () => {
    const a: boolean[] = [];
    const b: boolean[] = [];
    const add = (n: number, x: boolean, y: boolean) => {
      for (let i = 0; i < n; i++) {
        a.push(x);
        b.push(y);
      }
    };
    add(20, true, true);
    add(5, true, false);
    add(10, false, true);
    add(15, false, false);
    const r = keptAgreement(a, b);
    expect(r).toMatchObject({ both: 20, onlyA: 5, onlyB: 10, neither: 15 });
    expect(r.kappa).toBeCloseTo(0.4, 12);
    expect(r.jaccard).toBeCloseTo(20 / 35, 12);
  });
  it('is undefined where nothing can be compared', () => {
    expect(keptAgreement([false, false], [false, false])).toMatchObject({
      jaccard: null,
      kappa: null,
    });
    expect(keptAgreement([true, false], [true, false]).kappa).toBe(1);
  });
});

describe('isSelectedFast', () => {
  const probs = [0.05, 0.05, 0.1, 0.3, 0.5]; // expected 4.15, P(5) 0.5
  it('thresholds the expected score or P(5)', () => {
    expect(isSelectedFast(probs, { by: 'expected', atLeast: 4 })).toBe(true);
    expect(isSelectedFast(probs, { by: 'expected', atLeast: 4.5 })).toBe(false);
    expect(isSelectedFast(probs, { by: 'p5', atLeast: 0.5 })).toBe(true);
    expect(isSelectedFast(probs, { by: 'p5', atLeast: 0.6 })).toBe(false);
    expect(() => isSelectedFast([1], { by: 'p5', atLeast: 0 })).toThrow(/5 probabilities/);
  });
});
