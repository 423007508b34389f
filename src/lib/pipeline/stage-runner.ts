// The resumable stage runner every long method stage runs on (augment, curate, evaluate:
// method.md §3). A stage lists its inputs in a stable order after a cursor, processes them in
// batches through an Engine, and the runner commits each batch's results with the cursor and
// counters in ONE transaction (store/stages-repo.ts): a reload between batches loses nothing
// and repeats nothing. Engine calls happen outside that transaction, since IndexedDB commits
// a transaction that sits idle while we await a model.
import type { Engine } from '../engines/engine';
import { ConflictError, InputError, isCancel } from '../protocol/errors';
import { RateMeter, type StageProgress } from '../protocol/progress';
import type { Id, StageName, StageState } from '../domain';
import type { StageFailure, StageWrites, Store } from '../store';

export interface StageItem {
  id: Id;
}

/** What a stage's `process` gets besides its items. */
export interface StageContext {
  engine: Engine;
  /** Aborted on cancel: pass it to every engine call. */
  signal: AbortSignal;
}

/** One item's result, paired with its input for `writes`. */
export interface ItemResult<I, R> {
  item: I;
  result: R;
}

/** A stage, as the runner sees it. `I` is an input item, `R` what processing one yields. */
export interface StageDefinition<I extends StageItem, R> {
  readonly stage: StageName;
  /** Items per engine batch and per commit. */
  readonly batchSize: number;
  /**
   * Up to `limit` input items strictly after item `after` (from the start when undefined), in
   * an order that never changes between calls: the cursor is the last committed item's id.
   */
  listAfter(after: Id | undefined, limit: number): Promise<I[]>;
  /** How many inputs in all, for progress; null when unknown. */
  countAll(): Promise<number | null>;
  /**
   * Processes a batch (as many items per engine call as the engine allows) and returns one
   * entry per item, in order. An `Error` entry marks that item failed and the rest go on; a
   * thrown item error (see `isItemError`) makes the runner retry the items one by one to
   * find the culprit. Any other thrown error stops the stage as failed.
   */
  process(items: I[], ctx: StageContext): Promise<(R | Error)[]>;
  /** The records the batch's successful results write (committed with the cursor). */
  writes(results: ItemResult<I, R>[]): StageWrites;
  /** Errors that spoil one item, not the stage. Default: InputError. */
  isItemError?(err: unknown): boolean;
}

/**
 * The protocol's stage progress (job = run id, items committed, failed ones included) plus
 * throughput in items/s and seconds left, measured over the last few seconds (null until a
 * batch has committed). It is a Progress, so it can go straight to a worker's ctx.progress.
 */
export interface StageRunProgress extends StageProgress {
  rate: number | null;
  etaSeconds: number | null;
}

export interface RunStageOptions {
  /**
   * Cancel: stops now, aborting the engine call in flight (its batch is not committed).
   * What was committed stays, and a later run continues after the cursor.
   */
  signal?: AbortSignal;
  /**
   * Pause: stops at the next batch boundary, so the batch in flight still commits and no
   * engine work is thrown away. The stage is 'paused' and continues after its cursor.
   */
  pause?: AbortSignal;
  onProgress?: (p: StageRunProgress) => void;
  /** Clock for rates (tests pass a fake one). */
  now?: () => number;
  /**
   * Web Locks, to refuse a stage already running in another tab up front; the cursor check
   * in each commit catches it anyway. Defaults to navigator.locks where it exists.
   */
  locks?: Pick<LockManager, 'request'> | null;
}

export interface StageOutcome {
  status: 'done' | 'paused' | 'cancelled';
  state: StageState;
}

/** The runner's store needs: stage state and batch commits. */
export type StageStore = Pick<Store, 'stages'>;

export class StageRunner {
  constructor(
    private readonly store: StageStore,
    private readonly engine: Engine,
  ) {}

  /**
   * Runs (or resumes) one stage of a run until its inputs are exhausted, it is paused or
   * cancelled. Resolves with how it stopped; rejects after recording 'failed' for any other
   * error, except ConflictError (another runner owns the stage: its state is left alone).
   */
  run<I extends StageItem, R>(
    runId: Id,
    definition: StageDefinition<I, R>,
    opts: RunStageOptions = {},
  ): Promise<StageOutcome> {
    const locks = opts.locks === undefined ? defaultLocks() : opts.locks;
    if (!locks) return this.loop(runId, definition, opts);
    const name = `humpback-stage:${runId}:${definition.stage}`;
    return locks.request(name, { ifAvailable: true }, async (lock) => {
      if (!lock) {
        throw new ConflictError(
          `Stage ${definition.stage} of this run is already running in another tab or worker`,
          { runId, stage: definition.stage },
        );
      }
      return this.loop(runId, definition, opts);
    });
  }

