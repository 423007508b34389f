// State of the Review screen (issue 11 §1–3): a run's candidates as compact rows
// (method/review-rows.ts), filtered, searched (method/review-search.ts) and sorted in memory;
// a cursor the keyboard moves; the detail of one candidate read from the store on demand; and
// a person's overrides (accept, reject, edited text, clear), written through
// store.candidates.setOverride apart from the ratings, with an undo stack that restores the
// previous override exactly (none included). Selection for training and export reads the same
// overrides (method/selection.ts), so the kept count shown here is the one they will use.
import { ReviewModel } from '../method/review-model';
import {
  anyFilter,
  isChanged,
  withEdit,
  withVerdict,
  type RatingColumn,
  type ReviewFilter,
  type ReviewRow,
  type ReviewSort,
  type RowKeepRule,
} from '../method/review-rows';
import type { Candidate, CandidateOverride, DocumentRecord, Id, Verdict } from '../domain';
import type { Store } from '../store';
import { describeError } from './ports';

/** The store verbs this state uses (src/lib/store satisfies it). */
export type ReviewStore = {
  candidates: Pick<Store['candidates'], 'page' | 'get' | 'setOverride' | 'countByRun'>;
  documents: Pick<Store['documents'], 'get'>;
};

/** Candidates read per store transaction while loading. */
export const REVIEW_PAGE = 500;

export interface ReviewDetail {
  candidate: Candidate;
  document?: DocumentRecord;
}

interface UndoEntry {
  id: Id;
  /** The override before the change, as stored (undefined: there was none). */
  before: CandidateOverride | undefined;
}

export class ReviewState {
  runId = $state<string | null>(null);
  /** Rows shown, filtered and sorted (a new array whenever anything in it changes). */
  view = $state.raw<ReviewRow[]>([]);
  columns = $state.raw<RatingColumn[]>([]);
  raters = $state.raw<string[]>([]);
  /** Distinct filter reasons of the run's candidates. */
  reasons = $state.raw<string[]>([]);
  total = $state(0);
  loaded = $state(0);
  loading = $state(false);
  error = $state<string | null>(null);
  filter = $state<ReviewFilter>(anyFilter());
  query = $state('');
  sort = $state<ReviewSort>({ key: 'seq', descending: false });
  /** Index into `view` of the row the keyboard acts on. */
  cursor = $state(0);
  detail = $state<ReviewDetail | null>(null);
  editing = $state(false);
  /** Candidates with an override (verdict or edit). */
  changed = $state(0);
  undoDepth = $state(0);
  /** The rating column whose kept count is shown; -1 for none. */
  keepColumn = $state(-1);
  /** Bumped whenever a row changes, so derived counts recompute. */
  private version = $state(0);

  current: ReviewRow | undefined = $derived(this.view[this.cursor]);
  /** |A^(t)| of the chosen column under the run's keep rule, overrides included. */
  kept: number = $derived.by(() => {
    void this.version;
    return this.keepColumn < 0 ? 0 : this.model.kept(this.keepColumn, this.rule());
  });

