// The numbers the workshop's slides show (issue 12 §4), computed from what the workspace holds:
// the corpus totals, the seed pairs, one run's candidates and lineage, the adapters and the
// evaluations. Pure functions over plain records, so every figure a slide shows can be checked
// against a hand-computed value; nothing here invents a number: a step that has not produced
// anything yet gives null, and the slide says what is missing.
import type {
  Candidate,
  EngineKind,
  Evaluation,
  Rating,
  RatingMode,
  Run,
  SeedPair,
  StageLineage,
} from '../domain';
import { keptAgreement, spearman } from '../method/agreement';
import { effectivePair, isSelected, overrideDecision, type Scored } from '../method/selection';
import { lengthStats, type LengthStats } from '../method/stats';
import { statsTable, type StatsRow } from '../method/stats-table';
import { seedInstruction } from '../train/data';
import { sweepCurve } from '../pipeline/sweep-plan';
import type { Sweep } from '../domain';

/** Corpus totals as the Data step counts them (ports.ts WorkspaceTotals). */
export interface CorpusNumbers {
  documents: number;
  segments: number;
  kept: number;
}

/** One rater's pass over the candidates: iteration t in one mode (§2.3). */
export interface CurationNumbers {
  iteration: number;
  mode: RatingMode;
  /** The rater's label as the ratings record it (model id, + adapter). */
  rater: string;
  /** Usable candidates with a rating of (t, mode). */
  rated: number;
  /** Paper-mode ratings with no readable score (kept as ratings, never kept as pairs). */
  failures: number;
  /** Ratings 1..5 (fast mode: the most probable rating). */
  histogram: number[];
  /** Kept at k = 5 and at k ≥ 4 (a person's accept/reject wins), and their shares of `rated`. */
  keptAt5: number;
  keptAt4: number;
  rateAt5: number;
  rateAt4: number;
}

/** M0 against M1 as raters (§3 iterations; v1 Table 7): the pairs both rated in one mode. */
export interface RaterComparison {
  mode: RatingMode;
  m0: string;
  m1: string;
  /** Pairs with a readable score from both raters. */
  pairs: number;
  keptByM0: number;
  keptByM1: number;
  keptByBoth: number;
  /** Spearman's rho of the two raters' scores; null when undefined (e.g. one rater constant). */
  spearman: number | null;
  /** Cohen's kappa on keep/drop at k = 5; null when undefined. */
  kappa: number | null;
}

export interface WorkshopNumbers {
  corpus: CorpusNumbers;
  seed: { count: number; instruction: LengthStats; output: LengthStats };
  /** The run the slides read, or null when the workspace has none. */
  run: { id: string; name: string } | null;
  /** The backward model's stages as the run's lineage records them. */
  backward: { trained: StageLineage | null; augmentedBy: StageLineage | null };
  augmentation: {
    candidates: number;
    usable: number;
    filtered: Record<string, number>;
    truncated: number;
    instruction: LengthStats;
  } | null;
  /** First iteration's curation (paper mode when it exists), or null before any rating. */
  curation: CurationNumbers | null;
  /** Every (iteration, mode) pass, in order. */
  curations: CurationNumbers[];
  /** The paper's statistics table for the run at the latest rated iteration. */
  stats: { iteration: number; mode: RatingMode; rows: StatsRow[] } | null;
  raters: RaterComparison | null;
  /** Train stages of the run (M0, M1, M2 …) and the workspace's adapters. */
  training: { models: StageLineage[]; adapters: number };
  /** Pairwise evaluations, newest first. */
  evaluations: Evaluation[];
  /**
   * The newest data-scaling sweep with a fit (issue 12 item 3): the user's alpha, its standard
   * error (null with two sizes) and the sizes it was fitted on.
   */
  sweep: { name: string; alpha: number; alphaSe: number | null; ns: number[] } | null;
  /** Engines the run's stages ran on: 'fake' means the numbers come from the demo stand-in. */
  engines: EngineKind[];
}

export interface WorkshopInput {
  corpus: CorpusNumbers;
  seeds: SeedPair[];
  run: Run | null;
  candidates: Candidate[];
  adapters: number;
  evaluations: Evaluation[];
  /** The workspace's data-scaling sweeps (any order). */
  sweeps?: Sweep[];
}

/** The newest sweep whose finished arms give a fit. */
export function sweepAlpha(sweeps: readonly Sweep[]): WorkshopNumbers['sweep'] {
  for (const sweep of [...sweeps].sort((a, b) => b.createdAt - a.createdAt)) {
    const { fit, points } = sweepCurve(sweep.arms);
    if (fit)
      return {
        name: sweep.name,
        alpha: fit.alpha,
        alphaSe: fit.alphaSe,
        ns: points.map((p) => p.n),
      };
  }
  return null;
}

/** The latest rating of (iteration, mode), the one selection reads. */
function latestRating(c: Candidate, iteration: number, mode: RatingMode): Rating | undefined {
  let latest: Rating | undefined;
  for (const r of c.ratings) if (r.iteration === iteration && r.mode === mode) latest = r;
  return latest;
}

/** As selection sees a candidate for (t, mode): its latest score and a person's verdict. */
function scoredAs(c: Candidate, iteration: number, mode: RatingMode): Scored {
  return {
    score: latestRating(c, iteration, mode)?.score ?? null,
    override: overrideDecision(c.override),
  };
}

