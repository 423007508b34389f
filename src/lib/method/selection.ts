// Self-curation selection (§2.3, §3.3): keep candidates rated at least k. The main setting is
// k = 5 (A_5); A_4 is "score ≥ 4". A user override (keep/drop) always wins over the score.

export interface Scored {
  score?: number | null;
  override?: 'keep' | 'drop';
}

/**
 * A person's override as the keep/drop decision selection applies (issue 11 §3): accept keeps,
 * reject drops, an edit alone leaves the decision to the score.
 */
export function overrideDecision(
  o: { verdict?: 'accept' | 'reject' } | undefined,
): 'keep' | 'drop' | undefined {
  return o?.verdict === 'accept' ? 'keep' : o?.verdict === 'reject' ? 'drop' : undefined;
}

/** The pair as it is used for training and export: a person's edits replace the model's text. */
export function effectivePair<T extends { instruction: string; output: string }>(
  c: T & { override?: { instruction?: string; output?: string } },
): { instruction: string; output: string } {
  return {
    instruction: c.override?.instruction ?? c.instruction,
    output: c.override?.output ?? c.output,
  };
}

export function isSelected(c: Scored, k: number): boolean {
  if (c.override === 'keep') return true;
  if (c.override === 'drop') return false;
  return typeof c.score === 'number' && c.score >= k;
}

export function selectAtLeast<T extends Scored>(candidates: Iterable<T>, k: number): T[] {
  const kept: T[] = [];
  for (const c of candidates) if (isSelected(c, k)) kept.push(c);
  return kept;
}

/** Histogram of integer ratings 1–5 plus unscored, for the curation view. */
export function scoreHistogram(candidates: Iterable<Scored>): {
  counts: number[];
  unscored: number;
} {
  const counts = [0, 0, 0, 0, 0];
  let unscored = 0;
  for (const c of candidates) {
    const s = c.score;
    if (typeof s === 'number' && s >= 1 && s <= 5) counts[Math.round(s) - 1]++;
    else unscored++;
  }
  return { counts, unscored };
}

/**
 * Fast-mode selection (issue: self-curation without decoding): the rater's distribution over
 * "1".."5" (see expectedScore) is kept by a threshold on its expected value, or on P(score = 5),
 * the probability that paper mode's k = 5 rule would keep the pair.
 */
export type FastRule = { by: 'expected'; atLeast: number } | { by: 'p5'; atLeast: number };

export function isSelectedFast(probs: readonly number[], rule: FastRule): boolean {
  if (probs.length !== 5) throw new Error(`expected 5 probabilities, got ${probs.length}`);
  const value = rule.by === 'p5' ? probs[4] : probs.reduce((acc, p, i) => acc + p * (i + 1), 0);
  return value >= rule.atLeast;
}

/**
 * Which ratings define a curated set A^(t) (§2.3, iterations §3): iteration t, the mode that
 * rated it, and the rule — k for paper mode (score ≥ k), a FastRule for fast mode.
 */
export interface CurationRule {
  iteration: number;
  mode: 'paper' | 'fast';
  /** Paper mode: keep score ≥ k (main setting k = 5). */
  k: number;
  /** Fast mode: threshold on the expected score or on P(5); default expected ≥ k. */
  fast?: FastRule;
}

interface RatedLike {
  iteration: number;
  mode: 'paper' | 'fast';
  score: number | null;
  distribution?: number[];
}

/** Whether a candidate is in A^(t) under `rule`: its latest rating of (t, mode) passes; override wins. */
export function isCurated(
  c: {
    ratings: readonly RatedLike[];
    override?: { verdict?: 'accept' | 'reject' };
    filterReason?: string;
  },
  rule: CurationRule,
): boolean {
  const decision = overrideDecision(c.override);
  if (decision === 'keep') return true;
  if (decision === 'drop' || c.filterReason) return false;
  let latest: RatedLike | undefined;
  for (const r of c.ratings) if (r.iteration === rule.iteration && r.mode === rule.mode) latest = r;
  if (!latest) return false;
  if (rule.mode === 'fast') {
    if (!latest.distribution) return false;
    return isSelectedFast(latest.distribution, rule.fast ?? { by: 'expected', atLeast: rule.k });
  }
  return typeof latest.score === 'number' && latest.score >= rule.k;
}
