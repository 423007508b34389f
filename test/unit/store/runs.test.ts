import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { freshStore } from './helpers';
import { upgrade, type Db } from '../../../src/lib/store/db';
import { openStore } from '../../../src/lib/store';
import { newId } from '../../../src/lib/util/ids';
import { NotFoundError } from '../../../src/lib/protocol/errors';
import type { Candidate, PairwiseResult, RunConfig } from '../../../src/lib/domain';
import { promptScore, winRate } from '../../../src/lib/method/win-rate';
import { makeCandidate, paperRating } from '../../helpers/candidate';

const candidate = (workspaceId: string, runId: string, segmentId: string): Candidate =>
  makeCandidate({
    id: `${runId}-${segmentId}`,
    workspaceId,
    runId,
    segmentId,
    instruction: `Write about ${segmentId}`,
  });

describe('runs', () => {
  it('create, list newest first, updateStage merges state, rename', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const config: RunConfig = {
      iterations: 3,
      threshold: 4.5,
      seeds: { count: 12, source: 'seed.jsonl' },
      corpus: { keptSegments: 500, documents: 40, takenAt: 1 },
      lineage: [
        {
          kind: 'curate',
          iteration: 3,
          model: { id: 'SmolLM2-135M', dtype: 'q4f16_1' },
          adapterCheckpointId: 'ckpt-m2',
          engine: 'web-llm',
          promptVersion: 'curate-v1',
          sampling: { temperature: 0.2, topP: 0.9, seed: 7 },
        },
      ],
    };
    const a = await store.runs.create(ws.id, { name: 'a', config });
    const b = await store.runs.create(ws.id, { name: 'b', config: {} });
    expect((await store.runs.list(ws.id)).map((r) => r.id)).toEqual([b.id, a.id]);
    expect((await store.runs.get(a.id))?.config).toEqual(config);

    await store.runs.updateStage(a.id, 'augment', { status: 'running', total: 10, startedAt: 1 });
    const after = await store.runs.updateStage(a.id, 'augment', { done: 4 });
    expect(after.stages.augment).toEqual({ status: 'running', done: 4, total: 10, startedAt: 1 });
    expect((await store.runs.get(a.id))?.stages.augment?.done).toBe(4);
    await store.runs.rename(a.id, 'renamed');
    expect((await store.runs.get(a.id))?.name).toBe('renamed');
    await expect(store.runs.updateStage('missing', 'augment', {})).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(store.runs.create('missing', { name: 'x', config: {} })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    store.close();
  });

  it('delete removes the run with its candidates, checkpoints and evaluations only', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const gone = await store.runs.create(ws.id, { name: 'gone', config: {} });
    const keep = await store.runs.create(ws.id, { name: 'keep', config: {} });
    for (const run of [gone, keep]) {
      await store.candidates.putBatch([candidate(ws.id, run.id, 's1')]);
      await store.checkpoints.save({
        workspaceId: ws.id,
        runId: run.id,
        kind: 'adapter',
        name: 'c',
        meta: {},
        bytes: new ArrayBuffer(8),
      });
      await store.evaluations.add({
        workspaceId: ws.id,
        runId: run.id,
        results: { kind: 'held-out-loss', model: 'm0', examples: 4, loss: 2, perplexity: 7.39 },
      });
    }
    await store.runs.delete(gone.id);
    expect(await store.runs.get(gone.id)).toBeUndefined();
    expect(await store.candidates.countByRun(gone.id)).toBe(0);
    expect(await store.checkpoints.list({ runId: gone.id })).toEqual([]);
    expect(await store.evaluations.list({ runId: gone.id })).toEqual([]);
    expect(await store.candidates.countByRun(keep.id)).toBe(1);
    expect(await store.checkpoints.list({ runId: keep.id })).toHaveLength(1);
    expect(await store.evaluations.list({ runId: keep.id })).toHaveLength(1);
    store.close();
  });
});

describe('candidates', () => {
  it('putBatch, get by [run, segment], done segments, paging, ratings and overrides', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const run = await store.runs.create(ws.id, { name: 'r', config: {} });
    const other = await store.runs.create(ws.id, { name: 'o', config: {} });
    const batch = ['s1', 's2', 's3', 's4', 's5'].map((s) => candidate(ws.id, run.id, s));
    await store.candidates.putBatch([...batch, candidate(ws.id, other.id, 's9')]);

    expect((await store.candidates.getBySegment(run.id, 's3'))?.id).toBe(batch[2].id);
    expect(await store.candidates.getBySegment(run.id, 's9')).toBeUndefined();
    expect(await store.candidates.segmentIdsDone(run.id)).toEqual(
      new Set(['s1', 's2', 's3', 's4', 's5']),
    );
    expect(await store.candidates.countByRun(run.id)).toBe(5);
    expect(await store.candidates.listByRun(run.id)).toHaveLength(5);

    const p1 = await store.candidates.page(run.id, 2);
    const p2 = await store.candidates.page(run.id, 2, p1.next);
    const p3 = await store.candidates.page(run.id, 2, p2.next);
    expect([...p1.items, ...p2.items, ...p3.items].map((c) => c.id)).toEqual(
      batch.map((c) => c.id).sort(),
    );
    expect(p3.next).toBeUndefined();

    await store.candidates.addRatings([
      { candidateId: batch[0].id, rating: paperRating(1, 5) },
      { candidateId: batch[1].id, rating: { ...paperRating(1, null), rawOutput: 'no score here' } },
    ]);
    expect((await store.candidates.get(batch[0].id))?.ratings).toEqual([paperRating(1, 5)]);
    expect((await store.candidates.get(batch[1].id))?.ratings[0].rawOutput).toBe('no score here');
    await store.candidates.addRating(batch[0].id, paperRating(2, 3, 'm1'));
    expect((await store.candidates.get(batch[0].id))?.ratings.map((r) => r.score)).toEqual([5, 3]);

    await store.candidates.setOverride(batch[2].id, {
      verdict: 'accept',
      instruction: 'Fixed?',
      at: 5,
    });
    expect((await store.candidates.get(batch[2].id))?.override).toEqual({
      verdict: 'accept',
      instruction: 'Fixed?',
      at: 5,
    });
    await store.candidates.setOverride(batch[2].id, undefined);
    expect((await store.candidates.get(batch[2].id))?.override).toBeUndefined();

    // One unknown id fails the whole score batch: the known one keeps its old score.
    await expect(
      store.candidates.addRatings([
        { candidateId: batch[3].id, rating: paperRating(1, 1) },
        { candidateId: 'missing', rating: paperRating(1, 1) },
      ]),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect((await store.candidates.get(batch[3].id))?.ratings).toEqual([]);
    store.close();
  });
});

