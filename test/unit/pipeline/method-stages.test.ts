// The method's stages (issue 10) on the real store (fake-indexeddb) and the FakeEngine:
// self-augmentation (§2.2) and self-curation in paper and fast mode (§2.3), iterations,
// resume after a simulated reload, per-item failures, cancel, lineage and the run summary.
import { InputError } from '../../../src/lib/protocol/errors';
import { describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { readdirSync, readFileSync } from 'node:fs';
import { ingestDocs, shortDoc } from './ingest-helper';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import type {
  Engine,
  GenerateRequest,
  GenerateResult,
  ScoreRequest,
} from '../../../src/lib/engines/engine';
import {
  augmentLineage,
  augmentStage,
  DEFAULT_AUGMENT_SAMPLING,
  fitPassage,
  type AugmentSettings,
} from '../../../src/lib/pipeline/augment-stage';
import {
  curateLineage,
  curateStage,
  DEFAULT_CURATE_SAMPLING,
  type CurateSettings,
} from '../../../src/lib/pipeline/curate-stage';
import { runMethodStage, summarizeRun } from '../../../src/lib/pipeline/method-service';
import type { MethodModel } from '../../../src/lib/pipeline/method-model';
import { FAST_RATING_PREFIX, ratingPrompt } from '../../../src/lib/method/prompts';
import type { Store } from '../../../src/lib/store';
import type { Candidate } from '../../../src/lib/domain';

const BATCH = 4;
let KEPT = 0;
/** Real English passages (the app's demo notes), so the language filter judges real text. */
const DEMO = new URL('../../../public/demo/', import.meta.url);
const demoNotes = readdirSync(DEMO)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .slice(0, 10)
  .map((f) => readFileSync(new URL(f, DEMO), 'utf8'));

/** A FakeEngine that records requests; `garble` answers some rating prompts with no score. */
class RecordingEngine extends FakeEngine {
  generated: GenerateRequest[] = [];
  scored: ScoreRequest[] = [];
  constructor(private readonly garble: (prompt: string) => boolean = () => false) {
    super();
  }
  override async generate(req: GenerateRequest): Promise<GenerateResult> {
    this.generated.push(req);
    const text = typeof req.prompt === 'string' ? req.prompt : req.prompt[0].content;
    if (this.garble(text))
      return {
        text: 'I cannot decide.',
        finishReason: 'stop',
        promptTokens: 1,
        completionTokens: 3,
      };
    return super.generate(req);
  }
  override score(req: ScoreRequest) {
    this.scored.push(req);
    return super.score(req);
  }
}

async function engineFor(id: string, garble?: (p: string) => boolean): Promise<RecordingEngine> {
  const engine = new RecordingEngine(garble);
  await engine.load({ id, source: 'fake' });
  return engine;
}

const model = (label: string, contextTokens = 4096): MethodModel => ({
  label,
  contextTokens,
  lineage: { model: { id: label }, engine: 'fake' },
});

const augmentSettings: AugmentSettings = {
  way: 'backward-adapter',
  examples: [],
  sampling: DEFAULT_AUGMENT_SAMPLING,
  batchSize: BATCH,
};

const curateSettings = (iteration: number, mode: 'paper' | 'fast'): CurateSettings => ({
  iteration,
  mode,
  sampling: DEFAULT_CURATE_SAMPLING,
  batchSize: BATCH,
});

async function setUp() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  await ingestDocs(store, ws.id, [...demoNotes, shortDoc(99, 3)]);
  const kept = (await store.segments.page(ws.id, 100, { bucket: 'kept' })).items;
  KEPT = kept.length;
  expect(KEPT).toBeGreaterThanOrEqual(3 * BATCH + 1);
  const newRun = () => store.runs.create(ws.id, { name: 'run', config: {} });
  return { store, ws, kept, newRun };
}

