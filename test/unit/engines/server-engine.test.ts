// The server engine against the local OpenAI-compatible test server: what goes on the wire,
// retries and backoff, timeouts, concurrency, cancellation reaching the server, the rating
// digit's log-probabilities after an assistant prefix, and one specific error per failure
// (refused connection, 401, wrong base URL, unknown model, malformed answer). The shared
// engine contract runs in engine-contract.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage } from '../../../src/lib/engines/engine';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { ServerEngine } from '../../../src/lib/engines/server/server-engine';
import type { ServerSettings } from '../../../src/lib/engines/server/settings';
import { createEngine } from '../../../src/lib/state/engines';
import { expectedScore, parseScore, ratingPrompt } from '../../../src/lib/method';
import {
  CancelledError,
  deserializeError,
  InputError,
  ModelLoadError,
  serializeError,
  ServerError,
} from '../../../src/lib/protocol/errors';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server';

const MODEL = 'tiny-fake';
const DIGITS = ['1', '2', '3', '4', '5'];
const TEXT = 'The quick brown fox jumps over the lazy dog because';

let server: OpenAiTestServer;
beforeAll(async () => {
  server = await startOpenAiTestServer({ models: [MODEL, 'other'], apiKey: 'sk-test' });
});
afterAll(() => server.close());

async function engineWith(settings: Partial<ServerSettings> = {}): Promise<ServerEngine> {
  const engine = new ServerEngine({
    baseUrl: server.baseUrl,
    apiKey: 'sk-test',
    backoffMs: 5,
    ...settings,
  });
  await engine.load({ id: MODEL, source: 'server' });
  return engine;
}

function lastRequest(path: string) {
  const r = server.requests.filter((q) => q.path === `/v1${path}`).at(-1);
  if (!r) throw new Error(`no request to ${path}`);
  return r;
}

describe('ServerEngine: the wire', () => {
  it('load checks GET /models and reports the model with its context', async () => {
    const engine = new ServerEngine({ baseUrl: `${server.baseUrl}/`, apiKey: 'sk-test' });
    const info = await engine.load({ id: MODEL, source: 'server' });
    expect(info).toEqual({
      id: MODEL,
      engine: 'server',
      device: 'server',
      dtype: 'unknown',
      contextLength: 4096,
    });
    expect(lastRequest('/models').method).toBe('GET');
  });

  it('sends the sampling settings, top_k, and streams; text goes to /completions', async () => {
    const engine = await engineWith();
    const req = { prompt: TEXT, maxTokens: 5, temperature: 0.7, topP: 0.9, topK: 40, seed: 11 };
    const r = await engine.generate({ ...req, stop: ['zzz'] });
    expect(lastRequest('/completions').body).toMatchObject({
      model: MODEL,
      prompt: TEXT,
      max_tokens: 5,
      temperature: 0.7,
      top_p: 0.9,
      top_k: 40,
      seed: 11,
      stop: ['zzz'],
      stream: true,
      stream_options: { include_usage: true },
    });
    const fake = await server.engine(MODEL).generate({ ...req, stop: ['zzz'] });
    expect(r).toEqual({ ...fake, tokenIds: undefined, text: fake.text } as typeof r);
  });

  it('a chat prompt goes to /chat/completions with its messages', async () => {
    const engine = await engineWith();
    const messages: ChatMessage[] = [{ role: 'user', content: 'Name three rivers of Europe.' }];
    const r = await engine.generate({ prompt: messages, maxTokens: 4, temperature: 0 });
    expect(lastRequest('/chat/completions').body).toMatchObject({ messages, max_tokens: 4 });
    expect(r.text).toBe(
      (await server.engine(MODEL).generate({ prompt: messages, maxTokens: 4, temperature: 0 }))
        .text,
    );
  });

  it('a server that ignores stream: true still gives the text (one whole answer)', async () => {
    const whole = (body: unknown) =>
      new Response(JSON.stringify(body), { headers: { 'Content-Type': 'application/json' } });
    const fetchFn = (async (url: string) =>
      url.endsWith('/models')
        ? whole({ data: [{ id: 'm' }] })
        : whole({
            choices: [{ message: { content: 'Hello there' }, finish_reason: 'length' }],
            usage: { prompt_tokens: 3, completion_tokens: 2 },
          })) as unknown as typeof fetch;
    const engine = new ServerEngine({ baseUrl: 'http://localhost:9/v1' }, fetchFn);
    const info = await engine.load({ id: 'm', source: 'server' });
    expect(info.contextLength).toBe(0);
    const pieces: string[] = [];
    const r = await engine.generate(
      { prompt: [{ role: 'user', content: 'Hi' }], maxTokens: 2, temperature: 0 },
      { onToken: (p) => pieces.push(p) },
    );
    expect(r).toEqual({
      text: 'Hello there',
      finishReason: 'length',
      promptTokens: 3,
      completionTokens: 2,
    });
    expect(pieces).toEqual(['Hello there']);
  });

  it('generateBatch keeps `concurrency` requests in flight and returns them in order', async () => {
    const engine = await engineWith({ concurrency: 3 });
    server.chunkDelayMs = 15;
    server.maxInFlight = 0;
    try {
      const reqs = Array.from({ length: 7 }, (_, i) => ({
        prompt: `${TEXT} number ${i} of seven`,
        maxTokens: 3,
        temperature: 0,
      }));
      const streamed = reqs.map(() => '');
      const batch = await engine.generateBatch(reqs, {
        onBatchToken: (i, p) => (streamed[i] += p),
      });
      expect(server.maxInFlight).toBe(3);
      expect(batch.map((r) => r.text)).toEqual(streamed);
      for (const [i, req] of reqs.entries())
        expect(batch[i].text).toBe((await server.engine(MODEL).generate(req)).text);
    } finally {
      server.chunkDelayMs = 0;
    }
  });

  it('a cancel mid-stream is a CancelledError and closes the request on the server', async () => {
    const engine = await engineWith();
    server.chunkDelayMs = 40;
    const before = server.abortedStreams;
    try {
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 100);
      await expect(
        engine.generate(
          { prompt: TEXT, maxTokens: 30, temperature: 0 },
          { signal: controller.signal },
        ),
      ).rejects.toThrow(CancelledError);
      await expect.poll(() => server.abortedStreams).toBeGreaterThan(before);
    } finally {
      server.chunkDelayMs = 0;
    }
  });
});

