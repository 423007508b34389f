// Stored records as the export writers see them (issue 11 items 4–5): a seed pair and a
// run's candidate become plain ExportPairs. A candidate's ratings keep their iteration; the
// rater is named by its role in the method, M_{t-1} rates for A^(t) (§2.3, iterations §3),
// with " fast" for fast-mode ratings, so the histograms and the "which rating decides" choice
// tell paper and fast ratings of the same iteration apart. Unusable instructions (filter
// reason set) are left out unless a person accepted them: selection does the same
// (selection.ts isCurated).
import type { Candidate, Rating } from '../../domain/runs';
import type { SeedPair } from '../../domain/seeds';
import type { ExportPair, ExportRating } from './types';

/** The rater's label for a rating: 'M0' (paper mode, iteration 1), 'M1 fast', ... */
export function raterLabel(r: Pick<Rating, 'iteration' | 'mode'>): string {
  return `M${r.iteration - 1}${r.mode === 'fast' ? ' fast' : ''}`;
}

function exportRating(r: Rating): ExportRating {
  const out: ExportRating = { rater: raterLabel(r), iteration: r.iteration, score: r.score };
  if (r.expected !== undefined) out.expected = r.expected;
  return out;
}

/** The latest rating of each (iteration, mode), in first-seen order: a re-rating replaces. */
function latestRatings(ratings: readonly Rating[]): Rating[] {
  const latest = new Map<string, Rating>();
  for (const r of ratings) latest.set(`${r.iteration}/${r.mode}`, r);
  return [...latest.values()];
}

export function seedToPair(s: SeedPair): ExportPair {
  const pair: ExportPair = {
    instruction: s.instruction,
    output: s.output,
    origin: 'seed',
    provenance: { source: s.source },
  };
  if (s.input) pair.input = s.input;
  return pair;
}

/** Whether a candidate takes part in export and statistics at all. */
export function isExportable(c: Pick<Candidate, 'filterReason' | 'override'>): boolean {
  return !c.filterReason || c.override?.verdict === 'accept';
}

export function candidateToPair(c: Candidate): ExportPair {
  const pair: ExportPair = {
    instruction: c.instruction,
    output: c.output,
    origin: 'augmented',
    ratings: latestRatings(c.ratings).map(exportRating),
    provenance: { segmentId: c.segmentId, headerPath: c.headerPath },
  };
  const o = c.override;
  if (o && (o.verdict || o.instruction !== undefined || o.output !== undefined)) {
    pair.override = {};
    if (o.verdict) pair.override.verdict = o.verdict;
    if (o.instruction !== undefined) pair.override.instruction = o.instruction;
    if (o.output !== undefined) pair.override.output = o.output;
  }
  return pair;
}