async function augment(store: Store, wsId: string, runId: string, engine: Engine, opts = {}) {
  const m = model('M_yx');
  return runMethodStage(
    store,
    engine,
    runId,
    augmentStage(store, { workspaceId: wsId, runId }, m, augmentSettings),
    augmentLineage(m, augmentSettings),
    { locks: null, ...opts },
  );
}

async function curate(
  store: Store,
  runId: string,
  engine: Engine,
  settings: CurateSettings,
  opts = {},
  label = 'M0',
) {
  const m = model(label);
  return runMethodStage(
    store,
    engine,
    runId,
    curateStage(store, runId, m, settings, () => 7),
    curateLineage(m, settings),
    { locks: null, ...opts },
  );
}

/** What a run's candidates hold, without ids (which name the run). */
const contents = async (store: Store, runId: string) =>
  (await store.candidates.listByRun(runId))
    .map((c: Candidate) => ({ ...c, id: c.segmentId, runId: '' }))
    .sort((a, b) => (a.id < b.id ? -1 : 1));

describe('augment stage (§2.2)', () => {
  it('writes one candidate per kept segment with passage, provenance and filter verdicts', async () => {
    const { store, ws, kept, newRun } = await setUp();
    const run = await newRun();
    const engine = await engineFor('M_yx');
    const outcome = await augment(store, ws.id, run.id, engine);
    expect(outcome.status).toBe('done');
    const candidates = await store.candidates.listByRun(run.id);
    expect(candidates.map((c) => c.segmentId).sort()).toEqual(kept.map((s) => s.id).sort());
    for (const c of candidates) {
      const segment = kept.find((s) => s.id === c.segmentId)!;
      expect(c.output).toBe(segment.text);
      expect(c.documentId).toBe(segment.documentId);
      expect(c.headerPath).toEqual(segment.headerPath);
      expect(c.producedBy).toBe('M_yx');
      expect(c.rawInstruction.length).toBeGreaterThan(0);
      expect(c.ratings).toEqual([]);
    }
    // The paper's sampling, the backtranslation prompt as a chat turn, a per-item seed.
    expect(engine.generated).toHaveLength(KEPT);
    expect(engine.generated[0]).toMatchObject({ temperature: 0.7, topP: 0.9 });
    expect(engine.generated[0].prompt).toEqual([
      { role: 'user', content: expect.stringContaining('Write the most likely question') },
    ]);
    const run2 = await store.runs.get(run.id);
    expect(run2?.config.lineage).toEqual([augmentLineage(model('M_yx'), augmentSettings)]);
    const summary = await summarizeRun(store, run.id);
    expect(summary.candidates).toBe(KEPT);
    expect(summary.usable + Object.values(summary.filtered).reduce((a, b) => a + b, 0)).toBe(KEPT);
  });

  it('counts unusable instructions by reason and keeps them out of curation', async () => {
    const { store, ws, newRun } = await setUp();
    const run = await newRun();
    // An "instruct model" that answers with a meta-instruction for every other passage.
    const engine = await engineFor('instruct');
    let n = 0;
    engine.generateBatch = async (reqs) =>
      reqs.map(() => ({
        text: n++ % 2 ? 'Write an instruction for this text.' : 'How do I keep basil alive?',
        finishReason: 'stop' as const,
        promptTokens: 1,
        completionTokens: 1,
      }));
    await augment(store, ws.id, run.id, engine);
    expect(await store.candidates.filterCounts(run.id)).toEqual({ meta: Math.floor(KEPT / 2) });
    expect(await store.candidates.countUsable(run.id)).toBe(Math.ceil(KEPT / 2));
    const rater = await engineFor('M0');
    await curate(store, run.id, rater, curateSettings(1, 'paper'));
    expect(rater.generated).toHaveLength(Math.ceil(KEPT / 2));
  });

  it('a passage longer than the context is cut by the stated rule, never failing', async () => {
    const { store, ws, newRun } = await setUp();
    const run = await newRun();
    const tiny = model('M_yx', 300);
    const cut = fitPassage('word '.repeat(400), tiny, augmentSettings);
    expect(cut.truncated).toBe(true);
    expect(cut.text.length).toBeLessThanOrEqual(228);
    expect(fitPassage('short text', tiny, augmentSettings)).toEqual({
      text: 'short text',
      truncated: false,
    });
    const engine = await engineFor('M_yx');
    await runMethodStage(
      store,
      engine,
      run.id,
      augmentStage(store, { workspaceId: ws.id, runId: run.id }, tiny, augmentSettings),
      augmentLineage(tiny, augmentSettings),
      { locks: null },
    );
    const candidates = await store.candidates.listByRun(run.id);
    expect(candidates).toHaveLength(KEPT);
    expect(candidates.every((c) => c.truncated)).toBe(true);
    // The model saw the cut passage; the pair keeps the whole one.
    expect(candidates.every((c) => c.output.length > 228)).toBe(true);
    expect((await store.stages.get(run.id, 'augment')).failed ?? 0).toBe(0);
  });

  it('paused after a batch and resumed after a reload gives the uninterrupted result', async () => {
    const { store, ws, newRun } = await setUp();
    const reference = await newRun();
    await augment(store, ws.id, reference.id, await engineFor('M_yx'));

    const run = await newRun();
    const pause = new AbortController();
    const first = await engineFor('M_yx');
    const paused = await augment(store, ws.id, run.id, first, {
      pause: pause.signal,
      onProgress: (p: { done: number }) => p.done === BATCH && pause.abort(),
    });
    expect(paused.status).toBe('paused');
    const second = await engineFor('M_yx');
    expect((await augment(store, ws.id, run.id, second)).status).toBe('done');
    expect(first.generated.length + second.generated.length).toBe(KEPT);
    expect(await contents(store, run.id)).toEqual(await contents(store, reference.id));
    // Lineage recorded once, not once per resume.
    expect((await store.runs.get(run.id))?.config.lineage).toHaveLength(1);
  });

  it('a segment limit takes the first N kept segments, across batches and a pause', async () => {
    const { store, ws, kept, newRun } = await setUp();
    const limited = { ...augmentSettings, limit: BATCH + 1 };
    const run = await newRun();
    const def = augmentStage(store, { workspaceId: ws.id, runId: run.id }, model('M_yx'), limited);
    expect(await def.countAll()).toBe(BATCH + 1);
    const first = await def.listAfter(undefined, BATCH);
    expect(first.map((s) => s.id)).toEqual(kept.slice(0, BATCH).map((s) => s.id));
    const rest = await def.listAfter(first.at(-1)!.id, BATCH);
    expect(rest.map((s) => s.id)).toEqual([kept[BATCH].id]);
    expect(await def.listAfter(rest[0].id, BATCH)).toEqual([]);

    const pause = new AbortController();
    const m = model('M_yx');
    const engine = await engineFor('M_yx');
    const stage = (opts = {}) =>
      runMethodStage(
        store,
        engine,
        run.id,
        augmentStage(store, { workspaceId: ws.id, runId: run.id }, m, limited),
        augmentLineage(m, limited),
        { locks: null, ...opts },
      );
    const onProgress = (p: { done: number }) => p.done === BATCH && pause.abort();
    expect((await stage({ pause: pause.signal, onProgress })).status).toBe('paused');
    expect((await stage()).status).toBe('done');
    const written = (await store.candidates.listByRun(run.id)).map((c) => c.segmentId).sort();
    expect(written).toEqual(
      kept
        .slice(0, BATCH + 1)
        .map((s) => s.id)
        .sort(),
    );
    expect((await store.runs.get(run.id))?.stages.augment).toMatchObject({ done: BATCH + 1 });
  });
});

