// Seed pairs (the small human-written set, method.md §3 "Initialization"), training
// checkpoints (LoRA adapters and optimizer state as ArrayBuffers) and evaluation results.
import { NotFoundError } from '../protocol/errors';
import { newId } from '../util/ids';
import type { Db } from './db';
import { requireWorkspace } from './corpus-repo';
import { approxBatchBytes, approxBytes, toPlain } from './plain';
import type { Checkpoint, Evaluation, EvaluationResult, Id, SeedPair } from '../domain';
import { dropStage } from './stages-repo';
import { writeTx } from './tx';

export type NewSeed = Omit<SeedPair, 'id' | 'workspaceId'> & { id?: Id };
export type NewCheckpoint = Omit<Checkpoint, 'id' | 'createdAt'> & { id?: Id };
export type NewEvaluation = Omit<Evaluation, 'id' | 'createdAt'> & { id?: Id };
/** A checkpoint without its bytes, for listings. */
export type CheckpointInfo = Omit<Checkpoint, 'bytes'> & { byteLength: number };

export function seedsRepo(db: Db) {
  return {
    /** Adds seed pairs to a workspace in one transaction, all or none; returns them with ids. */
    async addMany(workspaceId: Id, seeds: NewSeed[]): Promise<SeedPair[]> {
      const records: SeedPair[] = seeds.map((s) => ({
        ...toPlain(s),
        id: s.id ?? newId(),
        workspaceId,
      }));
      await writeTx(
        db,
        ['workspaces', 'seeds'],
        approxBatchBytes(records),
        async (tx, requests) => {
          requireWorkspace(await tx.objectStore('workspaces').get(workspaceId), workspaceId);
          const store = tx.objectStore('seeds');
          for (const record of records) requests.add(store.add(record));
        },
      );
      return records;
    },
    list(workspaceId: Id): Promise<SeedPair[]> {
      return db.getAllFromIndex('seeds', 'byWorkspace', workspaceId);
    },
    count(workspaceId: Id): Promise<number> {
      return db.countFromIndex('seeds', 'byWorkspace', workspaceId);
    },
    async delete(ids: Id[]): Promise<void> {
      await writeTx(db, ['seeds'], 0, (tx, requests) => {
        for (const id of ids) requests.add(tx.objectStore('seeds').delete(id));
      });
    },
    /** Removes every seed of the workspace (before re-importing a seed file). */
    async clear(workspaceId: Id): Promise<void> {
      await writeTx(db, ['seeds'], 0, async (tx, requests) => {
        const store = tx.objectStore('seeds');
        const keys = await store.index('byWorkspace').getAllKeys(workspaceId);
        for (const key of keys) requests.add(store.delete(key));
      });
    },
  };
}

function info(checkpoint: Checkpoint): CheckpointInfo {
  const { bytes, ...rest } = checkpoint;
  return { ...rest, byteLength: bytes.byteLength };
}

export function checkpointsRepo(db: Db) {
  return {
    /** Stores a checkpoint (the buffer is copied by IndexedDB, the caller keeps its own). */
    async save(input: NewCheckpoint): Promise<CheckpointInfo> {
      const checkpoint: Checkpoint = {
        ...toPlain(input),
        id: input.id ?? newId(),
        createdAt: Date.now(),
      };
      await writeTx(
        db,
        ['workspaces', 'checkpoints'],
        approxBytes(checkpoint),
        async (tx, requests) => {
          requireWorkspace(
            await tx.objectStore('workspaces').get(checkpoint.workspaceId),
            checkpoint.workspaceId,
          );
          requests.add(tx.objectStore('checkpoints').put(checkpoint));
        },
      );
      return info(checkpoint);
    },
    get(id: Id): Promise<Checkpoint | undefined> {
      return db.get('checkpoints', id);
    },
    /** Checkpoints of a run (or of a workspace), oldest first, without their bytes. */
    async list(scope: { runId: Id } | { workspaceId: Id }): Promise<CheckpointInfo[]> {
      const all =
        'runId' in scope
          ? await db.getAllFromIndex('checkpoints', 'byRun', scope.runId)
          : await db.getAllFromIndex('checkpoints', 'byWorkspace', scope.workspaceId);
      return all.map(info).sort((a, b) => a.createdAt - b.createdAt);
    },
    /** How many checkpoints of one kind a workspace holds, from the index (no record is read). */
    countByKind(workspaceId: Id, kind: Checkpoint['kind']): Promise<number> {
      return db.countFromIndex('checkpoints', 'byWorkspaceKind', [workspaceId, kind]);
    },
    async delete(id: Id): Promise<void> {
      await writeTx(db, ['checkpoints'], 0, async (tx, requests) => {
        const store = tx.objectStore('checkpoints');
        if (!(await store.getKey(id)))
          throw new NotFoundError(`No checkpoint ${id}`, { checkpointId: id });
        requests.add(store.delete(id));
      });
    },
  };
}

