// Schema step 7 (issue 12): prompt sets and evaluation answers, the upgrade from a version-6
// database with data in it, the read API other screens use (latest evaluation), and deletes.
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { freshStore } from './helpers';
import { openStore } from '../../../src/lib/store';
import { DB_VERSION, upgrade, type Db } from '../../../src/lib/store/db';
import { newId } from '../../../src/lib/util/ids';
import type { EvalAnswer, Evaluation } from '../../../src/lib/domain';

const pairwise = (n: number): Evaluation['results'] => ({
  kind: 'pairwise',
  model: 'A',
  baseline: 'B',
  judge: 'J',
  n,
  wins: n,
  losses: 0,
  ties: 0,
  rate: 1,
  se: 0,
});

function answer(
  evaluationId: string,
  workspaceId: string,
  runId: string,
  index: number,
): EvalAnswer {
  const j = { verdict: 'a' as const, rawOutput: 'Verdict: 1' };
  return {
    id: `${evaluationId}.${String(index).padStart(6, '0')}`,
    evaluationId,
    workspaceId,
    runId,
    index,
    prompt: `p${index}`,
    answerA: 'a',
    answerB: 'b',
    aFirst: j,
    bFirst: j,
    score: 1,
  };
}

describe('evaluation store (schema step 7)', () => {
  it('upgrades a version-6 database with data in it, keeping that data', async () => {
    expect(DB_VERSION).toBeGreaterThanOrEqual(7);
    const name = `upgrade7-${newId()}`;
    const old = await openDB(name, 6, {
      upgrade: (db, oldVersion, _v, tx) => upgrade(db as unknown as Db, oldVersion, tx as never, 6),
    });
    expect(old.objectStoreNames.contains('promptSets')).toBe(false);
    const now = Date.now();
    await old.put('workspaces', { id: 'w', name: 'old', createdAt: now, updatedAt: now });
    await old.put('runs', {
      id: 'r',
      workspaceId: 'w',
      name: 'run',
      createdAt: now,
      config: {},
      stages: {},
    });
    await old.put('evaluations', {
      id: 'e',
      workspaceId: 'w',
      runId: 'r',
      createdAt: now,
      results: pairwise(3),
    });
    old.close();

    const store = await openStore(name);
    expect((await store.evaluations.get('e'))?.results).toEqual(pairwise(3));
    expect((await store.runs.get('r'))?.name).toBe('run');
    const set = await store.promptSets.add({
      workspaceId: 'w',
      name: 'mine',
      source: 'mine.txt',
      prompts: [{ text: 'Hi?' }],
    });
    expect(await store.promptSets.list('w')).toEqual([set]);
    expect(await store.evalAnswers.count('e')).toBe(0);
    store.close();
  });

  it('answers are written with a stage commit, listed in prompt order and deleted with their evaluation, run or workspace', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const run = await store.runs.create(ws.id, { name: 'r', config: {} });
    const [e1, e2] = await Promise.all(
      ['e1', 'e2'].map((id) =>
        store.evaluations.add({
          id,
          workspaceId: ws.id,
          runId: run.id,
          results: pairwise(0),
          stage: `evaluate-${id}`,
        }),
      ),
    );
    // Ids sort in prompt order, and one evaluation's range never reads another's.
    const batch = [2, 0, 11, 1].map((i) => answer(e1.id, ws.id, run.id, i));
    await store.stages.commitBatch(
      run.id,
      `evaluate-${e1.id}`,
      { after: undefined, cursor: batch[2].id, processed: 4, failures: [], total: 12 },
      { evalAnswers: [...batch, answer(e2.id, ws.id, run.id, 0)] },
    );
    expect((await store.evalAnswers.list(e1.id)).map((a) => a.index)).toEqual([0, 1, 2, 11]);
    expect(await store.evalAnswers.count(e2.id)).toBe(1);
    // A record of another run is refused, with nothing written.
    await expect(
      store.stages.commitBatch(
        run.id,
        `evaluate-${e1.id}`,
        { after: batch[2].id, cursor: 'z', processed: 1, failures: [], total: 12 },
        { evalAnswers: [answer(e1.id, ws.id, 'other-run', 5)] },
      ),
    ).rejects.toThrow(/other-run/);

    expect((await store.evaluations.latest({ runId: run.id }))?.id).toBe(e2.id);
    const updated = await store.evaluations.setResults(e1.id, pairwise(4));
    expect(updated.results).toEqual(pairwise(4));
    await store.runs.appendLineage(run.id, {
      kind: 'evaluate',
      iteration: 0,
      stage: `evaluate-${e1.id}`,
    });
    await store.runs.appendLineage(run.id, {
      kind: 'evaluate',
      iteration: 0,
      stage: `evaluate-${e2.id}`,
    });
    await store.stages.start(run.id, `evaluate-${e2.id}`, 3);
    await store.evaluations.delete(e2.id);
    expect(await store.evalAnswers.count(e2.id)).toBe(0);
    expect(await store.evalAnswers.count(e1.id)).toBe(4);
    // Its stage entry and lineage go with it; the other evaluation's stay.
    const after = (await store.runs.get(run.id))!;
    expect(Object.keys(after.stages)).toEqual([`evaluate-${e1.id}`]);
    expect(after.config.lineage?.map((l) => l.stage)).toEqual([`evaluate-${e1.id}`]);

    await store.promptSets.add({ workspaceId: ws.id, name: 's', source: 'embedded', prompts: [] });
    await store.runs.delete(run.id);
    expect(await store.evalAnswers.count(e1.id)).toBe(0);
    await store.workspaces.delete(ws.id);
    expect(await store.promptSets.list(ws.id)).toEqual([]);
    store.close();
  });
});
