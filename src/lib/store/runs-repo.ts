// Runs (config + per-stage state, so a reload resumes where it stopped) and their candidates:
// the instructions M_yx wrote for segments (method.md §3 "Self-augmentation") and the scores
// the model gave them (method.md §3 "Self-curation"), plus the user's keep/drop override.
import { NotFoundError } from '../protocol/errors';
import { newId } from '../util/ids';
import { runStores, type Db } from './db';
import { pageByIndex, type Page } from './cursor';
import { requireWorkspace } from './corpus-repo';
import { approxBatchBytes, approxBytes, toPlain } from './plain';
import type { Candidate, Id, Run, RunConfig, StageName, StageState } from '../domain';
import { writeTx } from './tx';

export interface NewRun {
  name: string;
  config: RunConfig;
}

/** One rater verdict for a candidate (method.md §3: score 1–5 with the model's reasoning). */
export interface ScoreUpdate {
  candidateId: Id;
  stage: Candidate['stage'];
  score: number | null;
  reasoning?: string;
  rawOutput?: string;
  scoredBy?: string;
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

export function candidatesRepo(db: Db) {
  async function update(
    ids: Id[],
    neededBytes: number,
    change: (c: Candidate, i: number) => Candidate,
  ) {
    await writeTx(db, ['candidates'], neededBytes, async (tx, requests) => {
      const store = tx.objectStore('candidates');
      const current = await Promise.all(ids.map((id) => store.get(id)));
      current.forEach((candidate, i) => {
        if (!candidate) throw new NotFoundError(`No candidate ${ids[i]}`, { candidateId: ids[i] });
        requests.add(store.put(change(candidate, i)));
      });
    });
  }

  const repo = {
    /** Adds or replaces candidates (one augmentation batch), all or none. */
    async putBatch(candidates: Candidate[]): Promise<void> {
      const plain = candidates.map(toPlain);
      await writeTx(db, ['candidates'], approxBatchBytes(plain), (tx, requests) => {
        const store = tx.objectStore('candidates');
        for (const candidate of plain) requests.add(store.put(candidate));
      });
    },

    get(id: Id): Promise<Candidate | undefined> {
      return db.get('candidates', id);
    },

    /** The run's candidate for a segment, if augmentation already wrote one (resume skips it). */
    getBySegment(runId: Id, segmentId: Id): Promise<Candidate | undefined> {
      return db.getFromIndex('candidates', 'byRunSegment', [runId, segmentId]);
    },

    /** Ids of the segments this run already has candidates for (reads keys only). */
    async segmentIdsDone(runId: Id): Promise<Set<Id>> {
      const done = new Set<Id>();
      const range = IDBKeyRange.bound([runId], [runId, []]);
      let cursor = await db
        .transaction('candidates')
        .store.index('byRunSegment')
        .openKeyCursor(range);
      while (cursor) {
        done.add(cursor.key[1]);
        cursor = await cursor.continue();
      }
      return done;
    },

    /** All candidates of a run (for selection and export). */
    listByRun(runId: Id): Promise<Candidate[]> {
      return db.getAllFromIndex('candidates', 'byRun', runId);
    },

    /** One page of a run's candidates in key (= write) order, for the virtualised table. */
    async page(runId: Id, limit: number, after?: Id): Promise<Page<Candidate>> {
      const tx = db.transaction('candidates');
      const page = await pageByIndex(tx.store.index('byRun'), runId, after, limit);
      await tx.done;
      return page;
    },

    countByRun(runId: Id): Promise<number> {
      return db.countFromIndex('candidates', 'byRun', runId);
    },

    /** Records rater verdicts for many candidates in one transaction, all or none. */
    async setScores(updates: ScoreUpdate[]): Promise<void> {
      const plain = updates.map(toPlain);
      await update(
        plain.map((u) => u.candidateId),
        approxBatchBytes(plain),
        (candidate, i) => {
          const { candidateId: _id, ...verdict } = plain[i];
          return { ...candidate, ...verdict };
        },
      );
    },

    setScore(update: ScoreUpdate): Promise<void> {
      return repo.setScores([update]);
    },

    /** The user's keep/drop decision (wins over the score); undefined clears it. */
    async setOverride(candidateId: Id, override: Candidate['override'] | undefined): Promise<void> {
      await update([candidateId], 16, (candidate) => {
        const { override: _old, ...rest } = candidate;
        return override ? { ...rest, override } : rest;
      });
    },
  };
  return repo;
}
