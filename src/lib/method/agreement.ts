// How far two curation modes agree on the same pairs and the same rater (fast mode's expected
// score against paper mode's sampled rating, §2.3): a rank correlation of the scores and the
// agreement of the kept sets, so a user can choose the faster mode knowingly.

/** Ranks 1..n with ties given their average rank (the usual convention for Spearman's rho). */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1][0] === order[start][0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) ranks[order[k][1]] = rank;
    start = end + 1;
  }
  return ranks;
}

function pearson(a: readonly number[], b: readonly number[]): number | null {
  const n = a.length;
  const ma = a.reduce((s, x) => s + x, 0) / n;
  const mb = b.reduce((s, x) => s + x, 0) / n;
  let cov = 0;
  let va = 0;
  let vb = 0;
  for (let i = 0; i < n; i++) {
    cov += (a[i] - ma) * (b[i] - mb);
    va += (a[i] - ma) ** 2;
    vb += (b[i] - mb) ** 2;
  }
  return va === 0 || vb === 0 ? null : cov / Math.sqrt(va * vb);
}

/**
 * Spearman's rank correlation (Pearson's r on average ranks), or null when it is undefined:
 * fewer than two pairs, or one side constant (every pair rated 5 has no ranking to agree with).
 */
export function spearman(a: readonly number[], b: readonly number[]): number | null {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  if (a.length < 2) return null;
  return pearson(averageRanks(a), averageRanks(b));
}

export interface KeptAgreement {
  /** Pairs kept by both modes, by only the first, by only the second, by neither. */
  both: number;
  onlyA: number;
  onlyB: number;
  neither: number;
  /** both / (both + onlyA + onlyB); null when neither mode keeps anything. */
  jaccard: number | null;
  /** Cohen's kappa: agreement beyond chance on keep/drop; null when it is undefined. */
  kappa: number | null;
}

/** Agreement of two keep/drop decisions over the same pairs (index i is the same pair). */
export function keptAgreement(a: readonly boolean[], b: readonly boolean[]): KeptAgreement {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let both = 0;
  let onlyA = 0;
  let onlyB = 0;
  let neither = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    else if (a[i]) onlyA++;
    else if (b[i]) onlyB++;
    else neither++;
  }
  const n = a.length;
  const union = both + onlyA + onlyB;
  const observed = n ? (both + neither) / n : 0;
  const pa = n ? (both + onlyA) / n : 0;
  const pb = n ? (both + onlyB) / n : 0;
  const chance = pa * pb + (1 - pa) * (1 - pb);
  return {
    both,
    onlyA,
    onlyB,
    neither,
    jaccard: union ? both / union : null,
    kappa: n && chance < 1 ? (observed - chance) / (1 - chance) : null,
  };
}

interface RatingLike {
  iteration: number;
  mode: 'paper' | 'fast';
  score: number | null;
  expected?: number;
  distribution?: number[];
}

/** Fast mode against paper mode on the same rater iteration and the same pairs. */
export interface ModeAgreement {
  /** Pairs rated in both modes with a usable paper score (parse failures are left out). */
  pairs: number;
  /** Paper-mode failures among pairs that have both ratings. */
  paperFailures: number;
  /** Spearman's rho of paper score vs fast expected score; null when undefined. */
  spearman: number | null;
  /** Kept sets: paper score ≥ k vs the fast rule (a = paper, b = fast). */
  kept: KeptAgreement;
}

/**
 * How far fast mode agrees with paper mode for iteration t (issue 10 §5), over every candidate
 * whose latest ratings of t exist in both modes. `fastKeeps` is the fast-mode rule
 * (method/selection.ts isSelectedFast), passed in so this file stays free of it.
 */
export function modeAgreement(
  candidates: Iterable<{ ratings: readonly RatingLike[] }>,
  iteration: number,
  k: number,
  fastKeeps: (probs: readonly number[]) => boolean,
): ModeAgreement {
  const paper: number[] = [];
  const fast: number[] = [];
  const keptPaper: boolean[] = [];
  const keptFast: boolean[] = [];
  let paperFailures = 0;
  for (const c of candidates) {
    let p: RatingLike | undefined;
    let f: RatingLike | undefined;
    for (const r of c.ratings) {
      if (r.iteration !== iteration) continue;
      if (r.mode === 'paper') p = r;
      else f = r;
    }
    if (!p || !f || f.expected === undefined || !f.distribution) continue;
    if (p.score === null) {
      paperFailures++;
      continue;
    }
    paper.push(p.score);
    fast.push(f.expected);
    keptPaper.push(p.score >= k);
    keptFast.push(fastKeeps(f.distribution));
  }
  return {
    pairs: paper.length,
    paperFailures,
    spearman: spearman(paper, fast),
    kept: keptAgreement(keptPaper, keptFast),
  };
}
