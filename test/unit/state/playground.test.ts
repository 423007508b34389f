// The playground (issue 9 §4) over the deterministic FakeEngine: load as a job, streamed
// generation with the sampling settings, stop, adapters that change the output, the rating
// prompt of the method, and a server engine driven against a local OpenAI-compatible server.
import { describe, expect, it } from 'vitest';
import type { AdapterSpec, GenerateRequest } from '../../../src/lib/engines/engine';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { RATING_PROMPT_HEAD } from '../../../src/lib/method/prompts';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { playgroundEngine } from '../../../src/lib/state/models-open';
import { ServerEngine } from '../../../src/lib/engines/server/server-engine';
import { startOpenAiTestServer } from '../../helpers/openai-test-server';
import { PlaygroundState } from '../../../src/lib/state/playground.svelte';

const adapter = (id: string): AdapterSpec => ({
  id,
  rank: 1,
  alpha: 1,
  targetModules: ['q_proj'],
  tensors: {},
});

function setup(delayMs = 0) {
  const jobs = new JobsState();
  const requests: GenerateRequest[] = [];
  const engine = new FakeEngine({ delayMs });
  const generate = engine.generate.bind(engine);
  engine.generate = (req, opts) => {
    requests.push(req);
    return generate(req, opts);
  };
  const asked: string[] = [];
  const pg = new PlaygroundState({
    jobs,
    createEngine: () => engine,
    checkpointAdapter: async (id) => {
      asked.push(id);
      return adapter('worker-id');
    },
    accessToken: () => '',
  });
  pg.engineKind = 'fake';
  pg.modelId = 'tiny';
  return { pg, jobs, requests, asked };
}

describe('PlaygroundState', () => {
  it('loads as a job, streams a reply with the visible sampling settings', async () => {
    const { pg, jobs, requests } = setup();
    expect(await pg.load()).toBe(true);
    expect(jobs.jobs[0]).toMatchObject({ label: 'Load tiny', status: 'done' });
    expect(pg.model?.choice).toEqual({ engine: 'fake', modelId: 'tiny', source: 'fake' });
    pg.prompt = 'Name a fruit.';
    pg.sampling = { temperature: 0, topP: 0.5, topK: 3, maxTokens: 6, seed: 9 };
    await pg.generate();
    expect(requests[0]).toMatchObject({
      prompt: [{ role: 'user', content: 'Name a fruit.' }],
      temperature: 0,
      topP: 0.5,
      topK: 3,
      maxTokens: 6,
      seed: 9,
    });
    expect(requests[0].adapterId).toBeUndefined();
    expect(pg.output.split(' ').length).toBeGreaterThan(0);
    expect(pg.finishReason).toBe('length');
    pg.mode = 'raw';
    await pg.generate();
    expect(requests[1].prompt).toBe('Name a fruit.');
  });

  it('with a trained adapter the output differs; the adapter id is the checkpoint id', async () => {
    const { pg, requests, asked } = setup();
    await pg.load();
    pg.prompt = 'Write three sentences about green tea, its history and brewing methods.';
    pg.sampling.maxTokens = 12;
    await pg.generate();
    const base = pg.output;
    expect(await pg.addAdapter('ck-1')).toBe(true);
    expect(asked).toEqual(['ck-1']);
    expect(pg.adapterId).toBe('ck-1');
    await pg.generate();
    expect(requests[1].adapterId).toBe('ck-1');
    expect(pg.output).not.toBe(base);
    // Adding it again selects it without asking the worker twice.
    pg.adapterId = '';
    await pg.addAdapter('ck-1');
    expect(asked).toEqual(['ck-1']);
    await pg.removeAdapter('ck-1');
    expect(pg.adapterId).toBe('');
    await pg.generate();
    expect(pg.output).toBe(base);
  });

  it('stop ends a streaming generation as an abort, not an error', async () => {
    const { pg } = setup(20);
    await pg.load();
    pg.prompt = 'Tell a long story.';
    pg.sampling.maxTokens = 200;
    const running = pg.generate();
    while (!pg.output) await new Promise((r) => setTimeout(r, 5));
    expect(pg.generating).toBe(true);
    pg.stop();
    await running;
    expect(pg.finishReason).toBe('abort');
    expect(pg.error).toBeNull();
    expect(pg.generating).toBe(false);
  });

  it('fills in the paper’s rating prompt for one pair', () => {
    const { pg } = setup();
    pg.mode = 'raw';
    pg.useRatingPrompt(' How do I boil an egg? ', ' Put it in boiling water for 8 minutes. ');
    expect(pg.mode).toBe('chat');
    expect(pg.prompt).toBe(
      `${RATING_PROMPT_HEAD}\n\nHow do I boil an egg?\nPut it in boiling water for 8 minutes.`,
    );
  });

  it('says what is missing instead of loading', async () => {
    const { pg, jobs } = setup();
    expect(await pg.addAdapter('x')).toBe(false);
    expect(pg.error).toBe('Load a model first.');
    pg.engineKind = 'onnx';
    pg.source = 'local';
    expect(await pg.load()).toBe(false);
    expect(pg.error).toMatch(/Pick a local model folder/);
    pg.engineKind = 'server';
    pg.serverUrl = 'localhost';
    expect(await pg.load()).toBe(false);
    expect(pg.error).toMatch(/base URL/);
    expect(jobs.jobs).toEqual([]);
  });

  it('the server engine seam refuses a bad URL in words, and builds an engine for a good one', () => {
    const choice = (serverUrl?: string) => ({
      engine: 'server' as const,
      source: 'server' as const,
      modelId: 'llama',
      ...(serverUrl ? { serverUrl } : {}),
    });
    expect(playgroundEngine('server', choice())).toBe('Enter the server URL.');
    expect(playgroundEngine('server', choice('ftp://x'))).toMatch(/http:\/\/ or https:\/\//);
    const real = { fake: false };
    expect(
      playgroundEngine('server', choice('http://localhost:8000/v1/'), {}, real),
    ).toBeInstanceOf(ServerEngine);
    expect(typeof playgroundEngine('fake')).toBe('object');
  });

  it('generates through a server of the user own (OpenAI wire format), with the API key', async () => {
    const server = await startOpenAiTestServer({ models: ['tiny-fake'], apiKey: 'sk-play' });
    try {
      const jobs = new JobsState();
      const pg = new PlaygroundState({
        jobs,
        createEngine: (kind, choice, secrets) =>
          playgroundEngine(kind, choice, secrets, { fake: false }),
        checkpointAdapter: async () => adapter('none'),
        accessToken: () => '',
      });
      pg.engineKind = 'server';
      pg.serverUrl = server.baseUrl;
      pg.modelId = 'tiny-fake';
      expect(pg.serverDestination).toMatch(
        /^http:\/\/(localhost|127\.0\.0\.1):\d+ \(this machine\)$/,
      );
      pg.serverApiKey = 'wrong';
      expect(await pg.load()).toBe(false);
      expect(pg.error).toMatch(/401|API key/i);
      pg.serverApiKey = 'sk-play';
      expect(await pg.load()).toBe(true);
      pg.prompt = 'Name a fruit.';
      pg.sampling = { temperature: 0, topP: 1, topK: 0, maxTokens: 5, seed: 1 };
      await pg.generate();
      const expected = await server.engine('tiny-fake').generate({
        prompt: [{ role: 'user', content: 'Name a fruit.' }],
        maxTokens: 5,
        temperature: 0,
      });
      expect(pg.output).toBe(expected.text);
      expect(server.requests.some((r) => r.path.endsWith('/chat/completions'))).toBe(true);
    } finally {
      await server.close();
    }
  });
});
