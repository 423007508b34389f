// Runs (config + per-stage state, so a reload resumes where it stopped) and their candidates:
// the instructions M_yx wrote for segments (method.md §3 "Self-augmentation") and the scores
// the model gave them (method.md §3 "Self-curation"), plus the user's keep/drop override.
import { NotFoundError } from '../protocol/errors';
import { newId } from '../util/ids';
import { runStores, type Db } from './db';
import { requireWorkspace } from './corpus-repo';
import { approxBytes, toPlain } from './plain';
import type { Id, Rating, Run, RunConfig, StageLineage, StageName, StageState } from '../domain';
import { writeTx } from './tx';

export interface NewRun {
  name: string;
  config: RunConfig;
}

/** One rater verdict for a candidate (§2.3), appended to its ratings (candidates-repo.ts). */
export interface RatingUpdate {
  candidateId: Id;
  rating: Rating;
}

const pendingStage: StageState = { status: 'pending', done: 0, total: null };

export function runsRepo(db: Db) {
  return {
    async create(workspaceId: Id, input: NewRun): Promise<Run> {
      const now = Date.now();
      const run: Run = {
        id: newId(now),
        workspaceId,
        createdAt: now,
        stages: {},
        ...toPlain(input),
      };
      await writeTx(db, ['workspaces', 'runs'], approxBytes(run), async (tx, requests) => {
        requireWorkspace(await tx.objectStore('workspaces').get(workspaceId), workspaceId);
        requests.add(tx.objectStore('runs').add(run));
      });
      return run;
    },

    get(id: Id): Promise<Run | undefined> {
      return db.get('runs', id);
    },

    /** A workspace's runs, newest first. */
    async list(workspaceId: Id): Promise<Run[]> {
      const runs = await db.getAllFromIndex('runs', 'byWorkspace', workspaceId);
      return runs.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    },

    /** Merges `state` into one stage's state (pending with 0 done when the stage is new). */
    async updateStage(runId: Id, stage: StageName, state: Partial<StageState>): Promise<Run> {
      const patch = toPlain(state);
      return writeTx(db, ['runs'], approxBytes(patch), async (tx, requests) => {
        const store = tx.objectStore('runs');
        const run = await store.get(runId);
        if (!run) throw new NotFoundError(`No run ${runId}`, { runId });
        const next: Run = {
          ...run,
          stages: { ...run.stages, [stage]: { ...pendingStage, ...run.stages[stage], ...patch } },
        };
        requests.add(store.put(next));
        return next;
      });
    },

    /** Appends one stage's lineage (model, adapter, engine, prompt version, sampling) to the run. */
    async appendLineage(runId: Id, lineage: StageLineage): Promise<Run> {
      const entry = toPlain(lineage);
      return writeTx(db, ['runs'], approxBytes(entry), async (tx, requests) => {
        const store = tx.objectStore('runs');
        const run = await store.get(runId);
        if (!run) throw new NotFoundError(`No run ${runId}`, { runId });
        const next: Run = {
          ...run,
          config: { ...run.config, lineage: [...(run.config.lineage ?? []), entry] },
        };
        requests.add(store.put(next));
        return next;
      });
    },

    async rename(runId: Id, name: string): Promise<void> {
      await writeTx(db, ['runs'], approxBytes(name), async (tx, requests) => {
        const store = tx.objectStore('runs');
        const run = await store.get(runId);
        if (!run) throw new NotFoundError(`No run ${runId}`, { runId });
        requests.add(store.put({ ...run, name }));
      });
    },

    /** Removes the run with its candidates, checkpoints and evaluations, in one transaction. */
    async delete(runId: Id): Promise<void> {
      await writeTx(db, ['runs', ...runStores], 0, async (tx, requests) => {
        requests.add(tx.objectStore('runs').delete(runId));
        for (const name of runStores) {
          const store = tx.objectStore(name);
          const keys = await store.index('byRun').getAllKeys(IDBKeyRange.only(runId));
          for (const key of keys) requests.add(store.delete(key));
        }
      });
    },
  };
}
