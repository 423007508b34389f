// Per-stage state of a run for the resumable stage runner (pipeline/stage-runner.ts). The one
// write that matters is `commitBatch`: a batch's results, the stage's cursor and its counters
// land in ONE transaction, so a reload between batches neither loses nor repeats an item. The
// commit is a compare-and-set on the cursor: a second tab running the same stage is refused
// (ConflictError) instead of writing its copy of the batch.
import { ConflictError, NotFoundError } from '../protocol/errors';
import type { Db, StoreName } from './db';
import { approxBatchBytes, approxBytes, toPlain } from './plain';
import type { RatingUpdate } from './runs-repo';
import { appendRatings } from './candidates-repo';
import { toStored } from './candidate-keys';
import type { Candidate, EvalAnswer, Evaluation, Id, Run, StageName, StageState } from '../domain';
import { writeTx, type Requests, type WriteTx } from './tx';

export type StageFailure = NonNullable<StageState['failures']>[number];

/** How many failed items keep their message in the stage state (all are counted). */
export const FAILURES_KEPT = 100;

/** One batch's progress, committed together with its results. */
export interface StageBatch {
  /**
   * The cursor the batch was read after (undefined for the first batch). The commit is
   * refused with ConflictError when the stored cursor is not this one any more.
   */
  after: Id | undefined;
  /** The last item of the batch: the next batch is read after it. */
  cursor: Id;
  /** Items of the batch, failed ones included. */
  processed: number;
  failures: StageFailure[];
  /** Inputs in all, when known (refreshed each batch as inputs may grow). */
  total: number | null;
}

/** What one batch writes: new or replaced candidates (augment), ratings (curate), evaluations. */
export interface StageWrites {
  candidates?: Candidate[];
  /** Appended to each candidate's rating history. */
  ratings?: RatingUpdate[];
  evaluations?: Evaluation[];
  /** A pairwise evaluation's per-prompt answers and verdicts (eval-repo.ts). */
  evalAnswers?: EvalAnswer[];
}

type Stores = ['runs', 'candidates', 'evaluations', 'evalAnswers'];
const stageStores: Stores = ['runs', 'candidates', 'evaluations', 'evalAnswers'];

const pendingStage: StageState = { status: 'pending', done: 0, total: null };

