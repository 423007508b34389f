// Issue 10 §8: the method's stages run on every engine behind the port, not only on the
// FakeEngine that method-stages.test.ts uses: here on the real WebLlmEngine over the fake
// web-llm runtime (the demo/test runtime; a real model needs a GPU and a network) and on the
// real ServerEngine over a local OpenAI-compatible server. Augmentation, then curation in paper
// and fast mode, through the real store; web-llm cannot prefill the assistant turn, so its fast
// mode runs the score-only variant, recorded as such in the lineage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import type { Engine } from '../../../src/lib/engines/engine';
import { ServerEngine } from '../../../src/lib/engines/server/server-engine';
import { FAKE_WEBLLM_MODEL, fakeWebLlm } from '../../../src/lib/engines/webllm/fake-runtime';
import { WebLlmEngine } from '../../../src/lib/engines/webllm/webllm-engine';
import {
  FAST_RATING_PREFIX,
  PROMPT_VERSIONS,
  SCORE_ONLY_INSTRUCTION,
} from '../../../src/lib/method/prompts';
import {
  augmentLineage,
  augmentStage,
  DEFAULT_AUGMENT_SAMPLING,
  type AugmentSettings,
} from '../../../src/lib/pipeline/augment-stage';
import {
  curateLineage,
  curateStage,
  DEFAULT_CURATE_SAMPLING,
  type CurateSettings,
} from '../../../src/lib/pipeline/curate-stage';
import type { MethodModel } from '../../../src/lib/pipeline/method-model';
import { runMethodStage } from '../../../src/lib/pipeline/method-service';
import type { EngineKind } from '../../../src/lib/domain';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server';
import { freshStore } from '../store/helpers';
import { ingestDocs } from './ingest-helper';

const DEMO = new URL('../../../public/demo/', import.meta.url);
const demoNotes = readdirSync(DEMO)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .slice(0, 3)
  .map((f) => readFileSync(new URL(f, DEMO), 'utf8'));

const augmentSettings: AugmentSettings = {
  way: 'backward-adapter',
  examples: [],
  sampling: { ...DEFAULT_AUGMENT_SAMPLING, maxTokens: 24 },
  batchSize: 3,
};
const curate = (mode: 'paper' | 'fast'): CurateSettings => ({
  iteration: 1,
  mode,
  sampling: { ...DEFAULT_CURATE_SAMPLING, maxTokens: 48 },
  batchSize: 3,
});

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startOpenAiTestServer({ models: ['tiny-fake'] });
});
afterAll(() => server.close());

async function runMethod(engine: Engine, kind: EngineKind, modelId: string) {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  await ingestDocs(store, ws.id, demoNotes);
  const kept = (await store.segments.page(ws.id, 100, { bucket: 'kept' })).items;
  const run = await store.runs.create(ws.id, { name: kind, config: {} });
  const model: MethodModel = {
    label: modelId,
    contextTokens: 4096,
    lineage: { model: { id: modelId }, engine: kind },
  };
  const opts = { locks: null };
  await runMethodStage(
    store,
    engine,
    run.id,
    augmentStage(store, { workspaceId: ws.id, runId: run.id }, model, augmentSettings),
    augmentLineage(model, augmentSettings),
    opts,
  );
  for (const mode of ['paper', 'fast'] as const)
    await runMethodStage(
      store,
      engine,
      run.id,
      curateStage(store, run.id, model, curate(mode)),
      curateLineage(model, curate(mode)),
      opts,
    );
  const candidates = await store.candidates.listByRun(run.id);
  const usable = await store.candidates.countUsable(run.id);
  const lineage = (await store.runs.get(run.id))?.config.lineage ?? [];
  return { kept, candidates, usable, lineage };
}

function expectRated(result: Awaited<ReturnType<typeof runMethod>>) {
  const { kept, candidates, usable } = result;
  expect(kept.length).toBeGreaterThanOrEqual(3);
  expect(candidates).toHaveLength(kept.length);
  expect(usable).toBeGreaterThan(0);
  const rated = candidates.filter((c) => c.ratings.length);
  expect(rated).toHaveLength(usable);
  for (const c of rated) {
    const paper = c.ratings.find((r) => r.mode === 'paper');
    const fast = c.ratings.find((r) => r.mode === 'fast');
    // Paper mode: a score or the reason none could be read, never nothing.
    expect(paper?.score ?? paper?.failure).toBeTruthy();
    const sum = fast?.distribution?.reduce((a, b) => a + b, 0) ?? 0;
    expect(sum).toBeCloseTo(1, 6);
    expect(fast?.expected).toBeGreaterThanOrEqual(1);
    expect(fast?.expected).toBeLessThanOrEqual(5);
  }
}

describe('the method stages on every engine (issue 10 §8)', () => {
  it('web-llm (fake runtime): augment, paper and fast curation; fast runs the score-only prompt', async () => {
    const requests: Record<string, unknown>[] = [];
    const env = fakeWebLlm();
    const engine = new WebLlmEngine({
      ...env,
      async createPort() {
        const port = await env.createPort();
        const chat = port.chatCompletion.bind(port);
        port.chatCompletion = (req) => (requests.push(req), chat(req));
        return port;
      },
    });
    await engine.load({ id: FAKE_WEBLLM_MODEL, source: 'web-llm' });
    const result = await runMethod(engine, 'web-llm', FAKE_WEBLLM_MODEL);
    expectRated(result);
    const fastEntry = result.lineage.find((l) => l.stage?.includes('fast'));
    expect(fastEntry?.promptVersion).toBe(PROMPT_VERSIONS.fastRatingScoreOnly);
    // The scoring requests end with the user's turn (no assistant prefix), which asks for the digit.
    const scoring = requests.filter((r) => r.logprobs);
    expect(scoring.length).toBeGreaterThan(0);
    for (const r of scoring) {
      const messages = r.messages as { role: string; content: string }[];
      expect(messages.at(-1)?.role).toBe('user');
      expect(messages.at(-1)?.content.endsWith(SCORE_ONLY_INSTRUCTION)).toBe(true);
    }
  });

  it('server (OpenAI-compatible): augment, paper and fast curation after the "Score:" prefix', async () => {
    const engine = new ServerEngine({ baseUrl: server.baseUrl, backoffMs: 5 });
    await engine.load({ id: 'tiny-fake', source: 'server' });
    const before = server.requests.length;
    const result = await runMethod(engine, 'server', 'tiny-fake');
    expectRated(result);
    const fastEntry = result.lineage.find((l) => l.stage?.includes('fast'));
    expect(fastEntry?.promptVersion).toBe(PROMPT_VERSIONS.fastRating);
    const sent = JSON.stringify(server.requests.slice(before).map((r) => r.body));
    expect(sent).toContain(FAST_RATING_PREFIX);
    expect(sent).not.toContain(SCORE_ONLY_INSTRUCTION);
  });
});
