// Planning the data-scaling sweep in miniature (issue 12 item 3; paper §3.3, method.md §8.2):
// which arms to train and evaluate, given how many pairs the run can give. The curve needs at
// least two sizes N within A_k (the fit of w = alpha log N + C needs two points, three for an
// uncertainty); the ablations (§8.3) run at the largest N of the curve: the curation ablation
// draws N pairs from every candidate instead of A_k, the tagging ablation trains on the same
// N curated pairs without S_a / S_w and answers without them.
import { fitLogScaling, type ScalingFit } from '../method/scaling';
import { effectivePair, isCurated, type CurationRule } from '../method/selection';
import type { SweepArm, SweepArmKind } from '../domain';
import type { Store } from '../store';

export interface SweepChoice {
  ns: number[];
  curation: boolean;
  tagging: boolean;
}

/** Pairs a run can give: A_k under the rule, and every usable candidate (for the ablation). */
export interface PairPools {
  curated: number;
  all: number;
}

export type SweepArmsPlan =
  { ok: true; arms: SweepArm[]; notes: string[] } | { ok: false; message: string };

export const DEFAULT_SWEEP_NS: readonly number[] = [8, 16, 32, 64];

export async function countPairPools(
  store: Pick<Store, 'candidates'>,
  runId: string,
  rule: CurationRule,
): Promise<PairPools> {
  const all = await store.candidates.listByRun(runId);
  return {
    curated: all.filter((c) => isCurated(c, rule)).length,
    all: all.filter((c) => !c.filterReason && effectivePair(c).instruction.trim()).length,
  };
}

function arm(kind: SweepArmKind, n: number): SweepArm {
  return { key: `${kind}-${n}`, kind, n, status: 'pending' };
}

/** The arms of a sweep, or why none can run; sizes beyond A_k are left out with a note. */
export function planSweepArms(choice: SweepChoice, pools: PairPools): SweepArmsPlan {
  const asked = [...new Set(choice.ns.filter((n) => Number.isInteger(n) && n > 0))].sort(
    (a, b) => a - b,
  );
  if (asked.length < 2)
    return { ok: false, message: 'Choose at least two different sizes N (whole numbers > 0).' };
  const ns = asked.filter((n) => n <= pools.curated);
  const notes: string[] = [];
  const cut = asked.filter((n) => n > pools.curated);
  if (ns.length < 2)
    return {
      ok: false,
      message:
        `A_k of this run holds ${pools.curated} curated pair${pools.curated === 1 ? '' : 's'}: ` +
        `a sweep needs at least two sizes N of at most ${pools.curated}. Curate more candidates ` +
        `(or lower k) or choose smaller N.`,
    };
  if (cut.length)
    notes.push(
      `A_k holds ${pools.curated} curated pairs: N = ${cut.join(', ')} left out (capped at what A_k holds).`,
    );
  const arms = ns.map((n) => arm('curated', n));
  const top = ns[ns.length - 1];
  if (choice.curation) {
    if (pools.all >= top) arms.push(arm('uncurated', top));
    else
      notes.push(
        `Only ${pools.all} usable candidates: the curation ablation at N = ${top} is left out.`,
      );
  }
  if (choice.tagging) arms.push(arm('untagged', top));
  return { ok: true, arms, notes };
}

/** Parses "8, 16, 32" into sizes; null when a part is not a whole number. */
export function parseSizes(text: string): number[] | null {
  const parts = text.split(/[\s,;]+/).filter(Boolean);
  const ns = parts.map(Number);
  return parts.length && ns.every((n) => Number.isInteger(n) && n > 0) ? ns : null;
}

export interface SweepCurve {
  /** Done curve arms: N and win rate ± s.e. in percent. */
  points: { n: number; winRate: number; se: number }[];
  /** w = alpha log N + C over those points (natural log), with two sizes or more. */
  fit: ScalingFit | null;
  /** Ablation arms beside the curve arm of the same N (v1 Fig. 7, Table 8). */
  ablations: { kind: 'uncurated' | 'untagged'; n: number; arm: SweepArm; curated?: SweepArm }[];
}

/** The sweep's results so far: the curve's points, its fit and the ablation rows. */
export function sweepCurve(arms: readonly SweepArm[]): SweepCurve {
  const done = (a: SweepArm) => a.status === 'done' && typeof a.winRate === 'number';
  const points = arms
    .filter((a) => a.kind === 'curated' && done(a))
    .map((a) => ({ n: a.n, winRate: a.winRate!, se: a.se ?? 0 }));
  const fit = new Set(points.map((p) => p.n)).size >= 2 ? fitLogScaling(points) : null;
  const ablations = arms
    .filter((a): a is SweepArm & { kind: 'uncurated' | 'untagged' } => a.kind !== 'curated')
    .map((a) => ({
      kind: a.kind,
      n: a.n,
      arm: a,
      curated: arms.find((c) => c.kind === 'curated' && c.n === a.n),
    }));
  return { points, fit, ablations };
}
