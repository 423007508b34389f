// A run's candidates: the instructions M_yx wrote for segments (§2.2 self-augmentation), with
// their passage and provenance, the filter verdict, every rating they received (§2.3
// self-curation, any iteration and mode) and the user's keep/drop override. Records are
// stored with index fields (candidate-keys.ts) that this repository adds and strips.
import { NotFoundError } from '../protocol/errors';
import type { Db } from './db';
import { pageByIndex, pageByIndexBulk, type Page } from './cursor';
import { approxBatchBytes, toPlain } from './plain';
import { fromStored, toStored, USABLE, type StoredCandidate } from './candidate-keys';
import type { Candidate, Id, Rating, RatingMode } from '../domain';
import { writeTx, type Requests, type WriteTx } from './tx';
import type { RatingUpdate } from './runs-repo';

/** Appends ratings inside a write transaction over `candidates` (also used by stage commits). */
export async function appendRatings(
  tx: WriteTx<['candidates'] | ['runs', 'candidates', 'evaluations', 'evalAnswers']>,
  requests: Requests,
  updates: RatingUpdate[],
  runId?: Id,
): Promise<void> {
  const store = tx.objectStore('candidates');
  const current = await Promise.all(updates.map((u) => store.get(u.candidateId)));
  const next = new Map<Id, StoredCandidate>();
  updates.forEach(({ candidateId, rating }, i) => {
    const candidate = next.get(candidateId) ?? current[i];
    if (!candidate) throw new NotFoundError(`No candidate ${candidateId}`, { candidateId });
    if (runId !== undefined && candidate.runId !== runId) {
      throw new Error(
        `Stage batch for run ${runId}: a record in "ratings" belongs to run ${candidate.runId}`,
      );
    }
    const c = fromStored(candidate);
    next.set(candidateId, toStored({ ...c, ratings: [...c.ratings, rating] }));
  });
  for (const c of next.values()) requests.add(store.put(c));
}

/** [runId, iteration, mode, lo..hi] over the byRating index. */
function ratingRange(runId: Id, iteration: number, mode: RatingMode, lo: number, hi: number) {
  return IDBKeyRange.bound([runId, iteration, mode, lo], [runId, iteration, mode, hi]);
}

export function candidatesRepo(db: Db) {
  const repo = {
    /** Adds or replaces candidates (one augmentation batch), all or none. */
    async putBatch(candidates: Candidate[]): Promise<void> {
      const plain = candidates.map((c) => toStored(toPlain(c)));
      await writeTx(db, ['candidates'], approxBatchBytes(plain), (tx, requests) => {
        const store = tx.objectStore('candidates');
        for (const candidate of plain) requests.add(store.put(candidate));
      });
    },

    async get(id: Id): Promise<Candidate | undefined> {
      const c = await db.get('candidates', id);
      return c && fromStored(c);
    },

    /** The run's candidate for a segment, if augmentation already wrote one (resume skips it). */
    async getBySegment(runId: Id, segmentId: Id): Promise<Candidate | undefined> {
      const c = await db.getFromIndex('candidates', 'byRunSegment', [runId, segmentId]);
      return c && fromStored(c);
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
    async listByRun(runId: Id): Promise<Candidate[]> {
      return (await db.getAllFromIndex('candidates', 'byRun', runId)).map(fromStored);
    },

    /**
     * One page of a run's candidates in key (= write) order, for the virtualised table and the
     * export (read in bulk: cursor.ts pageByIndexBulk).
     */
    async page(runId: Id, limit: number, after?: Id): Promise<Page<Candidate>> {
      const tx = db.transaction('candidates');
      const page = await pageByIndexBulk(tx.store.index('byRun'), runId, after, limit);
      await tx.done;
      return { items: page.items.map(fromStored), next: page.next };
    },

    /** Usable candidates (no filter reason) after `after`, in id order: what curation rates. */
    async usablePage(runId: Id, limit: number, after?: Id): Promise<Page<Candidate>> {
      const tx = db.transaction('candidates');
      const page = await pageByIndex(tx.store.index('byRunFilter'), [runId, USABLE], after, limit);
      await tx.done;
      return { items: page.items.map(fromStored), next: page.next };
    },

    countByRun(runId: Id): Promise<number> {
      return db.countFromIndex('candidates', 'byRun', runId);
    },

    countUsable(runId: Id): Promise<number> {
      return db.countFromIndex('candidates', 'byRunFilter', [runId, USABLE]);
    },

    /** How many of a run's candidates each instruction filter dropped (keys only). */
    async filterCounts(runId: Id): Promise<Record<string, number>> {
      const counts: Record<string, number> = {};
      const range = IDBKeyRange.bound([runId], [runId, []]);
      let cursor = await db
        .transaction('candidates')
        .store.index('byRunFilter')
        .openKeyCursor(range);
      while (cursor) {
        const reason = cursor.key[1];
        if (reason !== USABLE) counts[reason] = (counts[reason] ?? 0) + 1;
        cursor = await cursor.continue();
      }
      return counts;
    },

    /**
     * Candidates whose latest rating for iteration t in mode m is between `lo` and `hi`
     * (A_k^(t) is listRated(run, t, 'paper', k)): one index range. Failed ratings are 0.
     */
    async listRated(
      runId: Id,
      iteration: number,
      mode: RatingMode,
      lo = 1,
      hi = 5,
    ): Promise<Candidate[]> {
      const found = await db.getAllFromIndex(
        'candidates',
        'byRating',
        ratingRange(runId, iteration, mode, lo, hi),
      );
      const seen = new Set<Id>();
      return found.filter((c) => !seen.has(c.id) && seen.add(c.id)).map(fromStored);
    },

    /** Counts per score 0..5 (0 = failed) of iteration t's latest ratings in mode m. */
    async ratedCounts(runId: Id, iteration: number, mode: RatingMode): Promise<number[]> {
      const index = db.transaction('candidates').store.index('byRating');
      return Promise.all(
        [0, 1, 2, 3, 4, 5].map((s) => index.count(ratingRange(runId, iteration, mode, s, s))),
      );
    },

    /** Appends ratings (many candidates, one transaction, all or none). */
    async addRatings(updates: RatingUpdate[]): Promise<void> {
      const plain = updates.map(toPlain);
      await writeTx(db, ['candidates'], approxBatchBytes(plain), (tx, requests) =>
        appendRatings(tx, requests, plain),
      );
    },

    addRating(candidateId: Id, rating: Rating): Promise<void> {
      return repo.addRatings([{ candidateId, rating }]);
    },

    /**
     * A person's correction (verdict and/or edited text; wins over the ratings, which stay as
     * they were); undefined clears it.
     */
    async setOverride(candidateId: Id, override: Candidate['override'] | undefined): Promise<void> {
      await writeTx(db, ['candidates'], 16, async (tx, requests) => {
        const store = tx.objectStore('candidates');
        const stored = await store.get(candidateId);
        if (!stored) throw new NotFoundError(`No candidate ${candidateId}`, { candidateId });
        const { override: _old, ...rest } = fromStored(stored);
        requests.add(store.put(toStored(override ? { ...rest, override } : rest)));
      });
    },
  };
  return repo;
}