describe('ServerEngine: scoring', () => {
  const pairs = [
    ['What is 2+2?', 'Four.'],
    ['Name a fruit.', 'A banana.'],
    ['Why is the sky blue?', 'Rayleigh scattering.'],
    ['Write a haiku.', 'Old pond, frog jumps in.'],
  ];

  it('reads the rating digit after "Score:" with continue_final_message (vLLM)', async () => {
    const engine = await engineWith();
    const ratings = new Set<number>();
    for (const [q, a] of pairs) {
      const prompt: ChatMessage[] = [{ role: 'user', content: ratingPrompt(q, a) }];
      const { logprobs } = await engine.score({
        prompts: [prompt],
        continuations: DIGITS,
        assistantPrefix: 'Score:',
      });
      expect(lastRequest('/chat/completions').body).toMatchObject({
        messages: [...prompt, { role: 'assistant', content: 'Score:' }],
        add_generation_prompt: false,
        continue_final_message: true,
        max_tokens: 1,
        logprobs: true,
        top_logprobs: 20,
      });
      // The server's model writes "… Score: n"; the digit it scores highest is that n.
      const written = await server
        .engine(MODEL)
        .generate({ prompt, maxTokens: 64, temperature: 0 });
      const parsed = parseScore(written.text);
      if (!parsed.ok) throw new Error(`no score in "${written.text}"`);
      expect(expectedScore(logprobs[0]).argmax).toBe(parsed.score);
      ratings.add(parsed.score);
    }
    expect(ratings.size).toBeGreaterThan(1);
  });

  it('generation after an assistant prefix continues it, without repeating it', async () => {
    const engine = await engineWith();
    const prompt: ChatMessage[] = [
      { role: 'user', content: ratingPrompt(pairs[1][0], pairs[1][1]) },
    ];
    const r = await engine.generate({
      prompt,
      maxTokens: 4,
      temperature: 0,
      assistantPrefix: 'Score:',
    });
    expect(lastRequest('/chat/completions').body).toMatchObject({
      messages: [...prompt, { role: 'assistant', content: 'Score:' }],
      continue_final_message: true,
      add_generation_prompt: false,
      stream: true,
    });
    // Only the digit is left to write after "Score:", and it is the one scoring ranks first.
    expect(r.text).toMatch(/^[1-5]$/);
    const { logprobs } = await engine.score({
      prompts: [prompt],
      continuations: DIGITS,
      assistantPrefix: 'Score:',
    });
    expect(expectedScore(logprobs[0]).argmax).toBe(Number(r.text));
  });

  it('a digit missing from top_logprobs gets the floor: the least listed log-probability', async () => {
    const engine = await engineWith({ topLogprobs: 2 });
    const prompt = ratingPrompt(pairs[0][0], pairs[0][1]);
    const { logprobs } = await engine.score({
      prompts: [prompt],
      continuations: DIGITS,
      assistantPrefix: ' Score:',
    });
    // A text prompt takes the prefix as it is: the model goes on after it.
    expect(lastRequest('/completions').body).toMatchObject({
      prompt: `${prompt} Score:`,
      logprobs: 2,
      max_tokens: 1,
    });
    const row = logprobs[0];
    const floor = Math.min(...row);
    const atFloor = row.filter((x) => x === floor).length;
    // Two listed tokens (at most two digits above the floor); the rest share it.
    expect(atFloor).toBeGreaterThanOrEqual(3);
    expect(row.filter((x) => x > floor).length).toBeGreaterThanOrEqual(1);
  });

  it("prefill 'chat-template' renders the chat and sends text to /completions", async () => {
    const template =
      '{{ bos_token }}' +
      "{% for m in messages %}<|{{ m['role'] }}|>{{ m['content'] }}\n{% endfor %}" +
      '{% if add_generation_prompt %}<|assistant|>{% endif %}';
    const engine = await engineWith({
      prefill: 'chat-template',
      chatTemplate: { template, bosToken: '<s>' },
    });
    const prompt: ChatMessage[] = [{ role: 'user', content: ratingPrompt('Q?', 'A.') }];
    await engine.score({ prompts: [prompt], continuations: DIGITS, assistantPrefix: 'Score:' });
    const body = lastRequest('/completions').body!;
    // Without the template's BOS: the server adds it when it tokenizes.
    expect(body.prompt).toBe(`<|user|>${ratingPrompt('Q?', 'A.')}\n<|assistant|>Score:`);
  });

  it("prefill 'refuse' refuses an assistant prefix on a chat prompt, saying why", async () => {
    const engine = await engineWith({ prefill: 'refuse' });
    const prompt: ChatMessage[] = [{ role: 'user', content: 'Rate this.' }];
    const req = { prompts: [prompt], continuations: DIGITS, assistantPrefix: 'Score:' };
    await expect(engine.score(req)).rejects.toMatchObject({
      name: 'InputError',
      field: 'assistantPrefix',
      message: expect.stringMatching(/continue_final_message|chat template/),
    });
  });

  it('multi-token continuations and blank ones are refused', async () => {
    const engine = await engineWith();
    for (const c of ['very good', ' ', ''])
      await expect(engine.score({ prompts: [TEXT], continuations: [c] })).rejects.toThrow(
        /single-token/,
      );
  });
});

