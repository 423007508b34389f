// The stage runner against the real store (fake-indexeddb) and the FakeEngine, with a toy
// self-augmentation stage (method.md §3): one instruction per kept segment, written by the
// "backward model" from the backtranslation prompt.
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { freshStore } from '../store/helpers';
import { ingestDocs, keptDoc, shortDoc } from './ingest-helper';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import type { Engine, GenerateRequest } from '../../../src/lib/engines/engine';
import { backtranslationPrompt } from '../../../src/lib/method/prompts';
import {
  StageRunner,
  type StageDefinition,
  type StageRunProgress,
} from '../../../src/lib/pipeline/stage-runner';
import { ConflictError, InputError, QuotaExceededError } from '../../../src/lib/protocol/errors';
import type { Progress } from '../../../src/lib/protocol/progress';
import type { Candidate, SegmentRecord } from '../../../src/lib/domain';
import type { Store } from '../../../src/lib/store';
import { newId } from '../../../src/lib/util/ids';
import { makeCandidate } from '../../helpers/candidate';

afterEach(() => {
  vi.restoreAllMocks();
});

const BATCH = 5;
const KEPT = 32;

interface Toy {
  /** Segments whose batched call throws an InputError (found again item by item). */
  throwFor?: Set<string>;
  /** Segments answered with an Error entry instead of a result. */
  errorFor?: Set<string>;
  /** Throws this (not an item error) for the batch containing `brokenAt`. */
  broken?: { segmentId: string; error: Error };
}

/** Writes one candidate per kept segment; ids are fresh, so a repeated item shows twice. */
function augmentStage(
  store: Store,
  workspaceId: string,
  runId: string,
  toy: Toy = {},
): StageDefinition<SegmentRecord, string> {
  return {
    stage: 'augment',
    batchSize: BATCH,
    listAfter: async (after, limit) =>
      (await store.segments.page(workspaceId, limit, { bucket: 'kept', after })).items,
    countAll: () => store.segments.keptCount(workspaceId),
    process: async (items, { engine, signal }) => {
      if (toy.broken && items.some((s) => s.id === toy.broken?.segmentId)) throw toy.broken.error;
      const bad = items.find((s) => toy.throwFor?.has(s.id));
      if (bad) throw new InputError('passage has no text the model can use', { record: 7 });
      return Promise.all(
        items.map(async (s) => {
          if (toy.errorFor?.has(s.id)) return new Error(`no question for ${s.id}`);
          const req: GenerateRequest = {
            prompt: backtranslationPrompt(s.text),
            maxTokens: 32,
            temperature: 0,
          };
          return (await engine.generate(req, { signal })).text;
        }),
      );
    },
    writes: (results) => ({
      candidates: results.map(({ item, result }): Candidate =>
        makeCandidate({
          id: newId(),
          workspaceId,
          runId,
          segmentId: item.id,
          instruction: result,
        }),
      ),
    }),
  };
}

/** A FakeEngine that counts generate calls per prompt (to prove no item ran twice). */
async function countingEngine(delayMs = 0): Promise<{ engine: Engine; calls: () => number }> {
  const engine = new FakeEngine({ delayMs });
  await engine.load({ id: 'backward', source: 'fake' });
  let calls = 0;
  const generate = engine.generate.bind(engine);
  engine.generate = (req, opts) => {
    calls++;
    return generate(req, opts);
  };
  return { engine, calls: () => calls };
}

/** KEPT kept segments (8 documents of 4 sections), ingested the way the app does it. */
async function corpus() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  await ingestDocs(store, ws.id, [
    ...Array.from({ length: KEPT / 4 }, (_, i) => keptDoc(i + 1, 4)),
    shortDoc(99, 4), // dropped segments: the stage must not see them
  ]);
  const kept = (await store.segments.page(ws.id, 1000, { bucket: 'kept' })).items;
  expect(kept).toHaveLength(KEPT);
  const newRun = () => store.runs.create(ws.id, { name: 'run', config: {} });
  return { store, ws, kept, newRun };
}

/** segmentId → instruction of a run's candidates; fails on a segment written twice. */
async function instructions(store: Store, runId: string): Promise<Map<string, string>> {
  const all = await store.candidates.listByRun(runId);
  const bySegment = new Map(all.map((c) => [c.segmentId, c.instruction]));
  expect(bySegment.size).toBe(all.length);
  return bySegment;
}