/** Every (iteration, mode) that has ratings, iteration first, paper before fast. */
function passes(candidates: Candidate[]): { iteration: number; mode: RatingMode }[] {
  const keys = new Set<string>();
  for (const c of candidates) for (const r of c.ratings) keys.add(`${r.iteration}|${r.mode}`);
  return [...keys]
    .map((k) => {
      const [t, mode] = k.split('|');
      return { iteration: Number(t), mode: mode as RatingMode };
    })
    .sort((a, b) => a.iteration - b.iteration || (a.mode === 'paper' ? -1 : 1));
}

export function curationNumbers(
  usable: Candidate[],
  iteration: number,
  mode: RatingMode,
): CurationNumbers {
  const histogram = [0, 0, 0, 0, 0];
  let rated = 0;
  let failures = 0;
  let keptAt5 = 0;
  let keptAt4 = 0;
  let rater = '';
  for (const c of usable) {
    const r = latestRating(c, iteration, mode);
    if (!r) continue;
    rated++;
    rater ||= r.rater;
    if (r.score === null) failures++;
    else histogram[r.score - 1]++;
    const s = scoredAs(c, iteration, mode);
    if (isSelected(s, 5)) keptAt5++;
    if (isSelected(s, 4)) keptAt4++;
  }
  return {
    iteration,
    mode,
    rater,
    rated,
    failures,
    histogram,
    keptAt5,
    keptAt4,
    rateAt5: rated ? keptAt5 / rated : 0,
    rateAt4: rated ? keptAt4 / rated : 0,
  };
}

/**
 * M0 (iteration 1) against M1 (iteration 2) in the same mode, over pairs both scored. The
 * raters' own decisions: a person's override is left out, it would make them agree by fiat.
 */
export function raterComparison(usable: Candidate[], mode: RatingMode): RaterComparison | null {
  const a: number[] = [];
  const b: number[] = [];
  let m0 = '';
  let m1 = '';
  for (const c of usable) {
    const r0 = latestRating(c, 1, mode);
    const r1 = latestRating(c, 2, mode);
    if (r0?.score == null || r1?.score == null) continue;
    m0 ||= r0.rater;
    m1 ||= r1.rater;
    a.push(r0.score);
    b.push(r1.score);
  }
  if (a.length === 0) return null;
  const kept = keptAgreement(
    a.map((s) => s >= 5),
    b.map((s) => s >= 5),
  );
  return {
    mode,
    m0,
    m1,
    pairs: a.length,
    keptByM0: kept.both + kept.onlyA,
    keptByM1: kept.both + kept.onlyB,
    keptByBoth: kept.both,
    spearman: spearman(a, b),
    kappa: kept.kappa,
  };
}

export function workshopNumbers(input: WorkshopInput): WorkshopNumbers {
  const { run, candidates } = input;
  const lineage = run?.config.lineage ?? [];
  const usable = candidates.filter((c) => !c.filterReason);
  const seedPairs = input.seeds.map((s) => ({ instruction: seedInstruction(s), output: s.output }));
  const all = passes(usable);
  const curations = all.map((p) => curationNumbers(usable, p.iteration, p.mode));
  // Passes are sorted iteration first, paper before fast: the first is iteration 1's paper pass.
  const first = curations[0] ?? null;
  const last = all.length
    ? (all.filter((p) => p.iteration === all[all.length - 1].iteration)[0] ?? null)
    : null;
  const bothIterations = (mode: RatingMode) =>
    all.some((p) => p.iteration === 1 && p.mode === mode) &&
    all.some((p) => p.iteration === 2 && p.mode === mode);
  const raterMode: RatingMode | null = bothIterations('paper')
    ? 'paper'
    : bothIterations('fast')
      ? 'fast'
      : null;
  const filtered: Record<string, number> = {};
  let truncated = 0;
  for (const c of candidates) {
    if (c.filterReason) filtered[c.filterReason] = (filtered[c.filterReason] ?? 0) + 1;
    if (c.truncated) truncated++;
  }
  const engines = [...new Set(lineage.map((l) => l.engine).filter((e) => e !== undefined))];
  return {
    corpus: input.corpus,
    seed: {
      count: seedPairs.length,
      instruction: lengthStats(seedPairs.map((p) => p.instruction)),
      output: lengthStats(seedPairs.map((p) => p.output)),
    },
    run: run ? { id: run.id, name: run.name } : null,
    backward: {
      trained: lineage.find((l) => l.kind === 'train-backward') ?? null,
      augmentedBy: lineage.find((l) => l.kind === 'augment') ?? null,
    },
    augmentation: candidates.length
      ? {
          candidates: candidates.length,
          usable: usable.length,
          filtered,
          truncated,
          instruction: lengthStats(usable.map((c) => c.instruction)),
        }
      : null,
    curation: first,
    curations,
    stats: last
      ? {
          iteration: last.iteration,
          mode: last.mode,
          rows: statsTable(
            seedPairs,
            usable.map((c) => ({
              ...effectivePair(c),
              ...scoredAs(c, last.iteration, last.mode),
            })),
          ),
        }
      : null,
    raters: raterMode ? raterComparison(usable, raterMode) : null,
    training: { models: lineage.filter((l) => l.kind === 'train'), adapters: input.adapters },
    evaluations: [...input.evaluations].sort((a, b) => b.createdAt - a.createdAt),
    sweep: sweepAlpha(input.sweeps ?? []),
    engines,
  };
}