describe('curate stage (§2.3)', () => {
  async function augmented() {
    const ctx = await setUp();
    const run = await ctx.newRun();
    await augment(ctx.store, ctx.ws.id, run.id, await engineFor('M_yx'));
    const usable = await ctx.store.candidates.countUsable(run.id);
    expect(usable).toBeGreaterThan(4);
    return { ...ctx, run, usable };
  }

  it('paper mode: verbatim prompt, parsed scores, failures kept as ratings with a reason', async () => {
    const { store, run, usable } = await augmented();
    const candidates = await store.candidates.listByRun(run.id);
    const garbled = candidates.find((c) => !c.filterReason)!;
    const engine = await engineFor('M0', (p) => p.includes(garbled.output));
    const outcome = await curate(store, run.id, engine, curateSettings(1, 'paper'));
    expect(outcome.status).toBe('done');
    expect(outcome.state.failed ?? 0).toBe(0);
    expect(engine.generated[0].prompt).toEqual([
      {
        role: 'user',
        content: ratingPrompt(candidates.find((c) => !c.filterReason)!.instruction, garbled.output),
      },
    ]);
    const rated = await store.candidates.listByRun(run.id);
    const failed = rated.find((c) => c.id === garbled.id)!;
    expect(failed.ratings).toEqual([
      expect.objectContaining({
        score: null,
        failure: 'no-score',
        rawOutput: 'I cannot decide.',
        iteration: 1,
        mode: 'paper',
        rater: 'M0',
      }),
    ]);
    const ok = rated.filter((c) => !c.filterReason && c.id !== garbled.id);
    for (const c of ok) {
      expect(c.ratings).toHaveLength(1);
      expect(c.ratings[0].score).toBeGreaterThanOrEqual(1);
      expect(c.ratings[0].rawOutput).toContain(`Score: ${c.ratings[0].score}`);
      expect(c.ratings[0].finishReason).toBe('stop');
    }
    const counts = await store.candidates.ratedCounts(run.id, 1, 'paper');
    expect(counts.reduce((a, b) => a + b, 0)).toBe(usable);
    expect(counts[0]).toBe(1);
    const a5 = await store.candidates.listRated(run.id, 1, 'paper', 5);
    expect(a5.length).toBe(counts[5]);
  });

  it('an engine that refuses the assistant prefix stops fast mode once, rating nothing', async () => {
    const { store, run } = await augmented();
    const engine = await engineFor('M0');
    let calls = 0;
    engine.score = async () => {
      calls++;
      throw new InputError('cannot start the assistant turn with given text', {
        field: 'assistantPrefix',
      });
    };
    await expect(curate(store, run.id, engine, curateSettings(1, 'fast'))).rejects.toThrow(
      /assistant turn/,
    );
    // One refused call, not one per candidate; the stage says why and nothing was rated.
    expect(calls).toBe(1);
    const stage = Object.values((await store.runs.get(run.id))!.stages).find(
      (st) => st?.status === 'failed',
    );
    expect(stage?.error).toMatch(/assistantPrefix|assistant turn/);
    const rated = (await store.candidates.listByRun(run.id)).filter((c) => c.ratings.length > 0);
    expect(rated).toHaveLength(0);
  });

  it('fast mode: scores after "Score:", stores the distribution and expected value', async () => {
    const { store, run, usable } = await augmented();
    const engine = await engineFor('M0');
    await curate(store, run.id, engine, curateSettings(1, 'fast'));
    expect(engine.generated).toHaveLength(0);
    expect(engine.scored[0]).toMatchObject({
      assistantPrefix: FAST_RATING_PREFIX,
      continuations: ['1', '2', '3', '4', '5'],
    });
    const rated = (await store.candidates.listByRun(run.id)).filter((c) => !c.filterReason);
    expect(rated).toHaveLength(usable);
    for (const c of rated) {
      const [r] = c.ratings;
      expect(r.mode).toBe('fast');
      expect(r.distribution!.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      const expected = r.distribution!.reduce((a, p, i) => a + p * (i + 1), 0);
      expect(r.expected).toBeCloseTo(expected, 9);
      expect(r.score).toBe(r.distribution!.indexOf(Math.max(...r.distribution!)) + 1);
    }
  });

  it('resumes after a reload mid-curation with the uninterrupted results; cancel keeps what committed', async () => {
    const { store, run } = await augmented();
    const reference = await store.runs.create(run.workspaceId, { name: 'ref', config: {} });
    // Same candidates in a second run, rated without interruption.
    const copies = (await store.candidates.listByRun(run.id)).map((c) => ({
      ...c,
      id: `${reference.id}:${c.segmentId}`,
      runId: reference.id,
    }));
    await store.candidates.putBatch(copies);
    await curate(store, reference.id, await engineFor('M0'), curateSettings(1, 'paper'));

    const cancel = new AbortController();
    const first = await engineFor('M0');
    const stopped = await curate(store, run.id, first, curateSettings(1, 'paper'), {
      signal: cancel.signal,
      onProgress: (p: { done: number }) => p.done === BATCH && cancel.abort(),
    });
    expect(stopped.status).toBe('cancelled');
    expect(stopped.state.done).toBe(BATCH);
    const second = await engineFor('M0');
    expect((await curate(store, run.id, second, curateSettings(1, 'paper'))).status).toBe('done');
    const usable = await store.candidates.countUsable(run.id);
    expect(first.generated.length + second.generated.length).toBe(usable);
    expect(await contents(store, run.id)).toEqual(await contents(store, reference.id));
  });

  it('iteration 2 re-rates every candidate with M1; A_k^(1) stays, the chain has both', async () => {
    const { store, run, usable } = await augmented();
    await curate(store, run.id, await engineFor('M0'), curateSettings(1, 'paper'));
    await curate(store, run.id, await engineFor('M0'), curateSettings(1, 'fast'));
    const a1 = (await store.candidates.listRated(run.id, 1, 'paper', 5)).map((c) => c.id).sort();
    const m1 = await engineFor('M1');
    await curate(store, run.id, m1, curateSettings(2, 'paper'), {}, 'M0+M1');
    expect(m1.generated).toHaveLength(usable);
    expect(
      (await store.candidates.listRated(run.id, 1, 'paper', 5)).map((c) => c.id).sort(),
    ).toEqual(a1);
    for (const c of (await store.candidates.listByRun(run.id)).filter((x) => !x.filterReason)) {
      expect(c.ratings.map((r) => [r.iteration, r.mode, r.rater])).toEqual([
        [1, 'paper', 'M0'],
        [1, 'fast', 'M0'],
        [2, 'paper', 'M0+M1'],
      ]);
    }
    const summary = await summarizeRun(store, run.id, {
      k: 4,
      fast: { by: 'expected', atLeast: 3.5 },
    });
    expect(summary.curations.map((c) => [c.iteration, c.mode, c.rated])).toEqual([
      [1, 'fast', usable],
      [1, 'paper', usable],
      [2, 'paper', usable],
    ]);
    const paper1 = summary.curations.find((c) => c.iteration === 1 && c.mode === 'paper')!;
    expect(paper1.kept).toBe((await store.candidates.listRated(run.id, 1, 'paper', 4)).length);
    expect(summary.agreement).toHaveLength(1);
    expect(summary.agreement[0].report.pairs).toBe(usable);
    // The fake's fast distribution peaks at the rating paper mode writes: ranks agree strongly.
    const { report } = summary.agreement[0];
    expect(report.spearman).toBeGreaterThan(0.8);
    const { both, onlyA, onlyB, neither } = report.kept;
    expect(both + onlyA + onlyB + neither).toBe(usable);
    expect(both + onlyA).toBe(paper1.kept);
    const lineage = (await store.runs.get(run.id))?.config.lineage ?? [];
    expect(lineage.map((l) => [l.kind, l.iteration, l.stage])).toEqual([
      ['augment', 0, 'augment'],
      ['curate', 1, 'curate-1-paper'],
      ['curate', 1, 'curate-1-fast'],
      ['curate', 2, 'curate-2-paper'],
    ]);
  });
});
