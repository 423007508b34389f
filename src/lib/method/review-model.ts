// A run's candidates as the Review screen holds them in memory (issue 11 §1): compact rows
// (review-rows.ts), their positions by id, and the word index for full-text search
// (review-search.ts). Plain data, no framework: the state class wraps it, tests and the
// 100k-row benchmark drive it directly.
import type { Candidate, Id } from '../domain';
import {
  emptySchema,
  filterRows,
  isChanged,
  keptCount,
  sortRows,
  toRow,
  type ReviewFilter,
  type ReviewRow,
  type ReviewSort,
  type RowKeepRule,
  type RowSchema,
} from './review-rows';
import { SearchIndex } from './review-search';
import { effectivePair } from './selection';

export class ReviewModel {
  readonly rows: ReviewRow[] = [];
  readonly schema: RowSchema = emptySchema();
  private readonly index = new SearchIndex();
  private readonly positions = new Map<Id, number>();

  /** Appends a candidate (in the run's write order). */
  add(c: Candidate): ReviewRow {
    const pos = this.rows.length;
    const row = toRow(c, pos, this.schema);
    this.rows.push(row);
    this.positions.set(c.id, pos);
    this.index.add(pos, c.instruction, c.output);
    if (row.edited) this.index.replace(pos, Object.values(effectivePair(c)));
    return row;
  }

  /** Rebuilds a candidate's row after its override changed; returns [old, new], or null. */
  update(c: Candidate): [ReviewRow, ReviewRow] | null {
    const pos = this.positions.get(c.id);
    if (pos === undefined) return null;
    const old = this.rows[pos];
    const row = toRow(c, old.seq, this.schema);
    this.rows[pos] = row;
    this.index.replace(pos, row.edited ? Object.values(effectivePair(c)) : undefined);
    return [old, row];
  }

  /** The rows that pass the filter and match the query, sorted. */
  select(filter: ReviewFilter, query: string, sort: ReviewSort): ReviewRow[] {
    const found = this.index.search(query);
    const passing = filterRows(this.rows, filter, found ?? undefined);
    return sortRows(this.rows, passing, sort).map((i) => this.rows[i]);
  }

  /** Distinct filter reasons, sorted. */
  reasons(): string[] {
    const seen = new Set<string>();
    for (const r of this.rows) if (r.filterReason) seen.add(r.filterReason);
    return [...seen].sort();
  }

  changedCount(): number {
    let n = 0;
    for (const r of this.rows) if (isChanged(r)) n++;
    return n;
  }

  kept(column: number, rule: RowKeepRule): number {
    return keptCount(this.rows, this.schema, column, rule);
  }
}