export function evaluationsRepo(db: Db) {
  /** Evaluations of a run (or of a workspace), oldest first. */
  async function list(scope: { runId: Id } | { workspaceId: Id }): Promise<Evaluation[]> {
    const all =
      'runId' in scope
        ? await db.getAllFromIndex('evaluations', 'byRun', scope.runId)
        : await db.getAllFromIndex('evaluations', 'byWorkspace', scope.workspaceId);
    return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  }
  return {
    async add(input: NewEvaluation): Promise<Evaluation> {
      const evaluation: Evaluation = {
        ...toPlain(input),
        id: input.id ?? newId(),
        createdAt: Date.now(),
      };
      await writeTx(
        db,
        ['workspaces', 'evaluations'],
        approxBytes(evaluation),
        async (tx, requests) => {
          requireWorkspace(
            await tx.objectStore('workspaces').get(evaluation.workspaceId),
            evaluation.workspaceId,
          );
          requests.add(tx.objectStore('evaluations').put(evaluation));
        },
      );
      return evaluation;
    },
    get(id: Id): Promise<Evaluation | undefined> {
      return db.get('evaluations', id);
    },
    list,
    /**
     * The newest evaluation of a run or workspace (of `kind` when given): the read API other
     * screens (workshop mode) use to show evaluation results.
     */
    async latest(
      scope: { runId: Id } | { workspaceId: Id },
      kind?: EvaluationResult['kind'],
    ): Promise<Evaluation | undefined> {
      const all = await list(scope);
      return all.filter((e) => !kind || e.results.kind === kind).at(-1);
    },
    /** Replaces an evaluation's results (a pairwise summary recomputed from its answers). */
    async setResults(id: Id, results: EvaluationResult): Promise<Evaluation> {
      return writeTx(db, ['evaluations'], approxBytes(results), async (tx, requests) => {
        const store = tx.objectStore('evaluations');
        const current = await store.get(id);
        if (!current) throw new NotFoundError(`No evaluation ${id}`, { evaluationId: id });
        const next: Evaluation = { ...current, results: toPlain(results) };
        requests.add(store.put(next));
        return next;
      });
    },
    /**
     * Removes an evaluation with its per-prompt answers and its stage's entry in the run
     * (state and lineage), in one transaction.
     */
    async delete(id: Id): Promise<void> {
      const stores: ['runs', 'evaluations', 'evalAnswers'] = ['runs', 'evaluations', 'evalAnswers'];
      await writeTx(db, stores, 0, async (tx, requests) => {
        const evaluation = await tx.objectStore('evaluations').get(id);
        requests.add(tx.objectStore('evaluations').delete(id));
        const answers = tx.objectStore('evalAnswers');
        const keys = await answers.index('byEvaluation').getAllKeys(IDBKeyRange.only(id));
        for (const key of keys) requests.add(answers.delete(key));
        if (evaluation?.runId && evaluation.stage)
          await dropStage(tx, requests, evaluation.runId, evaluation.stage);
      });
    },
  };
}
