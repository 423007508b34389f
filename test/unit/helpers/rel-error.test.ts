// The shared maxRelError (test/helpers/rel-error.ts) every numeric comparison uses: the
// largest absolute difference over the reference's largest magnitude, so one tiny reference
// entry cannot dominate; mismatched lengths are an error, not a number.
import { describe, expect, it } from 'vitest';
import { maxRelError } from '../../helpers/rel-error';

describe('maxRelError', () => {
  it('divides the largest difference by the largest reference magnitude', () => {
    // Differences 0.001 (on an entry of 1e-6) and 0.5; max |b| = 10 → 0.05.
    expect(maxRelError([0.001001, 9.5, -3], [0.000001, 10, -3])).toBeCloseTo(0.05, 12);
    expect(maxRelError(Float32Array.of(1, 2), Float64Array.of(1, 2))).toBe(0);
  });

  it('handles all-zero references and refuses mismatched lengths', () => {
    expect(maxRelError([0, 0], [0, 0])).toBe(0);
    expect(maxRelError([1e-9, 0], [0, 0])).toBe(Infinity);
    expect(() => maxRelError([1, 2, 3], [1, 2])).toThrow(/length 3 vs 2/);
  });
});