describe('ServerEngine: errors are data naming the URL and status', () => {
  it('a refused connection', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const engine = new ServerEngine({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      retries: 1,
      backoffMs: 1,
    });
    const err = await engine.load({ id: MODEL, source: 'server' }).catch((e) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect(err.data).toMatchObject({ url: `http://127.0.0.1:${port}/v1/models`, status: 0 });
    expect(err.message).toMatch(/Cannot reach .*ECONNREFUSED.*CORS/);
  });

  it('a wrong API key (401), a base URL without /v1 (404), a model it does not serve', async () => {
    const wrongKey = new ServerEngine({ baseUrl: server.baseUrl, apiKey: 'sk-wrong' });
    await expect(wrongKey.load({ id: MODEL, source: 'server' })).rejects.toMatchObject({
      name: 'ModelLoadError',
      data: { status: 401, url: `${server.baseUrl}/models` },
      message: expect.stringMatching(/refused the API key \(401\): Invalid API key/),
    });
    const noV1 = new ServerEngine({
      baseUrl: server.baseUrl.replace(/\/v1$/, ''),
      apiKey: 'sk-test',
    });
    await expect(noV1.load({ id: MODEL, source: 'server' })).rejects.toThrow(/404.*\/v1/);
    const engine = new ServerEngine({ baseUrl: server.baseUrl, apiKey: 'sk-test' });
    await expect(engine.load({ id: 'llama-70b', source: 'server' })).rejects.toThrow(
      `${server.baseUrl}/models has no model "llama-70b" (it serves: ${MODEL}, other)`,
    );
  });

  it('a 404 for the model at generation names the model; the error crosses workers', async () => {
    const engine = await engineWith({ retries: 0 });
    server.faults.push({ status: 404 });
    const err = await engine
      .generate({ prompt: TEXT, maxTokens: 2, temperature: 0 })
      .catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toContain(`${server.baseUrl}/completions has no model "${MODEL}" (404)`);
    const back = deserializeError(serializeError(err)) as ServerError;
    expect(back).toBeInstanceOf(ServerError);
    expect([back.url, back.status]).toEqual([`${server.baseUrl}/completions`, 404]);
  });

  it('429 and 503 are retried with backoff; without retries they are errors', async () => {
    const engine = await engineWith({ retries: 3 });
    const count = () => server.requests.filter((q) => q.path === '/v1/completions').length;
    let before = count();
    server.faults.push({ status: 429 }, { status: 503 });
    const r = await engine.generate({ prompt: TEXT, maxTokens: 2, temperature: 0 });
    expect(r.text.length).toBeGreaterThan(0);
    expect(count() - before).toBe(3);
    const once = await engineWith({ retries: 0 });
    before = count();
    server.faults.push({ status: 429 });
    await expect(
      once.generate({ prompt: TEXT, maxTokens: 2, temperature: 0 }),
    ).rejects.toMatchObject({
      name: 'ServerError',
      data: { status: 429 },
    });
    expect(count() - before).toBe(1);
  });

  it('Retry-After sets the wait', async () => {
    const engine = await engineWith({ retries: 1, backoffMs: 1 });
    server.faults.push({ status: 429, retryAfter: 1 });
    const t = Date.now();
    await engine.generate({ prompt: TEXT, maxTokens: 1, temperature: 0 });
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
  });

  it('malformed answers: not JSON, or no choices', async () => {
    const engine = await engineWith({ retries: 0 });
    server.faults.push({ malformed: 'not-json' });
    await expect(engine.score({ prompts: [TEXT], continuations: DIGITS })).rejects.toThrow(
      `${server.baseUrl}/completions sent an answer that is not in OpenAI's format: not JSON: <html>proxy error</html>`,
    );
    server.faults.push({ malformed: 'no-choices' });
    await expect(engine.generate({ prompt: TEXT, maxTokens: 2, temperature: 0 })).rejects.toThrow(
      /not in OpenAI's format: a stream chunk has no "choices"/,
    );
  });

  it('a stream that stalls times out; one that keeps streaming does not', async () => {
    const engine = await engineWith({ retries: 0, timeoutMs: 150 });
    const req = { prompt: TEXT, maxTokens: 8, temperature: 0 };
    server.chunkDelayMs = 50;
    try {
      // 8 chunks 50 ms apart: 400 ms in all, never 150 ms without one.
      expect((await engine.generate(req)).completionTokens).toBe(8);
      server.chunkDelayMs = 200;
      await expect(engine.generate(req)).rejects.toThrow(
        `${server.baseUrl}/completions sent nothing for 150 ms`,
      );
    } finally {
      server.chunkDelayMs = 0;
    }
  });

  it('adapters and (when set off) top_k are refused with what to do instead', async () => {
    const engine = await engineWith({ sendTopK: false });
    await expect(
      engine.addAdapter({ id: 'mine', rank: 1, alpha: 1, targetModules: [], tensors: {} }),
    ).rejects.toThrow(/load the LoRA on the server/);
    await expect(
      engine.generate({ prompt: TEXT, maxTokens: 2, temperature: 1, topK: 5 }),
    ).rejects.toMatchObject({ name: 'InputError', field: 'topK' });
  });
});

describe('createEngine("server")', () => {
  it('builds a ServerEngine from the typed settings, or refuses without a URL', () => {
    const engine = createEngine('server', { fake: false, server: { baseUrl: server.baseUrl } });
    expect(engine).toBeInstanceOf(ServerEngine);
    expect(() => createEngine('server', { fake: false })).toThrow(InputError);
    expect(createEngine('server', { fake: true })).toBeInstanceOf(FakeEngine);
  });
});
