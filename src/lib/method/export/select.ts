// Which pairs an export includes (issue 11 item 5): by the paper's threshold k on one
// iteration's rating (§2.3: A_k = pairs scored ≥ k; main setting k = 5), by the fast mode's
// expected score, or all of them; a person's accept or reject always wins (selection.ts), and
// their edited text replaces the model's. Seed pairs are not rated and are kept unless
// rejected. Works on a stream: one pair in, at most one row out.
import { isSelected, overrideDecision } from '../selection';
import type { ExampleOrigin } from '../tagging';
import type { ExportPair, ExportRating, ExportRow, PairSource } from './types';

export type SelectionRule =
  | { by: 'all' }
  /** Paper mode: score ≥ k on the chosen iteration's rating. */
  | { by: 'score'; k: number }
  /** Fast mode: expected score ≥ atLeast. */
  | { by: 'expected'; atLeast: number };

export interface ExportSelection {
  rule: SelectionRule;
  /** Whose rating decides: the iteration (default: each pair's latest) and the rater. */
  iteration?: number;
  rater?: string;
  /** Origins to include (default both: the seed is part of the training data, §2.3). */
  origins?: ExampleOrigin[];
}

/** The rating that decides for one pair: the requested iteration/rater, else the latest. */
export function decidingRating(
  pair: ExportPair,
  sel: Pick<ExportSelection, 'iteration' | 'rater'>,
): ExportRating | undefined {
  let best: ExportRating | undefined;
  for (const r of pair.ratings ?? []) {
    if (sel.iteration !== undefined && r.iteration !== sel.iteration) continue;
    if (sel.rater !== undefined && r.rater !== sel.rater) continue;
    if (!best || r.iteration >= best.iteration) best = r;
  }
  return best;
}

/** Whether a pair is exported under a selection (overrides first, then the rule). */
export function isExported(pair: ExportPair, sel: ExportSelection): boolean {
  const origins = sel.origins ?? ['seed', 'augmented'];
  if (!origins.includes(pair.origin)) return false;
  const override = overrideDecision(pair.override);
  if (override) return override === 'keep';
  if (pair.origin === 'seed' || sel.rule.by === 'all') return true;
  const rating = decidingRating(pair, sel);
  if (sel.rule.by === 'score') return isSelected({ score: rating?.score }, sel.rule.k);
  return typeof rating?.expected === 'number' && rating.expected >= sel.rule.atLeast;
}

/** The row a writer sees: edits applied, the deciding rating flattened. */
export function toRow(pair: ExportPair, sel: Pick<ExportSelection, 'iteration' | 'rater'> = {}) {
  const o = pair.override;
  const instruction = o?.instruction ?? pair.instruction;
  const output = o?.output ?? pair.output;
  const rating = decidingRating(pair, sel);
  const row: ExportRow = { instruction, output, origin: pair.origin };
  if (pair.input) row.input = pair.input;
  if (rating) {
    row.rater = rating.rater;
    row.iteration = rating.iteration;
    if (rating.score !== undefined) row.score = rating.score;
    if (rating.expected !== undefined) row.expected = rating.expected;
  }
  if (o?.verdict) row.verdict = o.verdict;
  if (instruction !== pair.instruction || output !== pair.output) row.edited = true;
  if (pair.provenance?.source) row.source = pair.provenance.source;
  return row;
}

/** Streams the selected pairs as rows, pulling one pair at a time from the source. */
export async function* selectRows(
  pairs: PairSource<ExportPair>,
  sel: ExportSelection,
): AsyncGenerator<ExportRow> {
  for await (const pair of pairs) if (isExported(pair, sel)) yield toRow(pair, sel);
}
