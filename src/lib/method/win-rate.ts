// Pairwise evaluation statistics (§3, AlpacaEval-style win rates): each prompt is judged in both
// orders to cancel the judge's position bias, ties count as half a win, and the win rate comes
// with its standard error (the paper reports "66.47 ± 3.04"). Judges also prefer longer answers,
// so a length-controlled rate is reported beside the raw one.
import type { WinRate } from '../domain';

export type { WinRate };

/** One judgment: which answer the judge preferred, in terms of the models compared (A vs B). */
export type Verdict = 'a' | 'b' | 'tie';

const points: Record<Verdict, number> = { a: 1, tie: 0.5, b: 0 };

/**
 * A prompt's score for model A from the two orders (A shown first, then B shown first, both
 * already mapped back to A/B): the mean of the two, so a judge that always prefers the first
 * position gives 0.5, not a win.
 */
export function promptScore(aShownFirst: Verdict, bShownFirst: Verdict): number {
  return (points[aShownFirst] + points[bShownFirst]) / 2;
}

/** Win rate of A over per-prompt scores in [0, 1]. */
export function winRate(scores: readonly number[]): WinRate {
  const n = scores.length;
  let wins = 0;
  let losses = 0;
  let ties = 0;
  for (const s of scores) {
    if (s < 0 || s > 1) throw new Error(`a prompt score must lie in [0, 1], got ${s}`);
    if (s > 0.5) wins++;
    else if (s < 0.5) losses++;
    else ties++;
  }
  const rate = n ? scores.reduce((a, s) => a + s, 0) / n : 0;
  const variance = n > 1 ? scores.reduce((a, s) => a + (s - rate) ** 2, 0) / (n - 1) : 0;
  return { n, wins, losses, ties, rate, se: n > 1 ? Math.sqrt(variance / n) : 0 };
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/**
 * Length-controlled win rate: a logistic regression of A's score on the log length ratio of the
 * two answers (score ~ sigmoid(b0 + b1 * log(lenA / lenB))), fitted by Newton's method; the
 * controlled rate is the prediction at equal lengths, sigmoid(b0). This is the idea of
 * AlpacaEval's length-controlled win rate reduced to its length term. Fractional scores (0.5
 * for ties) are valid targets of the binomial likelihood.
 */
export function lengthControlledWinRate(
  scores: readonly number[],
  lengthsA: readonly number[],
  lengthsB: readonly number[],
): { rate: number; lengthCoefficient: number } {
  const n = scores.length;
  if (lengthsA.length !== n || lengthsB.length !== n)
    throw new Error('scores and lengths must have the same count');
  const x = lengthsA.map((a, i) => Math.log(Math.max(1, a) / Math.max(1, lengthsB[i])));
  let b0 = 0;
  let b1 = 0;
  for (let iter = 0; iter < 50; iter++) {
    // Gradient and Hessian of the log-likelihood, plus a small ridge so separable data
    // (A always longer and always winning) still gives a finite answer.
    let g0 = 0;
    let g1 = -1e-3 * b1;
    let h00 = 1e-6;
    let h01 = 0;
    let h11 = 1e-3;
    for (let i = 0; i < n; i++) {
      const p = sigmoid(b0 + b1 * x[i]);
      const w = p * (1 - p);
      g0 += scores[i] - p;
      g1 += (scores[i] - p) * x[i];
      h00 += w;
      h01 += w * x[i];
      h11 += w * x[i] * x[i];
    }
    const det = h00 * h11 - h01 * h01;
    if (det <= 0) break;
    const d0 = (h11 * g0 - h01 * g1) / det;
    const d1 = (h00 * g1 - h01 * g0) / det;
    b0 += d0;
    b1 += d1;
    if (Math.abs(d0) + Math.abs(d1) < 1e-10) break;
  }
  return { rate: sigmoid(b0), lengthCoefficient: b1 };
}
