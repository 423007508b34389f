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
  /**
   * Every row's position in each sort order asked for so far: sorting 100k rows by text takes
   * seconds, so an order is computed once and a filtered view just walks it (O(n)).
   */
  private readonly orders = new Map<string, Uint32Array>();

  /** Appends a candidate (in the run's write order). */
  add(c: Candidate): ReviewRow {
    const pos = this.rows.length;
    const row = toRow(c, pos, this.schema);
    this.rows.push(row);
    this.positions.set(c.id, pos);
    this.index.add(pos, c.instruction, c.output);
    if (row.edited) this.index.replace(pos, Object.values(effectivePair(c)));
    this.orders.clear();
    return row;
  }

  /** Shrinks the search index once loading is done (see SearchIndex.compact). */
  compact(): void {
    this.index.compact();
  }

  /** Rebuilds a candidate's row after its override changed; returns [old, new], or null. */
  update(c: Candidate): [ReviewRow, ReviewRow] | null {
    const pos = this.positions.get(c.id);
    if (pos === undefined) return null;
    const old = this.rows[pos];
    const row = toRow(c, old.seq, this.schema);
    this.rows[pos] = row;
    this.index.replace(pos, row.edited ? Object.values(effectivePair(c)) : undefined);
    // Only the verdict and the text can change under a person's hands.
    const textChanged = row.instruction !== old.instruction || row.preview !== old.preview;
    for (const key of [...this.orders.keys()])
      if (key.startsWith('verdict') || (textChanged && /^(instruction|output)/.test(key)))
        this.orders.delete(key);
    return [old, row];
  }

  /** The rows that pass the filter and match the query, sorted. */
  select(filter: ReviewFilter, query: string, sort: ReviewSort): ReviewRow[] {
    const found = this.index.search(query);
    const passing = filterRows(this.rows, filter, found ?? undefined);
    const order = this.order(sort);
    if (passing.length === this.rows.length) return Array.from(order, (i) => this.rows[i]);
    const keep = new Uint8Array(this.rows.length);
    for (const i of passing) keep[i] = 1;
    const out: ReviewRow[] = [];
    for (const i of order) if (keep[i]) out.push(this.rows[i]);
    return out;
  }

  /** All positions in `sort`'s order (cached; sortRows breaks ties by write order). */
  private order(sort: ReviewSort): Uint32Array {
    const key = `${sort.key}|${sort.descending}`;
    let order = this.orders.get(key);
    if (!order) {
      const all = Array.from(this.rows, (_, i) => i);
      // Write order is the rows' own order: nothing to sort (the table opens in it).
      order = Uint32Array.from(
        sort.key === 'seq' && !sort.descending ? all : sortRows(this.rows, all, sort),
      );
      this.orders.set(key, order);
    }
    return order;
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
