import { describe, expect, it } from 'vitest';
import { freshStore } from './helpers';
import { ConflictError, NotFoundError } from '../../../src/lib/protocol/errors';
import { FAILURES_KEPT } from '../../../src/lib/store/stages-repo';
import type { Candidate, Evaluation } from '../../../src/lib/domain';
import { makeCandidate, paperRating } from '../../helpers/candidate';

const candidate = (workspaceId: string, runId: string, segmentId: string): Candidate =>
  makeCandidate({
    id: `${runId}-${segmentId}`,
    workspaceId,
    runId,
    segmentId,
    instruction: `What is ${segmentId}?`,
  });

async function setUp() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  const run = await store.runs.create(ws.id, { name: 'r', config: {} });
  const other = await store.runs.create(ws.id, { name: 'other', config: {} });
  return { store, ws, run, other };
}

describe('stages', () => {
  it('a stage that never ran is pending; an unknown run is NotFoundError', async () => {
    const { store, run } = await setUp();
    expect(await store.stages.get(run.id, 'curate')).toEqual({
      status: 'pending',
      done: 0,
      total: null,
    });
    await expect(store.stages.get('nope', 'curate')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.stages.start('nope', 'curate', 3)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('commits candidates, verdicts and evaluations with cursor and counters at once', async () => {
    const { store, ws, run } = await setUp();
    await store.stages.start(run.id, 'augment', 4, 100);
    let state = await store.stages.commitBatch(
      run.id,
      'augment',
      { after: undefined, cursor: 's2', processed: 2, failures: [], total: 4 },
      { candidates: [candidate(ws.id, run.id, 's1'), candidate(ws.id, run.id, 's2')] },
    );
    expect(state).toMatchObject({ status: 'running', cursor: 's2', done: 2, total: 4 });
    expect(state.failed).toBeUndefined();

    const evaluation: Evaluation = {
      id: 'e1',
      workspaceId: ws.id,
      runId: run.id,
      createdAt: 1,
      results: { kind: 'held-out-loss', model: 'M1', examples: 4, loss: 1, perplexity: Math.E },
    };
    state = await store.stages.commitBatch(
      run.id,
      'augment',
      {
        after: 's2',
        cursor: 's4',
        processed: 2,
        failures: [{ itemId: 's3', message: 'unreadable' }],
        total: 4,
      },
      {
        ratings: [{ candidateId: `${run.id}-s1`, rating: paperRating(1, 5) }],
        evaluations: [evaluation],
      },
    );
    expect(state).toMatchObject({ cursor: 's4', done: 4, failed: 1, startedAt: 100 });
    expect(state.failures).toEqual([{ itemId: 's3', message: 'unreadable' }]);
    expect(await store.candidates.get(`${run.id}-s1`)).toMatchObject({
      instruction: 'What is s1?',
      ratings: [paperRating(1, 5)],
    });
    expect((await store.evaluations.list({ runId: run.id })).map((e) => e.id)).toEqual(['e1']);
    expect((await store.runs.get(run.id))?.stages.augment).toEqual(state);

    const finished = await store.stages.finish(run.id, 'augment', 'done', undefined, 200);
    expect(finished).toMatchObject({ status: 'done', finishedAt: 200, done: 4, cursor: 's4' });
    // A later start keeps cursor, counters and the first start time, and clears the end.
    const restarted = await store.stages.start(run.id, 'augment', 6, 300);
    expect(restarted).toMatchObject({ status: 'running', cursor: 's4', done: 4, startedAt: 100 });
    expect(restarted.finishedAt).toBeUndefined();
    expect(restarted.total).toBe(6);
  });

  it('refuses a batch read after a stale cursor, writing nothing', async () => {
    const { store, ws, run } = await setUp();
    await store.stages.commitBatch(
      run.id,
      'augment',
      { after: undefined, cursor: 's1', processed: 1, failures: [], total: 3 },
      { candidates: [candidate(ws.id, run.id, 's1')] },
    );
    const err = await store.stages
      .commitBatch(
        run.id,
        'augment',
        { after: undefined, cursor: 's1', processed: 1, failures: [], total: 3 },
        { candidates: [{ ...candidate(ws.id, run.id, 's1'), id: 'dup' }] },
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).data).toMatchObject({ expected: null, found: 's1' });
    expect(await store.candidates.countByRun(run.id)).toBe(1);
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({ cursor: 's1', done: 1 });
  });

  it('a record of another run or a missing candidate aborts the whole batch', async () => {
    const { store, ws, run, other } = await setUp();
    const batch = { after: undefined, cursor: 's2', processed: 2, failures: [], total: 2 };
    await expect(
      store.stages.commitBatch(run.id, 'augment', batch, {
        candidates: [candidate(ws.id, run.id, 's1'), candidate(ws.id, other.id, 's2')],
      }),
    ).rejects.toThrow(/"candidates" belongs to run/);
    await expect(
      store.stages.commitBatch(run.id, 'curate', batch, {
        candidates: [candidate(ws.id, run.id, 's1')],
        ratings: [{ candidateId: 'missing', rating: paperRating(1, 3) }],
      }),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.candidates.countByRun(run.id)).toBe(0);
    expect(await store.candidates.countByRun(other.id)).toBe(0);
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({ done: 0 });
    expect((await store.stages.get(run.id, 'augment')).cursor).toBeUndefined();
    expect(await store.stages.get(run.id, 'curate')).toEqual({
      status: 'pending',
      done: 0,
      total: null,
    });
  });

  it('counts every failure but keeps only the first messages', async () => {
    const { store, run } = await setUp();
    const n = FAILURES_KEPT + 20;
    const failures = Array.from({ length: n }, (_, i) => ({
      itemId: `s${i}`,
      message: `bad ${i}`,
    }));
    const state = await store.stages.commitBatch(run.id, 'curate', {
      after: undefined,
      cursor: `s${n - 1}`,
      processed: n,
      failures,
      total: null,
    });
    expect(state).toMatchObject({ done: n, failed: n, total: null });
    expect(state.failures).toHaveLength(FAILURES_KEPT);
    expect(state.failures?.[0]).toEqual({ itemId: 's0', message: 'bad 0' });
  });
});