  private async loop<I extends StageItem, R>(
    runId: Id,
    def: StageDefinition<I, R>,
    opts: RunStageOptions,
  ): Promise<StageOutcome> {
    const { stages } = this.store;
    const now = opts.now ?? (() => Date.now());
    const signal = opts.signal ?? new AbortController().signal;
    const meter = new RateMeter();
    const report = (state: StageState) => {
      meter.add(state.done, now());
      opts.onProgress?.(progressOf(runId, def.stage, state, meter));
    };
    const stop = async (status: 'paused' | 'cancelled'): Promise<StageOutcome> => {
      const state = await stages.finish(runId, def.stage, status);
      report(state);
      return { status, state };
    };

    if (!Number.isInteger(def.batchSize) || def.batchSize < 1) {
      // Zero would read empty batches and mark the stage done without doing anything.
      throw new InputError(`batch size must be a whole number ≥ 1, got ${def.batchSize}`, {
        field: `${def.stage}.batchSize`,
      });
    }
    if (signal.aborted) {
      // Cancelled before it began: nothing to stop, and a finished stage stays 'done'.
      return { status: 'cancelled', state: await stages.get(runId, def.stage) };
    }
    const total = await def.countAll();
    let state = await stages.start(runId, def.stage, total);
    report(state);
    try {
      for (;;) {
        // 1. Stop between batches: cancel wins over pause.
        if (signal.aborted) return await stop('cancelled');
        if (opts.pause?.aborted) return await stop('paused');
        // 2. Read the next batch after the cursor (its own short read transaction).
        const items = await def.listAfter(state.cursor, def.batchSize);
        if (!items.length) break;
        const cursor = items[items.length - 1].id;
        if (cursor === state.cursor) {
          throw new Error(`Stage ${def.stage}: listAfter(${cursor}) returned ${cursor} again`);
        }
        // 3. Process it through the engine, outside any transaction.
        const { results, failures } = await this.processBatch(def, items, signal);
        // 4. Commit results + cursor + counters at once (refused if the cursor moved).
        state = await stages.commitBatch(
          runId,
          def.stage,
          {
            after: state.cursor,
            cursor,
            processed: items.length,
            failures,
            total,
          },
          results.length ? def.writes(results) : {},
        );
        report(state);
      }
      state = await stages.finish(runId, def.stage, 'done');
      report(state);
      return { status: 'done', state };
    } catch (err) {
      if (isCancel(err) && signal.aborted) return stop('cancelled');
      if (err instanceof ConflictError) throw err;
      await stages.finish(runId, def.stage, 'failed', messageOf(err)).catch(() => undefined);
      throw err;
    }
  }

  /** One batch: batched first; if an item error spoils the batched call, item by item. */
  private async processBatch<I extends StageItem, R>(
    def: StageDefinition<I, R>,
    items: I[],
    signal: AbortSignal,
  ): Promise<{ results: ItemResult<I, R>[]; failures: StageFailure[] }> {
    const ctx: StageContext = { engine: this.engine, signal };
    const isItemError = (err: unknown) =>
      !isCancel(err) && (def.isItemError ? def.isItemError(err) : err instanceof InputError);
    let outcomes: (R | Error)[];
    try {
      outcomes = checked(def, items, await def.process(items, ctx));
    } catch (err) {
      if (!isItemError(err)) throw err;
      outcomes = [];
      for (const item of items) {
        try {
          outcomes.push(...checked(def, [item], await def.process([item], ctx)));
        } catch (itemErr) {
          if (!isItemError(itemErr)) throw itemErr;
          outcomes.push(itemErr instanceof Error ? itemErr : new Error(String(itemErr)));
        }
      }
    }
    const results: ItemResult<I, R>[] = [];
    const failures: StageFailure[] = [];
    outcomes.forEach((outcome, i) => {
      if (outcome instanceof Error)
        failures.push({ itemId: items[i].id, message: outcome.message });
      else results.push({ item: items[i], result: outcome });
    });
    return { results, failures };
  }
}

/** A stage must answer every item, in order: a short answer would skip items silently. */
function checked<I extends StageItem, R>(
  def: StageDefinition<I, R>,
  items: I[],
  outcomes: (R | Error)[],
): (R | Error)[] {
  if (outcomes.length !== items.length) {
    throw new Error(
      `Stage ${def.stage}: process returned ${outcomes.length} results for ${items.length} items`,
    );
  }
  return outcomes;
}

function progressOf(
  runId: Id,
  stage: StageName,
  state: StageState,
  meter: RateMeter,
): StageRunProgress {
  return {
    kind: 'stage',
    phase: 'run',
    unit: 'items',
    job: runId,
    stage,
    done: state.done,
    total: state.total,
    failed: state.failed ?? 0,
    rate: meter.rate(),
    etaSeconds: meter.eta(state.total),
  };
}

function messageOf(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

function defaultLocks(): Pick<LockManager, 'request'> | null {
  return (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks ?? null;
}