export function stagesRepo(db: Db) {
  /** Reads the run in `tx`, lets `change` derive the stage's next state and writes it. */
  async function changeStage(
    tx: WriteTx<Stores>,
    requests: Requests,
    runId: Id,
    stage: StageName,
    change: (current: StageState, run: Run) => StageState,
  ): Promise<StageState> {
    const runs = tx.objectStore('runs');
    const run = await runs.get(runId);
    if (!run) throw new NotFoundError(`No run ${runId}`, { runId });
    const next = change({ ...pendingStage, ...run.stages[stage] }, run);
    requests.add(runs.put({ ...run, stages: { ...run.stages, [stage]: next } }));
    return next;
  }

  function update(
    runId: Id,
    stage: StageName,
    change: (current: StageState) => StageState,
  ): Promise<StageState> {
    return writeTx(db, stageStores, 256, (tx, requests) =>
      changeStage(tx, requests, runId, stage, change),
    );
  }

  return {
    /** The stage's state (pending with nothing done when it never ran). */
    async get(runId: Id, stage: StageName): Promise<StageState> {
      const run = await db.get('runs', runId);
      if (!run) throw new NotFoundError(`No run ${runId}`, { runId });
      return { ...pendingStage, ...run.stages[stage] };
    },

    /** Marks the stage running; cursor, counters and the first start time are kept. */
    start(
      runId: Id,
      stage: StageName,
      total: number | null,
      now = Date.now(),
    ): Promise<StageState> {
      return update(runId, stage, ({ error: _e, finishedAt: _f, ...current }) => ({
        ...current,
        status: 'running',
        total: total === null ? null : Math.max(total, current.done),
        startedAt: current.startedAt ?? now,
      }));
    },

    /**
     * Writes one batch's results and advances cursor and counters, all or nothing. Throws
     * ConflictError (writing nothing) when the stage's cursor is no longer `batch.after`.
     */
    async commitBatch(
      runId: Id,
      stage: StageName,
      batch: StageBatch,
      writes: StageWrites = {},
    ): Promise<StageState> {
      const plain = toPlain(writes);
      const failures = batch.failures.map(toPlain);
      const bytes =
        approxBatchBytes(plain.candidates ?? []) +
        approxBatchBytes(plain.ratings ?? []) +
        approxBatchBytes(plain.evaluations ?? []) +
        approxBatchBytes(plain.evalAnswers ?? []) +
        approxBytes(failures);
      return writeTx(db, stageStores, bytes, async (tx, requests) => {
        const next = await changeStage(tx, requests, runId, stage, (current, run) => {
          if (current.cursor !== batch.after) {
            throw new ConflictError(
              `Stage ${stage} of run ${run.name} moved on elsewhere (another tab?); ` +
                'this copy stops without writing',
              { runId, stage, expected: batch.after ?? null, found: current.cursor ?? null },
            );
          }
          return nextState(current, batch, failures);
        });
        for (const c of plain.candidates ?? []) requireRun(c.runId, runId, 'candidates');
        for (const e of plain.evaluations ?? []) requireRun(e.runId, runId, 'evaluations');
        for (const a of plain.evalAnswers ?? []) requireRun(a.runId, runId, 'evalAnswers');
        const candidates = tx.objectStore('candidates');
        for (const c of plain.candidates ?? []) requests.add(candidates.put(toStored(c)));
        if (plain.ratings?.length) await appendRatings(tx, requests, plain.ratings, runId);
        const evaluations = tx.objectStore('evaluations');
        for (const e of plain.evaluations ?? []) requests.add(evaluations.put(e));
        const answers = tx.objectStore('evalAnswers');
        for (const a of plain.evalAnswers ?? []) requests.add(answers.put(a));
        return next;
      });
    },

    /** Ends a stage's session: done, paused, cancelled, or failed with its error. */
    finish(
      runId: Id,
      stage: StageName,
      status: 'done' | 'paused' | 'cancelled' | 'failed',
      error?: string,
      now = Date.now(),
    ): Promise<StageState> {
      return update(runId, stage, ({ error: _e, finishedAt: _f, ...current }) => ({
        ...current,
        status,
        ...(status === 'done' ? { finishedAt: now } : {}),
        ...(error === undefined ? {} : { error }),
      }));
    },
  };
}

function nextState(current: StageState, batch: StageBatch, failures: StageFailure[]): StageState {
  const done = current.done + batch.processed;
  const failed = (current.failed ?? 0) + failures.length;
  const kept = [...(current.failures ?? []), ...failures].slice(0, FAILURES_KEPT);
  return {
    ...current,
    cursor: batch.cursor,
    done,
    total: batch.total === null ? null : Math.max(batch.total, done),
    ...(failed ? { failed, failures: kept } : {}),
  };
}

/** A stage writes only into its own run (a bug here would corrupt another run silently). */
function requireRun(recordRunId: Id | undefined, runId: Id, field: string): void {
  if (recordRunId !== runId) {
    throw new Error(
      `Stage batch for run ${runId}: a record in "${field}" belongs to run ${recordRunId ?? '(none)'}`,
    );
  }
}

/**
 * Removes a stage's entry (its state and its lineage) from a run inside the caller's
 * transaction, for a verb that deletes what the stage produced (an evaluation). A missing run
 * or stage is nothing to do.
 */
export async function dropStage(
  tx: WriteTx<['runs', ...StoreName[]]>,
  requests: Requests,
  runId: Id,
  stage: StageName,
): Promise<void> {
  const runs = tx.objectStore('runs');
  const run = await runs.get(runId);
  if (!run) return;
  const lineage = run.config.lineage ?? [];
  const keptLineage = lineage.filter((l) => l.stage !== stage);
  if (!(stage in run.stages) && keptLineage.length === lineage.length) return;
  const { [stage]: _dropped, ...stages } = run.stages;
  const config = run.config.lineage ? { ...run.config, lineage: keptLineage } : run.config;
  requests.add(runs.put({ ...run, config, stages }));
}
