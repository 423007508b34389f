// The Review screen's row model (issue 11 §1): one compact row per candidate — the (edited)
// instruction, a short preview of the output, the latest score of every rating column
// (iteration t × mode; M_{t-1} rates for A^(t), §2.3) and the person's verdict — so thousands
// of candidates are filtered and sorted in memory without holding passages, reasoning or raw
// rater outputs. Full text lives in the store; search goes through review-search.ts.
import type { Candidate, CandidateOverride, Id, RatingMode, Verdict } from '../domain';
import { detach } from './review-search';
import { effectivePair, type FastRule } from './selection';

/** Characters of the output the table shows. */
export const PREVIEW_CHARS = 160;

/** One rating column: the latest rating of iteration t in one mode (rater M_{t-1}). */
export interface RatingColumn {
  iteration: number;
  mode: RatingMode;
}

export const columnKey = (c: RatingColumn): string => `${c.iteration}-${c.mode}`;

/** The column's title: M0 rates for iteration 1, M1 for iteration 2 (§3). */
export const columnLabel = (c: RatingColumn): string =>
  `M${c.iteration - 1} ${c.mode === 'paper' ? 'score' : 'E[s]'}`;

export interface ReviewRow {
  id: Id;
  /** Position in the run's write order (the table's natural order). */
  seq: number;
  /** The instruction as used (a person's edit wins). */
  instruction: string;
  preview: string;
  outputChars: number;
  /**
   * Per column (index into the table's columns): paper mode the score (0 = no score could be
   * read), fast mode the expected score; NaN or missing when not rated.
   */
  scores: number[];
  /** Fast columns: P(score = 5), for the P(5) keep rule; NaN elsewhere. */
  p5: number[];
  /** Bit i set when rater i (the table's raters list) rated this candidate. */
  raterBits: number;
  filterReason?: string;
  verdict?: Verdict;
  /** The person edited the instruction or the output. */
  edited: boolean;
}

/** Rating columns and rater labels, grown as candidates are added (shared by all rows). */
export interface RowSchema {
  columns: RatingColumn[];
  raters: string[];
}

export const emptySchema = (): RowSchema => ({ columns: [], raters: [] });

function indexOf<T>(list: T[], match: (x: T) => boolean, make: () => T): number {
  const i = list.findIndex(match);
  if (i >= 0) return i;
  list.push(make());
  return list.length - 1;
}

/**
 * The expected score as selection computes it from the distribution (same sum, same order, so
 * the kept count here and isSelectedFast agree to the last bit); the stored one otherwise.
 */
function fastExpected(r: Candidate['ratings'][number]): number {
  if (r.distribution?.length === 5)
    return r.distribution.reduce((acc, p, i) => acc + p * (i + 1), 0);
  return r.expected ?? NaN;
}

/** A candidate as a row; adds columns and raters it is the first to have to `schema`. */
export function toRow(c: Candidate, seq: number, schema: RowSchema): ReviewRow {
  const pair = effectivePair(c);
  const scores: number[] = [];
  const p5: number[] = [];
  let raterBits = 0;
  // Ratings are oldest first: the last one of a column is the latest.
  for (const r of c.ratings) {
    const col = indexOf(
      schema.columns,
      (x) => x.iteration === r.iteration && x.mode === r.mode,
      () => ({ iteration: r.iteration, mode: r.mode }),
    );
    const rater = indexOf(
      schema.raters,
      (x) => x === r.rater,
      () => r.rater,
    );
    if (rater < 31) raterBits |= 1 << rater;
    while (scores.length <= col) {
      scores.push(NaN);
      p5.push(NaN);
    }
    scores[col] = r.mode === 'fast' ? fastExpected(r) : (r.score ?? 0);
    p5[col] = r.distribution?.[4] ?? NaN;
  }
  const row: ReviewRow = {
    id: c.id,
    seq,
    instruction: pair.instruction,
    preview: detach(pair.output.slice(0, PREVIEW_CHARS)),
    outputChars: pair.output.length,
    scores,
    p5,
    raterBits,
    edited: c.override?.instruction !== undefined || c.override?.output !== undefined,
  };
  if (c.filterReason) row.filterReason = c.filterReason;
  if (c.override?.verdict) row.verdict = c.override.verdict;
  return row;
}

export type VerdictFilter = 'any' | 'none' | 'accept' | 'reject' | 'edited' | 'changed';

export interface ReviewFilter {
  /** Index into the schema's columns the score range applies to; -1 for none. */
  column: number;
  /** Inclusive range on that column's score (paper: 0 = unreadable; fast: expected). */
  min: number;
  max: number;
  /** Only candidates this rater rated (index into schema.raters); -1 for any. */
  rater: number;
  /** '' any, 'usable' no filter reason, else that filter reason. */
  reason: string;
  verdict: VerdictFilter;
}

export const anyFilter = (): ReviewFilter => ({
  column: -1,
  min: 0,
  max: 5,
  rater: -1,
  reason: '',
  verdict: 'any',
});

/** Whether a person changed the row (a verdict or an edit): what the "changed" count counts. */
export const isChanged = (r: ReviewRow): boolean => r.verdict !== undefined || r.edited;