describe('StageRunner', () => {
  it('(a) writes exactly one result per kept item and marks the stage done', async () => {
    const { store, ws, kept, newRun } = await corpus();
    const run = await newRun();
    const { engine, calls } = await countingEngine();
    const outcome = await new StageRunner(store, engine).run(
      run.id,
      augmentStage(store, ws.id, run.id),
    );
    expect(outcome.status).toBe('done');
    const written = await instructions(store, run.id);
    expect([...written.keys()].sort()).toEqual(kept.map((s) => s.id).sort());
    expect([...written.values()].every((q) => q.startsWith('How does'))).toBe(true);
    expect(calls()).toBe(KEPT);
    const state = await store.stages.get(run.id, 'augment');
    expect(state).toMatchObject({ status: 'done', done: KEPT, total: KEPT });
    expect(state.cursor).toBe(
      kept
        .map((s) => s.id)
        .sort()
        .at(-1),
    );
    expect(state.finishedAt).toBeTypeOf('number');

    // Running a finished stage again finds nothing after its cursor and writes nothing.
    await new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id));
    expect(await store.candidates.countByRun(run.id)).toBe(KEPT);
    expect(calls()).toBe(KEPT);
  });

  it('(b) cancelled after its 2nd batch, then resumed by a new runner: same results', async () => {
    const { store, ws, newRun } = await corpus();
    const reference = await newRun();
    const { engine: refEngine } = await countingEngine();
    await new StageRunner(store, refEngine).run(
      reference.id,
      augmentStage(store, ws.id, reference.id),
    );

    const run = await newRun();
    const { engine, calls } = await countingEngine();
    const cancel = new AbortController();
    const first = await new StageRunner(store, engine).run(
      run.id,
      augmentStage(store, ws.id, run.id),
      {
        signal: cancel.signal,
        onProgress: (p) => p.done === 2 * BATCH && cancel.abort(),
      },
    );
    expect(first.status).toBe('cancelled');
    expect(await store.candidates.countByRun(run.id)).toBe(2 * BATCH);
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({
      status: 'cancelled',
      done: 2 * BATCH,
    });

    // A reload: new runner, new engine, new stage definition; only the store carries over.
    const { engine: engine2, calls: calls2 } = await countingEngine();
    const second = await new StageRunner(store, engine2).run(
      run.id,
      augmentStage(store, ws.id, run.id),
    );
    expect(second.status).toBe('done');
    expect(calls() + calls2()).toBe(KEPT);
    expect(await instructions(store, run.id)).toEqual(await instructions(store, reference.id));
  });

  it('cancel during an engine call drops that batch; pause lets it commit', async () => {
    const { store, ws, newRun } = await corpus();
    const run = await newRun();
    const { engine } = await countingEngine(2);
    const cancel = new AbortController();
    const outcome = await new StageRunner(store, engine).run(
      run.id,
      augmentStage(store, ws.id, run.id),
      {
        signal: cancel.signal,
        onProgress: (p) => p.done === BATCH && setTimeout(() => cancel.abort(), 5),
      },
    );
    expect(outcome.status).toBe('cancelled');
    expect(outcome.state.done).toBe(BATCH);
    expect(await store.candidates.countByRun(run.id)).toBe(BATCH);

    // Pause while the engine works on batch 2: that batch still commits, then the stage stops.
    const pause = new AbortController();
    const pausing: Engine = Object.create(engine);
    pausing.generate = (req, opts) => {
      pause.abort();
      return engine.generate(req, opts);
    };
    const paused = await new StageRunner(store, pausing).run(
      run.id,
      augmentStage(store, ws.id, run.id),
      { pause: pause.signal },
    );
    expect(paused.status).toBe('paused');
    expect(paused.state).toMatchObject({ status: 'paused', done: 2 * BATCH });
    expect(await store.candidates.countByRun(run.id)).toBe(2 * BATCH);

    await new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id));
    expect((await instructions(store, run.id)).size).toBe(KEPT);
  });

  it('(c) a commit that fails leaves nothing of its batch and the cursor unchanged', async () => {
    const { store, ws, newRun } = await corpus();
    const run = await newRun();
    const { engine } = await countingEngine();
    const originalPut = IDBObjectStore.prototype.put;
    let candidatePuts = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      // The 3rd batch's second candidate hits a full disk.
      if (this.name === 'candidates' && ++candidatePuts === 2 * BATCH + 2)
        throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return originalPut.apply(this, args);
    });
    const failed = await new StageRunner(store, engine)
      .run(run.id, augmentStage(store, ws.id, run.id))
      .catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(QuotaExceededError);
    const state = await store.stages.get(run.id, 'augment');
    const committed = await instructions(store, run.id);
    expect(committed.size).toBe(2 * BATCH);
    expect(state).toMatchObject({ status: 'failed', done: 2 * BATCH });
    expect(state.error).toMatch(/storage is full/i);
    expect(state.cursor).toBe([...committed.keys()].sort().at(-1));

    vi.restoreAllMocks();
    const resumed = await new StageRunner(store, engine).run(
      run.id,
      augmentStage(store, ws.id, run.id),
    );
    expect(resumed.state).toMatchObject({ status: 'done', done: KEPT });
    expect(resumed.state.error).toBeUndefined();
    expect((await instructions(store, run.id)).size).toBe(KEPT);
  });

  it('(d) item errors are counted and recorded, and the rest proceeds', async () => {
    const { store, ws, kept, newRun } = await corpus();
    const sorted = kept.map((s) => s.id).sort();
    const thrown = sorted[7];
    const answered = sorted[20];
    const run = await newRun();
    const { engine } = await countingEngine();
    const outcome = await new StageRunner(store, engine).run(
      run.id,
      augmentStage(store, ws.id, run.id, {
        throwFor: new Set([thrown]),
        errorFor: new Set([answered]),
      }),
    );
    expect(outcome.state).toMatchObject({ status: 'done', done: KEPT, failed: 2 });
    expect(outcome.state.failures).toEqual([
      { itemId: thrown, message: 'record 7: passage has no text the model can use' },
      { itemId: answered, message: `no question for ${answered}` },
    ]);
    const written = await instructions(store, run.id);
    expect(written.size).toBe(KEPT - 2);
    expect(written.has(thrown) || written.has(answered)).toBe(false);
  });

  it('any other error stops the stage as failed with its message', async () => {
    const { store, ws, kept, newRun } = await corpus();
    const run = await newRun();
    const { engine } = await countingEngine();
    const broken = { segmentId: kept.map((s) => s.id).sort()[12], error: new TypeError('boom') };
    await expect(
      new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id, { broken })),
    ).rejects.toThrow('boom');
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({
      status: 'failed',
      done: 2 * BATCH,
      error: 'TypeError: boom',
    });
  });

  it('refuses a batch size below 1 before touching the stage', async () => {
    const { store, ws, newRun } = await corpus();
    const run = await newRun();
    const { engine } = await countingEngine();
    const stage = { ...augmentStage(store, ws.id, run.id), batchSize: 0 };
    const err = await new StageRunner(store, engine).run(run.id, stage).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).field).toBe('augment.batchSize');
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({ status: 'pending' });
  });

  it('(e) progress is numeric, monotonic, ends at total and carries a rate', async () => {
    const { store, ws, newRun } = await corpus();
    const run = await newRun();
    const { engine } = await countingEngine();
    let t = 0;
    const events: StageRunProgress[] = [];
    await new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id), {
      now: () => (t += 500),
      onProgress: (p) => events.push(p),
    });
    const dones = events.map((p) => p.done);
    expect(dones).toEqual([...dones].sort((a, b) => a - b));
    expect(dones[0]).toBe(0);
    expect(events.at(-1)).toMatchObject({ done: KEPT, total: KEPT, failed: 0, job: run.id });
    expect(events.every((p) => p.kind === 'stage' && p.unit === 'items')).toBe(true);
    expect(events.every((p) => p.stage === 'augment')).toBe(true);
    // A worker can forward these as they are: they are protocol Progress events.
    expectTypeOf<StageRunProgress>().toExtend<Progress>();
    expect(events.every((p) => p.total === KEPT)).toBe(true);
    expect(events[0].rate).toBeNull();
    const mid = events[2];
    expect(mid.done).toBe(2 * BATCH);
    // One batch of 5 per 500 ms of the fake clock: 10 items/s, (32 - 10) / 10 s left.
    expect(mid.rate).toBeCloseTo(10);
    expect(mid.etaSeconds).toBeCloseTo(2.2);
    expect(events.at(-1)?.etaSeconds).toBe(0);
  });

  it('refuses a stage that another runner is already committing (no item twice)', async () => {
    const { store, ws, newRun } = await corpus();
    const run = await newRun();
    const { engine } = await countingEngine(1);
    const both = await Promise.allSettled([
      new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id)),
      new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id)),
    ]);
    const rejected = both.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(ConflictError);
    expect((await instructions(store, run.id)).size).toBe(KEPT);
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({ status: 'done', done: KEPT });
  });

  it('refuses up front when the Web Lock is held elsewhere, leaving the state alone', async () => {
    const { store, ws, newRun } = await corpus();
    const run = await newRun();
    const { engine, calls } = await countingEngine();
    const names: string[] = [];
    const heldElsewhere = {
      request: ((name: string, _opts: LockOptions, cb: (lock: Lock | null) => unknown) => {
        names.push(name);
        return Promise.resolve(cb(null));
      }) as LockManager['request'],
    };
    await expect(
      new StageRunner(store, engine).run(run.id, augmentStage(store, ws.id, run.id), {
        locks: heldElsewhere,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(names).toEqual([`humpback-stage:${run.id}:augment`]);
    expect(calls()).toBe(0);
    expect(await store.stages.get(run.id, 'augment')).toMatchObject({ status: 'pending', done: 0 });
  });
});
