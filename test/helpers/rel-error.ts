// The one relative-error measure the numeric tests compare with: max |a − b| / max |b|. One
// number per comparison, normalised by the reference's largest magnitude, so tiny individual
// entries (near-zero logits or gradients) do not blow it up. No Node imports: browser tests
// (test/browser/*) import it too.

/** max |a − b| / max |b| (0 when both are all zeros; Infinity when only b is). */
export function maxRelError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`maxRelError: length ${a.length} vs ${b.length}`);
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < a.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    maxRef = Math.max(maxRef, Math.abs(b[i]));
  }
  if (maxRef === 0) return maxDiff === 0 ? 0 : Infinity;
  return maxDiff / maxRef;
}