export function matchesFilter(r: ReviewRow, f: ReviewFilter): boolean {
  if (f.column >= 0) {
    const s = r.scores[f.column];
    if (s === undefined || Number.isNaN(s) || s < f.min || s > f.max) return false;
  }
  if (f.rater >= 0 && !(r.raterBits & (1 << f.rater))) return false;
  if (
    f.reason === 'usable' ? r.filterReason !== undefined : f.reason && r.filterReason !== f.reason
  )
    return false;
  switch (f.verdict) {
    case 'none':
      return r.verdict === undefined;
    case 'accept':
    case 'reject':
      return r.verdict === f.verdict;
    case 'edited':
      return r.edited;
    case 'changed':
      return isChanged(r);
    default:
      return true;
  }
}

/** Positions (into `rows`) of the rows that pass, in row order; `among` narrows first. */
export function filterRows(
  rows: readonly ReviewRow[],
  f: ReviewFilter,
  among?: Iterable<number>,
): number[] {
  const out: number[] = [];
  if (among) {
    for (const i of among) if (matchesFilter(rows[i], f)) out.push(i);
    return out.sort((a, b) => a - b);
  }
  for (let i = 0; i < rows.length; i++) if (matchesFilter(rows[i], f)) out.push(i);
  return out;
}

/** 'seq' | 'instruction' | 'output' | 'reason' | 'verdict' | a column index as `col:<i>`. */
export type SortKey = 'seq' | 'instruction' | 'output' | 'reason' | 'verdict' | `col:${number}`;

export interface ReviewSort {
  key: SortKey;
  descending: boolean;
}

const VERDICT_ORDER: Record<string, number> = { accept: 0, reject: 1 };

/**
 * Sorts positions by a column; ties keep write order. Unrated rows go last either way, so a
 * descending sort by score starts with the best-rated pairs.
 */
export function sortRows(
  rows: readonly ReviewRow[],
  positions: number[],
  sort: ReviewSort,
): number[] {
  const dir = sort.descending ? -1 : 1;
  const out = positions.slice();
  if (sort.key === 'seq') {
    out.sort((a, b) => dir * (rows[a].seq - rows[b].seq));
    return out;
  }
  if (sort.key.startsWith('col:')) {
    const col = Number(sort.key.slice(4));
    const keys = new Float64Array(rows.length);
    for (const i of out) keys[i] = rows[i].scores[col] ?? NaN;
    out.sort((a, b) => {
      const x = keys[a];
      const y = keys[b];
      const nx = Number.isNaN(x);
      const ny = Number.isNaN(y);
      if (nx || ny) return nx === ny ? rows[a].seq - rows[b].seq : nx ? 1 : -1;
      return dir * (x - y) || rows[a].seq - rows[b].seq;
    });
    return out;
  }
  // Text columns: one lower-cased key per row, compared by code unit (a collator is ~10×
  // slower at 100k rows and the order only has to be predictable).
  const text = (r: ReviewRow): string =>
    sort.key === 'instruction'
      ? r.instruction.toLowerCase()
      : sort.key === 'output'
        ? r.preview.toLowerCase()
        : sort.key === 'reason'
          ? (r.filterReason ?? '')
          : String(r.verdict ? VERDICT_ORDER[r.verdict] : 9) + (r.edited ? 'a' : 'b');
  const keys: string[] = new Array<string>(rows.length);
  for (const i of out) keys[i] = text(rows[i]);
  out.sort((a, b) => {
    const x = keys[a];
    const y = keys[b];
    return (x < y ? -dir : x > y ? dir : 0) || rows[a].seq - rows[b].seq;
  });
  return out;
}

/** Keep rule of the chosen column: paper keeps score ≥ k; fast uses `fast` (§2.3). */
export interface RowKeepRule {
  k: number;
  fast: FastRule;
}

/**
 * |A^(t)| for one rating column under the rule, overrides included — what
 * method/selection.ts isCurated decides, read from rows: accept keeps, reject and a filter
 * reason drop, else the column's latest rating decides.
 */
export function keptCount(
  rows: readonly ReviewRow[],
  schema: RowSchema,
  column: number,
  rule: RowKeepRule,
): number {
  const mode = schema.columns[column]?.mode;
  if (!mode) return 0;
  let kept = 0;
  for (const r of rows) {
    if (r.verdict === 'accept') kept++;
    else if (r.verdict === 'reject' || r.filterReason) continue;
    else {
      const s = r.scores[column];
      if (s === undefined || Number.isNaN(s)) continue;
      if (mode === 'paper') kept += s >= rule.k ? 1 : 0;
      else if (rule.fast.by === 'p5') kept += r.p5[column] >= rule.fast.atLeast ? 1 : 0;
      else kept += s >= rule.fast.atLeast ? 1 : 0;
    }
  }
  return kept;
}

/** The override after a verdict key: pressing the same verdict again keeps it (idempotent). */
export function withVerdict(
  o: CandidateOverride | undefined,
  verdict: Verdict,
  at: number,
): CandidateOverride {
  return { ...o, verdict, at };
}

/**
 * The override after an edit: a field equal to the model's text is no edit (left out); an
 * override left with no field is none at all (undefined), as domain/runs.ts asks.
 */
export function withEdit(
  c: Pick<Candidate, 'instruction' | 'output' | 'override'>,
  edit: { instruction: string; output: string },
  at: number,
): CandidateOverride | undefined {
  const next: CandidateOverride = { at };
  if (c.override?.verdict) next.verdict = c.override.verdict;
  if (edit.instruction !== c.instruction) next.instruction = edit.instruction;
  if (edit.output !== c.output) next.output = edit.output;
  return next.verdict || next.instruction !== undefined || next.output !== undefined
    ? next
    : undefined;
}
