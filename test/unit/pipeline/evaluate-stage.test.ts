// Pairwise evaluation as a stage (issue 12 item 2) on the real store (fake-indexeddb) and
// FakeEngines: both answers and both judge orders per prompt, the tagging sentence, the stored
// summary, and resume after a pause and a simulated reload without lost or repeated work.
import { describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import type {
  ChatMessage,
  EngineCallOptions,
  GenerateRequest,
  GenerateResult,
} from '../../../src/lib/engines/engine';
import { openStore, type Store } from '../../../src/lib/store';
import {
  createPairwiseEvaluation,
  runPairwiseEvaluation,
} from '../../../src/lib/pipeline/evaluate-service';
import {
  DEFAULT_PAIRWISE_SAMPLING,
  type PairwiseModels,
} from '../../../src/lib/pipeline/evaluate-stage';
import { SEED_TAG, STARTER_PROMPTS, WEB_TAG } from '../../../src/lib/method';
import type { EvalAnswer, PairwiseResult, PairwiseSetup } from '../../../src/lib/domain';

/** A FakeEngine that counts the requests it answered (per prompt text). */
class CountingEngine extends FakeEngine {
  requests: GenerateRequest[] = [];
  override async generate(req: GenerateRequest, opts?: EngineCallOptions): Promise<GenerateResult> {
    const r = await super.generate(req, opts);
    this.requests.push(req);
    return r;
  }
}

async function models(): Promise<PairwiseModels & { engines: CountingEngine[] }> {
  const engines = [new CountingEngine(), new CountingEngine(), new CountingEngine()];
  const ids = ['model-a', 'model-b', 'judge'];
  await Promise.all(engines.map((e, i) => e.load({ id: ids[i], source: 'fake' })));
  const loaded = (i: number) => ({
    engine: engines[i],
    model: { label: ids[i], contextTokens: 4096, lineage: { engine: 'fake' as const } },
  });
  return { a: loaded(0), b: loaded(1), judge: loaded(2), engines };
}

const PROMPTS = STARTER_PROMPTS.slice(0, 10);

function setup(over: Partial<PairwiseSetup> = {}): PairwiseSetup {
  return {
    promptSetId: 'starter',
    promptSetName: 'starter',
    prompts: PROMPTS.map((p) => ({ ...p })),
    modelA: { role: 'rater', label: 'model-a' },
    modelB: { role: 'backward', label: 'model-b' },
    judge: { role: 'judge', label: 'judge' },
    tagging: 'none',
    ...DEFAULT_PAIRWISE_SAMPLING,
    maxTokens: 24,
    batchSize: 3,
    ...over,
  };
}

async function scene() {
  const { store, name } = await freshStore();
  const ws = await store.workspaces.create('w');
  const run = await store.runs.create(ws.id, { name: 'run', config: {} });
  return { store, name, where: { workspaceId: ws.id, runId: run.id } };
}

const userText = (r: GenerateRequest) =>
  (r.prompt as ChatMessage[]).find((m) => m.role === 'user')!.content;
const strip = (a: EvalAnswer) => {
  const { id: _i, evaluationId: _e, runId: _r, ...rest } = a;
  return rest;
};

describe('pairwise evaluation stage', () => {
  it('answers with both models, judges both orders and stores the summary', async () => {
    const { store, where } = await scene();
    const m = await models();
    const created = await createPairwiseEvaluation(store, where, setup({ tagging: 'both' }));
    const { outcome, evaluation } = await runPairwiseEvaluation(store, created, m, {
      locks: null,
    });
    expect(outcome.status).toBe('done');
    const answers = await store.evalAnswers.list(created.id);
    expect(answers.map((a) => a.prompt)).toEqual(PROMPTS.map((p) => p.text));
    // Each model answered each prompt once, with {S_a, S_w} as the system prompt.
    for (const engine of m.engines.slice(0, 2)) {
      expect(engine.requests.map(userText)).toEqual(PROMPTS.map((p) => p.text));
      expect((engine.requests[0].prompt as ChatMessage[])[0]).toEqual({
        role: 'system',
        content: `${SEED_TAG} ${WEB_TAG}`,
      });
    }
    // The judge saw every pair twice, once in each order.
    const judged = m.engines[2].requests.map(userText);
    expect(judged).toHaveLength(20);
    const first = answers[0];
    expect(judged[0].indexOf(first.answerA)).toBeLessThan(judged[0].indexOf(first.answerB));
    expect(judged[1].indexOf(first.answerB)).toBeLessThan(judged[1].indexOf(first.answerA));
    expect(m.engines[2].requests.every((r) => r.temperature === 0)).toBe(true);
    // The stored summary is the one the records give.
    const r = evaluation.results as PairwiseResult;
    const scored = answers.filter((a) => a.score !== null);
    expect(r.n + r.unjudged!).toBe(10);
    expect(r.n).toBeGreaterThan(0);
    expect(r.n).toBe(scored.length);
    expect(r.rate).toBeCloseTo(scored.reduce((s, a) => s + a.score!, 0) / (r.n || 1), 12);
    expect(r.byCategory!.map((c) => c.category).sort()).toEqual(
      [...new Set(scored.map((a) => a.category))].sort(),
    );
    expect(r).toMatchObject({ model: 'model-a', baseline: 'model-b', judge: 'judge' });
    expect((await store.evaluations.latest(where, 'pairwise'))?.id).toBe(created.id);
    expect((await store.runs.get(where.runId))?.config.lineage?.[0]).toMatchObject({
      kind: 'evaluate',
      promptVersion: 'pairwise-judge-v1',
    });
  });

  it('resumes after a pause and a reload: nothing lost, nothing repeated', async () => {
    const { store, name, where } = await scene();
    // Reference: the same setup without interruption.
    const reference = await createPairwiseEvaluation(store, where, setup());
    await runPairwiseEvaluation(store, reference, await models(), { locks: null });
    const expected = (await store.evalAnswers.list(reference.id)).map(strip);

    const created = await createPairwiseEvaluation(store, where, setup());
    const first = await models();
    const pause = new AbortController();
    const paused = await runPairwiseEvaluation(store, created, first, {
      locks: null,
      pause: pause.signal,
      onProgress: (p) => {
        if (p.done >= 3) pause.abort();
      },
    });
    expect(paused.outcome.status).toBe('paused');
    expect(await store.evalAnswers.count(created.id)).toBe(3);
    expect((paused.evaluation.results as PairwiseResult).n).toBeLessThanOrEqual(3);

    // A reload: a new connection, the evaluation read back, fresh engines.
    store.close();
    const again: Store = await openStore(name);
    const stored = (await again.evaluations.get(created.id))!;
    const second = await models();
    const resumed = await runPairwiseEvaluation(again, stored, second, { locks: null });
    expect(resumed.outcome.status).toBe('done');
    // Only the 7 prompts left were answered (and judged twice each).
    expect(second.engines[0].requests.map(userText)).toEqual(PROMPTS.slice(3).map((p) => p.text));
    expect(second.engines[2].requests).toHaveLength(14);
    const answers = await again.evalAnswers.list(created.id);
    expect(answers.map(strip)).toEqual(expected);
    expect((resumed.evaluation.results as PairwiseResult).rate).toBe(
      ((await again.evaluations.get(reference.id))!.results as PairwiseResult).rate,
    );
  });

  it('a cancel mid-batch drops only the batch in flight', async () => {
    const { store, where } = await scene();
    const created = await createPairwiseEvaluation(store, where, setup());
    const m = await models();
    const cancel = new AbortController();
    // Cancel while the second batch's answers are being written.
    const answer = m.engines[0].generate.bind(m.engines[0]);
    m.engines[0].generate = async (req, opts) => {
      if (m.engines[0].requests.length === 4) cancel.abort();
      return answer(req, opts);
    };
    const { outcome } = await runPairwiseEvaluation(store, created, m, {
      locks: null,
      signal: cancel.signal,
    });
    expect(outcome.status).toBe('cancelled');
    expect(await store.evalAnswers.count(created.id)).toBe(3);
    const state = (await store.runs.get(where.runId))!.stages[`evaluate-${created.id}`];
    expect(state).toMatchObject({ status: 'cancelled', done: 3, total: 10 });
  });
});