describe('seeds, checkpoints, evaluations', () => {
  it('seeds addMany, list, count, delete, clear', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const added = await store.seeds.addMany(ws.id, [
      { instruction: 'a', output: 'A', source: 'oasst' },
      { instruction: 'b', input: 'ctx', output: 'B', source: 'oasst' },
    ]);
    expect(added.every((s) => s.workspaceId === ws.id && s.id)).toBe(true);
    expect(await store.seeds.list(ws.id)).toEqual(expect.arrayContaining(added));
    await store.seeds.delete([added[0].id]);
    expect(await store.seeds.count(ws.id)).toBe(1);
    await store.seeds.clear(ws.id);
    expect(await store.seeds.count(ws.id)).toBe(0);
    await expect(
      store.seeds.addMany('missing', [{ instruction: 'a', output: 'b', source: 's' }]),
    ).rejects.toBeInstanceOf(NotFoundError);
    store.close();
  });

  it('checkpoints keep their bytes; listings leave them out', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const bytes = new Float32Array([1.5, -2, 3.25]).buffer;
    const saved = await store.checkpoints.save({
      workspaceId: ws.id,
      kind: 'adapter',
      name: 'M0',
      step: 10,
      meta: { rank: 8 },
      bytes,
    });
    expect(saved.byteLength).toBe(12);
    const loaded = await store.checkpoints.get(saved.id);
    expect(Array.from(new Float32Array(loaded!.bytes))).toEqual([1.5, -2, 3.25]);
    const list = await store.checkpoints.list({ workspaceId: ws.id });
    expect(list).toHaveLength(1);
    expect(list[0]).not.toHaveProperty('bytes');
    await store.checkpoints.delete(saved.id);
    expect(await store.checkpoints.get(saved.id)).toBeUndefined();
    await expect(store.checkpoints.delete(saved.id)).rejects.toBeInstanceOf(NotFoundError);
    store.close();
  });

  it('counts checkpoints by kind per workspace from the index, also after upgrading step 4', async () => {
    const { store } = await freshStore();
    const [a, b] = [await store.workspaces.create('a'), await store.workspaces.create('b')];
    const save = (workspaceId: string, kind: 'adapter' | 'optimizer') =>
      store.checkpoints.save({
        workspaceId,
        kind,
        name: kind,
        meta: {},
        bytes: new ArrayBuffer(4),
      });
    await save(a.id, 'adapter');
    await save(a.id, 'adapter');
    await save(a.id, 'optimizer');
    await save(b.id, 'adapter');
    expect(await store.checkpoints.countByKind(a.id, 'adapter')).toBe(2);
    expect(await store.checkpoints.countByKind(a.id, 'optimizer')).toBe(1);
    expect(await store.checkpoints.countByKind(b.id, 'adapter')).toBe(1);
    expect(await store.checkpoints.countByKind(b.id, 'model')).toBe(0);
    store.close();

    // A database written by step 4 gets the index over its existing records.
    const name = `upgrade-${newId()}`;
    const old = await openDB(name, 4, {
      upgrade: (db, oldVersion, _v, tx) => upgrade(db as unknown as Db, oldVersion, tx as never, 4),
    });
    await old.put('checkpoints', {
      id: 'c1',
      workspaceId: 'w',
      kind: 'adapter',
      name: 'M0',
      createdAt: 1,
      meta: {},
      bytes: new ArrayBuffer(4),
    });
    old.close();
    const upgraded = await openStore(name);
    expect(await upgraded.checkpoints.countByKind('w', 'adapter')).toBe(1);
    upgraded.close();
  });

  it('evaluations add, get, list, delete', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    // Four prompts judged in both orders; the method's statistics are stored as they come.
    const scores = [promptScore('a', 'a'), promptScore('a', 'b'), promptScore('b', 'b'), 1];
    const results: PairwiseResult = {
      kind: 'pairwise',
      model: 'm1',
      baseline: 'm0',
      judge: 'm1',
      ...winRate(scores),
      lengthControlled: { rate: 0.6, lengthCoefficient: 0.2 },
    };
    const e = await store.evaluations.add({ workspaceId: ws.id, results });
    const stored = await store.evaluations.get(e.id);
    expect(stored).toEqual(e);
    expect(stored?.results).toEqual(results);
    expect(stored?.results).toMatchObject({ n: 4, wins: 2, losses: 1, ties: 1, rate: 0.625 });
    expect(await store.evaluations.list({ workspaceId: ws.id })).toEqual([e]);
    await store.evaluations.delete(e.id);
    expect(await store.evaluations.list({ workspaceId: ws.id })).toEqual([]);
    store.close();
  });
});