  // Plain (not reactive): 100k rows behind a proxy would make every read slow.
  private model = new ReviewModel();
  private undoStack: UndoEntry[] = [];
  private opens = 0;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: ReviewStore,
    /** The run's keep rule (k, fast rule), as the Curate step's form has it. */
    private readonly rule: () => RowKeepRule,
    private readonly pageSize = REVIEW_PAGE,
  ) {}

  /** Loads a run's candidates page by page (the table fills as they come). */
  async open(runId: string): Promise<void> {
    const seq = ++this.opens;
    this.runId = runId;
    this.model = new ReviewModel();
    this.undoStack = [];
    this.undoDepth = 0;
    this.detail = null;
    this.editing = false;
    this.error = null;
    this.loading = true;
    this.loaded = 0;
    this.cursor = 0;
    try {
      this.total = await this.store.candidates.countByRun(runId);
      let after: Id | undefined;
      do {
        const page = await this.store.candidates.page(runId, this.pageSize, after);
        if (seq !== this.opens) return;
        for (const c of page.items) this.model.add(c);
        after = page.next ?? undefined;
        this.loaded = this.model.rows.length;
        this.publish();
      } while (after);
      this.model.compact();
    } catch (err) {
      if (seq === this.opens) this.error = describeError(err);
    } finally {
      if (seq === this.opens) this.loading = false;
    }
  }

  /** Refreshes the lists derived from the rows and re-applies filter, search and sort. */
  private publish(): void {
    this.columns = [...this.model.schema.columns];
    this.raters = [...this.model.schema.raters];
    this.reasons = this.model.reasons();
    this.changed = this.model.changedCount();
    if (this.keepColumn < 0 && this.columns.length) {
      // The latest paper-mode column (A^(t) as the paper selects it), else the latest one.
      const paper = this.columns.map((c) => c.mode).lastIndexOf('paper');
      this.keepColumn = paper >= 0 ? paper : this.columns.length - 1;
    }
    this.apply();
  }

  /** Applies the current filter, search and sort (call after changing any of them). */
  apply(): void {
    this.view = this.model.select(
      $state.snapshot(this.filter) as ReviewFilter,
      this.query,
      $state.snapshot(this.sort) as ReviewSort,
    );
    this.cursor = Math.max(0, Math.min(this.cursor, this.view.length - 1));
    this.version++;
  }

  /** Sorts by `key`; the same key again flips the direction. */
  sortBy(key: ReviewSort['key']): void {
    this.sort =
      this.sort.key === key
        ? { key, descending: !this.sort.descending }
        : { key, descending: key.startsWith('col:') };
    this.apply();
  }

  move(delta: number): void {
    this.moveTo(this.cursor + delta);
  }

  moveTo(i: number): void {
    this.cursor = Math.max(0, Math.min(i, this.view.length - 1));
    if (this.detail && this.current) void this.openDetail();
  }

  /**
   * Accepts or rejects the row under the cursor and moves to the next one at once, so keys
   * pressed quickly each act on their own row; the writes run one after another.
   */
  decide(verdict: Verdict): Promise<void> {
    const row = this.current;
    if (!row) return Promise.resolve();
    if (!this.detail) this.move(1);
    return this.serial(async () => {
      const c = await this.store.candidates.get(row.id);
      if (c) await this.change(row.id, c.override, withVerdict(c.override, verdict, Date.now()));
    });
  }

  /** Stores an edit of the current row's instruction and output (the model's text stays). */
  saveEdit(edit: { instruction: string; output: string }): Promise<void> {
    const id = this.detail?.candidate.id ?? this.current?.id;
    return this.serial(async () => {
      const c = id ? await this.store.candidates.get(id) : undefined;
      if (!c) return;
      await this.change(c.id, c.override, withEdit(c, edit, Date.now()));
      this.editing = false;
    });
  }

  /** Removes the current row's override: the model's ratings decide again. */
  clear(): Promise<void> {
    const id = this.detail?.candidate.id ?? this.current?.id;
    return this.serial(async () => {
      const c = id ? await this.store.candidates.get(id) : undefined;
      if (c?.override) await this.change(c.id, c.override, undefined);
    });
  }

  /** Restores the override before the last change, exactly (none if there was none). */
  undo(): Promise<void> {
    return this.serial(async () => {
      const last = this.undoStack.pop();
      this.undoDepth = this.undoStack.length;
      if (!last) return;
      await this.write(last.id, last.before);
      const at = this.view.findIndex((r) => r.id === last.id);
      if (at >= 0) this.cursor = at;
    });
  }

  /** Resolves when every override change asked for so far is stored. */
  idle(): Promise<void> {
    return this.queue;
  }

  /** Runs override changes one at a time, in the order they were asked for. */
  private serial(task: () => Promise<void>): Promise<void> {
    const next = this.queue.then(task).catch((err) => {
      this.error = describeError(err);
    });
    this.queue = next;
    return next;
  }

  private async change(
    id: Id,
    before: CandidateOverride | undefined,
    next: CandidateOverride | undefined,
  ): Promise<void> {
    await this.write(id, next);
    this.undoStack.push({ id, before });
    this.undoDepth = this.undoStack.length;
  }

  /** Writes an override and rebuilds the candidate's row from what the store now holds. */
  private async write(id: Id, override: CandidateOverride | undefined): Promise<void> {
    await this.store.candidates.setOverride(id, override);
    const c = await this.store.candidates.get(id);
    const changed = c && this.model.update(c);
    if (!changed) return;
    const [old, row] = changed;
    this.changed += Number(isChanged(row)) - Number(isChanged(old));
    // The row stays where it is even if it no longer passes the filter: the cursor must not
    // jump under the person's hands. The next apply() re-filters.
    this.view = this.view.map((r) => (r === old ? row : r));
    this.version++;
    if (this.detail?.candidate.id === id) this.detail = { ...this.detail, candidate: c };
  }

  /** Opens the row under the cursor in the detail view (full text, ratings, provenance). */
  async openDetail(edit = false): Promise<void> {
    const row = this.current;
    if (!row) return;
    const candidate = await this.store.candidates.get(row.id);
    if (!candidate) return;
    const document = candidate.documentId
      ? await this.store.documents.get(candidate.documentId)
      : undefined;
    // The cursor may have moved on while the store answered.
    if (this.current?.id !== row.id) return;
    this.detail = document ? { candidate, document } : { candidate };
    this.editing = edit;
  }

  closeDetail(): void {
    this.detail = null;
    this.editing = false;
  }
}
