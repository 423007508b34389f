// Running the method's stages (augment, curate) on the StageRunner with their lineage, and
// reading a run back as the chain the run page shows: M0 → A(1) → M1 → A(2) → M2 (§2.3, §3),
// with counts at each step. Iterations are whatever the run's ratings and lineage hold.
import type { Engine } from '../engines/engine';
import { modeAgreement, type ModeAgreement } from '../method/agreement';
import { isCurated, isSelectedFast, type FastRule } from '../method/selection';
import type { Id, RatingMode, StageLineage } from '../domain';
import type { Store } from '../store';
import {
  StageRunner,
  type RunStageOptions,
  type StageDefinition,
  type StageItem,
  type StageOutcome,
} from './stage-runner';

/**
 * Runs (or resumes) a stage and records its lineage once: the first start appends it, a
 * resume finds it already there (same stage name) and appends nothing.
 */
export async function runMethodStage<I extends StageItem, R>(
  store: Pick<Store, 'stages' | 'runs'>,
  engine: Engine,
  runId: Id,
  definition: StageDefinition<I, R>,
  lineage: StageLineage,
  opts: RunStageOptions = {},
): Promise<StageOutcome> {
  const run = await store.runs.get(runId);
  if (run && !(run.config.lineage ?? []).some((l) => l.stage === definition.stage)) {
    await store.runs.appendLineage(runId, lineage);
  }
  return new StageRunner(store, engine).run(runId, definition, opts);
}

/** Keep rule of a curated set: paper mode keeps score ≥ k; fast mode uses `fast`. */
export interface KeepRule {
  k: number;
  fast: FastRule;
}

export const DEFAULT_KEEP_RULE: KeepRule = { k: 5, fast: { by: 'expected', atLeast: 4.5 } };

/** One iteration's ratings in one mode: A^(t) under the keep rule. */
export interface CurationCounts {
  iteration: number;
  mode: RatingMode;
  /** Candidates with a rating of (t, mode). */
  rated: number;
  /** Paper-mode parse failures by reason. */
  failures: Record<string, number>;
  /** Latest ratings by score 1..5 (fast mode: by the most probable rating). */
  histogram: number[];
  /** |A^(t)| under the keep rule (overrides included). */
  kept: number;
}

export interface RunSummary {
  candidates: number;
  usable: number;
  /** Unusable instructions by filter reason (augment). */
  filtered: Record<string, number>;
  truncated: number;
  curations: CurationCounts[];
  /** Fast vs paper agreement per iteration that has both. */
  agreement: { iteration: number; report: ModeAgreement }[];
  /** Train stages recorded in the lineage (M0, M1, M2 ...) by iteration. */
  models: StageLineage[];
}

/** The run's chain with counts, read from its candidates and lineage. */
export async function summarizeRun(
  store: Pick<Store, 'candidates' | 'runs'>,
  runId: Id,
  rule: KeepRule = DEFAULT_KEEP_RULE,
): Promise<RunSummary> {
  const [candidates, run] = await Promise.all([
    store.candidates.listByRun(runId),
    store.runs.get(runId),
  ]);
  const filtered: Record<string, number> = {};
  let truncated = 0;
  const seen = new Map<string, CurationCounts>();
  for (const c of candidates) {
    if (c.filterReason) filtered[c.filterReason] = (filtered[c.filterReason] ?? 0) + 1;
    if (c.truncated) truncated++;
    const latest = new Map<string, (typeof c.ratings)[number]>();
    for (const r of c.ratings) latest.set(`${r.iteration}|${r.mode}`, r);
    for (const r of latest.values()) {
      const key = `${r.iteration}|${r.mode}`;
      let counts = seen.get(key);
      if (!counts) {
        counts = {
          iteration: r.iteration,
          mode: r.mode,
          rated: 0,
          failures: {},
          histogram: [0, 0, 0, 0, 0],
          kept: 0,
        };
        seen.set(key, counts);
      }
      counts.rated++;
      if (r.score === null)
        counts.failures[r.failure ?? 'no-score'] =
          (counts.failures[r.failure ?? 'no-score'] ?? 0) + 1;
      else counts.histogram[r.score - 1]++;
      if (isCurated(c, { iteration: r.iteration, mode: r.mode, k: rule.k, fast: rule.fast }))
        counts.kept++;
    }
  }
  const curations = [...seen.values()].sort(
    (a, b) => a.iteration - b.iteration || a.mode.localeCompare(b.mode),
  );
  const iterations = new Set(curations.map((c) => c.iteration));
  const agreement = [...iterations]
    .filter(
      (t) =>
        curations.some((c) => c.iteration === t && c.mode === 'paper') &&
        curations.some((c) => c.iteration === t && c.mode === 'fast'),
    )
    .map((t) => ({
      iteration: t,
      report: modeAgreement(candidates, t, rule.k, (p) => isSelectedFast(p, rule.fast)),
    }));
  return {
    candidates: candidates.length,
    usable: candidates.filter((c) => !c.filterReason).length,
    filtered,
    truncated,
    curations,
    agreement,
    models: (run?.config.lineage ?? []).filter((l) => l.kind === 'train'),
  };
}
