// The paper's data-efficiency measure (§3.3, method.md §8.2): fit w = alpha * log N + C, where w
// is the win rate (in %) of a model fine-tuned on N examples. A steeper alpha means each
// doubling of data buys more; the paper reports alpha = 6.95 for Humpback data. Its log base is
// not stated, so the base is a parameter and shown with the result.

export interface ScalingPoint {
  /** Training examples. */
  n: number;
  /** Win rate in percent. */
  winRate: number;
}

export interface ScalingFit {
  alpha: number;
  c: number;
  /** Standard error of alpha; null with fewer than three points (no residual freedom). */
  alphaSe: number | null;
  /** Share of the win-rate variance the line explains. */
  r2: number | null;
  base: number;
}

/** Least-squares fit of winRate against log_base(n). */
export function fitLogScaling(points: readonly ScalingPoint[], base = Math.E): ScalingFit {
  if (points.length < 2) throw new Error('a scaling fit needs at least two data sizes');
  const xs = points.map((p) => {
    if (!(p.n > 0)) throw new Error(`data size must be positive, got ${p.n}`);
    return Math.log(p.n) / Math.log(base);
  });
  const ys = points.map((p) => p.winRate);
  const k = points.length;
  const mx = xs.reduce((a, b) => a + b, 0) / k;
  const my = ys.reduce((a, b) => a + b, 0) / k;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (let i = 0; i < k; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
    syy += (ys[i] - my) ** 2;
  }
  if (sxx === 0) throw new Error('a scaling fit needs at least two different data sizes');
  const alpha = sxy / sxx;
  const c = my - alpha * mx;
  const ssr = ys.reduce((a, y, i) => a + (y - (alpha * xs[i] + c)) ** 2, 0);
  return {
    alpha,
    c,
    alphaSe: k > 2 ? Math.sqrt(ssr / (k - 2) / sxx) : null,
    r2: syy > 0 ? 1 - ssr / syy : null,
    base,
  };
}

/** The paper's alphas (v1 Table 3), for display beside a user's own fit. */
export const PAPER_ALPHAS: readonly { dataset: string; alpha: number }[] = [
  { dataset: 'Humpback (k = 5, 2 iterations)', alpha: 6.95 },
  { dataset: 'WizardLLM', alpha: 5.69 },
  { dataset: 'Alpaca-GPT4', alpha: 5.4 },
  { dataset: 'Vicuna', alpha: 4.53 },
  { dataset: 'Open Assistant', alpha: 4.43 },
  { dataset: 'LIMA', alpha: 2.86 },
  { dataset: 'Alpaca', alpha: 1.99 },
  { dataset: 'FLAN v2', alpha: 0.22 },
];
