// Schema step 6 (issue 10): candidates keep every rating, "rated s by iteration t in mode m" is
// one index query, filtered candidates are counted by reason, old-shape candidates migrate.
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { freshStore, makeDocs, makeSegments } from './helpers';
import { upgrade, type Db } from '../../../src/lib/store/db';
import { openStore } from '../../../src/lib/store';
import { newId } from '../../../src/lib/util/ids';
import type { Rating } from '../../../src/lib/domain';
import { makeCandidate, paperRating } from '../../helpers/candidate';

const fast = (iteration: number, probs: number[]): Rating => ({
  rater: 'm0',
  iteration,
  mode: 'fast',
  score: probs.indexOf(Math.max(...probs)) + 1,
  distribution: probs,
  expected: probs.reduce((a, p, i) => a + p * (i + 1), 0),
  ratedAt: 2,
});

async function setUp() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  const run = await store.runs.create(ws.id, { name: 'r', config: {} });
  const other = await store.runs.create(ws.id, { name: 'o', config: {} });
  const make = (runId: string, s: string, extra = {}) =>
    makeCandidate({
      id: `${runId}-${s}`,
      workspaceId: ws.id,
      runId,
      segmentId: s,
      instruction: `Q ${s}?`,
      ...extra,
    });
  return { store, ws, run, other, make };
}

describe('candidate ratings', () => {
  it('keeps every rating; the index answers "rated s by iteration t in mode m" per latest rating', async () => {
    const { store, run, other, make } = await setUp();
    await store.candidates.putBatch([
      make(run.id, 'a'),
      make(run.id, 'b'),
      make(run.id, 'c'),
      make(other.id, 'a'),
    ]);
    await store.candidates.addRatings([
      { candidateId: `${run.id}-a`, rating: paperRating(1, 5) },
      { candidateId: `${run.id}-b`, rating: paperRating(1, 4) },
      { candidateId: `${run.id}-c`, rating: paperRating(1, null) },
      { candidateId: `${other.id}-a`, rating: paperRating(1, 5) },
      { candidateId: `${run.id}-a`, rating: fast(1, [0, 0, 0.1, 0.2, 0.7]) },
    ]);
    const ids = (cs: { id: string }[]) => cs.map((c) => c.id).sort();
    expect(ids(await store.candidates.listRated(run.id, 1, 'paper', 5))).toEqual([`${run.id}-a`]);
    expect(ids(await store.candidates.listRated(run.id, 1, 'paper', 4))).toEqual([
      `${run.id}-a`,
      `${run.id}-b`,
    ]);
    expect(ids(await store.candidates.listRated(run.id, 1, 'fast', 5))).toEqual([`${run.id}-a`]);
    expect(await store.candidates.ratedCounts(run.id, 1, 'paper')).toEqual([1, 0, 0, 0, 1, 1]);

    // Iteration 2 (M1 re-rates): A^(1) stays answerable, the history grows.
    await store.candidates.addRating(`${run.id}-a`, paperRating(2, 3, 'm1'));
    await store.candidates.addRating(`${run.id}-b`, paperRating(2, 5, 'm1'));
    expect(ids(await store.candidates.listRated(run.id, 2, 'paper', 5))).toEqual([`${run.id}-b`]);
    expect(ids(await store.candidates.listRated(run.id, 1, 'paper', 5))).toEqual([`${run.id}-a`]);
    const a = await store.candidates.get(`${run.id}-a`);
    expect(a?.ratings.map((r) => [r.iteration, r.mode, r.score])).toEqual([
      [1, 'paper', 5],
      [1, 'fast', 5],
      [2, 'paper', 3],
    ]);
    // Index fields never leak out of the store.
    expect(a).not.toHaveProperty('ratingKeys');
    expect(a).not.toHaveProperty('filter');

    // Re-rating the same (t, mode) moves the candidate: only the latest rating is indexed.
    await store.candidates.addRating(`${run.id}-a`, paperRating(1, 2));
    expect(ids(await store.candidates.listRated(run.id, 1, 'paper', 5))).toEqual([]);
    expect(ids(await store.candidates.listRated(run.id, 1, 'paper', 2, 2))).toEqual([
      `${run.id}-a`,
    ]);
    expect((await store.candidates.get(`${run.id}-a`))?.ratings).toHaveLength(4);
    store.close();
  });

  it('usable candidates page in id order; filtered ones are counted by reason', async () => {
    const { store, run, make } = await setUp();
    await store.candidates.putBatch([
      make(run.id, 'a'),
      make(run.id, 'b', { filterReason: 'meta' }),
      make(run.id, 'c'),
      make(run.id, 'd', { filterReason: 'echo' }),
      make(run.id, 'e', { filterReason: 'meta' }),
      make(run.id, 'f'),
    ]);
    expect(await store.candidates.countUsable(run.id)).toBe(3);
    expect(await store.candidates.filterCounts(run.id)).toEqual({ meta: 2, echo: 1 });
    const p1 = await store.candidates.usablePage(run.id, 2);
    const p2 = await store.candidates.usablePage(run.id, 2, p1.next);
    expect([...p1.items, ...p2.items].map((c) => c.segmentId)).toEqual(['a', 'c', 'f']);
    expect(p2.next).toBeUndefined();
    store.close();
  });

  it('step 6 migrates old-shape candidates into one rating, with passage and provenance', async () => {
    const name = `upgrade-${newId()}`;
    const old = await openDB(name, 5, {
      upgrade: (db, oldVersion, _v, tx) => upgrade(db as unknown as Db, oldVersion, tx as never, 5),
    });
    const [doc] = makeDocs('w', 'f', 1);
    const [seg] = makeSegments('w', doc, 1);
    await old.put('segments', { ...seg, headerPath: ['Home', 'Tips'], bucket: 'kept' });
    const base = { workspaceId: 'w', runId: 'r', producedBy: 'M_yx' };
    await old.put('candidates', {
      ...base,
      id: 'c1',
      segmentId: seg.id,
      instruction: 'How?',
      stage: 'curate-2',
      score: 4,
      reasoning: 'fine',
      rawOutput: 'fine Score: 4',
      scoredBy: 'M1',
      override: 'drop',
    });
    await old.put('candidates', {
      ...base,
      id: 'c2',
      segmentId: 'gone',
      instruction: 'Why?',
      stage: 'augment',
    });
    await old.put('candidates', {
      ...base,
      id: 'c3',
      segmentId: seg.id,
      instruction: 'What?',
      stage: 'curate-1',
      score: null,
      rawOutput: '??',
    });
    old.close();

    const store = await openStore(name);
    const c1 = await store.candidates.get('c1');
    expect(c1).toMatchObject({
      instruction: 'How?',
      rawInstruction: 'How?',
      output: seg.text,
      documentId: doc.id,
      headerPath: ['Home', 'Tips'],
      override: { verdict: 'reject' },
      ratings: [
        {
          rater: 'M1',
          iteration: 2,
          mode: 'paper',
          score: 4,
          reasoning: 'fine',
          rawOutput: 'fine Score: 4',
        },
      ],
    });
    expect(c1).not.toHaveProperty('score');
    expect(c1).not.toHaveProperty('stage');
    expect(await store.candidates.get('c2')).toMatchObject({ output: '', ratings: [] });
    expect((await store.candidates.get('c3'))?.ratings[0]).toMatchObject({
      iteration: 1,
      score: null,
      failure: 'no-score',
    });
    expect((await store.candidates.listRated('r', 2, 'paper', 4)).map((c) => c.id)).toEqual(['c1']);
    expect(await store.candidates.countUsable('r')).toBe(3);
    store.close();
  });
});
