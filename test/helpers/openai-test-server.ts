// A small OpenAI-compatible HTTP server for the server engine's tests, on node's `http`:
// GET /v1/models, POST /v1/chat/completions and /v1/completions, streamed (SSE) or whole,
// top_logprobs, vLLM's continue_final_message, OpenAI-style errors (401, 404 model), and
// injected faults (a 429 or 503 before success, a malformed answer, a slow stream to cancel).
// Answers come from the deterministic FakeEngine, one per served model name, so a test can
// compute what the server must have said.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatMessage, GenerateRequest } from '../../src/lib/engines/engine';
import { FakeEngine } from '../../src/lib/engines/fake-engine';

export interface TestServerOptions {
  models?: string[];
  /** When set, requests need `Authorization: Bearer <apiKey>`. */
  apiKey?: string;
  /** Milliseconds between streamed chunks (to cancel in the middle). */
  chunkDelayMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
}

type Fault = { status: number; retryAfter?: number } | { malformed: 'not-json' | 'no-choices' };

export interface OpenAiTestServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** Most completion requests in flight at once. */
  maxInFlight: number;
  /** Streams the client closed before their end. */
  abortedStreams: number;
  /** The next completion requests answer these faults, one each, in order. */
  faults: Fault[];
  chunkDelayMs: number;
  /** The FakeEngine that plays `model`. */
  engine(model: string): FakeEngine;
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startOpenAiTestServer(
  options: TestServerOptions = {},
): Promise<OpenAiTestServer> {
  const models = options.models ?? ['tiny-fake'];
  const engines = new Map<string, FakeEngine>();
  for (const id of models) {
    const e = new FakeEngine();
    await e.load({ id, source: 'fake' });
    engines.set(id, e);
  }
  let inFlight = 0;
  const state: OpenAiTestServer = {
    baseUrl: '',
    requests: [],
    maxInFlight: 0,
    abortedStreams: 0,
    faults: [],
    chunkDelayMs: options.chunkDelayMs ?? 0,
    engine: (model) => engines.get(model)!,
    close: () => new Promise((r) => server.close(() => r())),
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((err) => {
      if (!res.headersSent) sendError(res, 500, String(err), 'InternalServerError');
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse) {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type');
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const raw = await readBody(req);
    let body: Record<string, unknown> | undefined;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      return sendError(res, 400, 'The body is not JSON', 'BadRequestError');
    }
    state.requests.push({ method: req.method ?? '', path, body });
    if (options.apiKey && req.headers.authorization !== `Bearer ${options.apiKey}`)
      return sendError(res, 401, 'Invalid API key', 'AuthenticationError');
    if (req.method === 'GET' && path === '/v1/models') {
      const data = models.map((id) => ({ id, object: 'model', max_model_len: 4096 }));
      return sendJson(res, 200, { object: 'list', data });
    }
    const chat = path === '/v1/chat/completions';
    if (req.method !== 'POST' || (!chat && path !== '/v1/completions'))
      return sendError(res, 404, `No route ${req.method} ${path}`, 'NotFoundError');
    const fault = state.faults.shift();
    if (fault && 'status' in fault) {
      if (fault.retryAfter !== undefined) res.setHeader('Retry-After', String(fault.retryAfter));
      return sendError(res, fault.status, `Injected ${fault.status}`, 'ServerError');
    }
    if (fault?.malformed === 'not-json') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return void res.end('<html>proxy error</html>');
    }
    if (fault?.malformed === 'no-choices') return sendJson(res, 200, { id: 'x', object: 'oops' });
    const model = String(body?.model);
    const engine = engines.get(model);
    if (!engine)
      return sendError(res, 404, `The model \`${model}\` does not exist.`, 'NotFoundError');
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    try {
      const prompt = promptOf(body!, chat);
      if (body!.logprobs) return sendJson(res, 200, await topLogprobs(engine, prompt, body!, chat));
      await complete(engine, prompt, body!, chat, res);
    } finally {
      inFlight--;
    }
  }

  async function complete(
    engine: FakeEngine,
    prompt: ChatMessage[] | string,
    body: Record<string, unknown>,
    chat: boolean,
    res: ServerResponse,
  ) {
    const pieces: string[] = [];
    // top_k 1 leaves only the most likely token: greedy, whatever the temperature.
    const temperature = body.top_k === 1 ? 0 : Number(body.temperature ?? 1);
    const request: GenerateRequest = {
      prompt,
      maxTokens: Number(body.max_tokens ?? 16),
      temperature,
      topP: body.top_p as number | undefined,
      seed: body.seed as number | undefined,
      stop: typeof body.stop === 'string' ? [body.stop] : (body.stop as string[] | undefined),
    };
    const r = await engine.generate(request, { onToken: (p) => pieces.push(p) });
    const usage = { prompt_tokens: r.promptTokens, completion_tokens: r.completionTokens };
    const object = chat ? 'chat.completion' : 'text_completion';
    if (!body.stream) {
      const choice = chat
        ? {
            index: 0,
            message: { role: 'assistant', content: r.text },
            finish_reason: r.finishReason,
          }
        : { index: 0, text: r.text, finish_reason: r.finishReason };
      return sendJson(res, 200, { id: 'cmpl-test', object, choices: [choice], usage });
    }
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
    let closed = false;
    res.on('close', () => {
      if (!res.writableFinished) {
        closed = true;
        state.abortedStreams++;
      }
    });
    const event = (x: unknown) => res.write(`data: ${JSON.stringify(x)}\n\n`);
    const chunk = (piece: string, finish: string | null) => ({
      id: 'cmpl-test',
      object: chat ? 'chat.completion.chunk' : 'text_completion',
      choices: [
        chat
          ? { index: 0, delta: { content: piece }, finish_reason: finish }
          : { index: 0, text: piece, finish_reason: finish },
      ],
    });
    for (const piece of pieces) {
      if (closed) return;
      if (state.chunkDelayMs) await sleep(state.chunkDelayMs);
      event(chunk(piece, null));
    }
    event(chunk('', r.finishReason));
    const streamOptions = body.stream_options as { include_usage?: boolean } | undefined;
    if (streamOptions?.include_usage) event({ id: 'cmpl-test', object, choices: [], usage });
    res.end('data: [DONE]\n\n');
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  state.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return state;
}

/** The chat (with a continued final assistant message where asked) or the text prompt. */
function promptOf(body: Record<string, unknown>, chat: boolean): ChatMessage[] | string {
  if (!chat) return String(body.prompt);
  const messages = body.messages as ChatMessage[];
  const last = messages[messages.length - 1];
  // vLLM: continue_final_message renders the chat up to the end of the last assistant
  // message, without closing it. The FakeEngine sees that as its "assistant: …" tail.
  if (body.continue_final_message && last?.role !== 'assistant')
    throw new Error('continue_final_message needs a final assistant message');
  return messages;
}

/**
 * The next token's top candidates: the ratings " 1".." 5" (with the leading space a real
 * tokenizer puts after "Score:") and the first words the model would write, ranked by the
 * FakeEngine's scores, `top_logprobs` (chat) or `logprobs` (completions) of them.
 */
async function topLogprobs(
  engine: FakeEngine,
  prompt: ChatMessage[] | string,
  body: Record<string, unknown>,
  chat: boolean,
) {
  const greedy = await engine.generate({ prompt, maxTokens: 3, temperature: 0 });
  const words = greedy.text.split(/\s+/).filter(Boolean);
  const candidates = [...new Set([' 1', ' 2', ' 3', ' 4', ' 5', ...words.map((w) => ` ${w}`)])];
  const { logprobs } = await engine.score({ prompts: [prompt], continuations: candidates });
  const n = Number(chat ? body.top_logprobs : body.logprobs);
  const ranked = candidates
    .map((token, i) => ({ token, logprob: logprobs[0][i] }))
    .sort((a, b) => b.logprob - a.logprob)
    .slice(0, n);
  const first = ranked[0];
  if (chat) {
    const content = [{ token: first.token, logprob: first.logprob, top_logprobs: ranked }];
    return {
      object: 'chat.completion',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: first.token },
          logprobs: { content },
          finish_reason: 'length',
        },
      ],
    };
  }
  const top = Object.fromEntries(ranked.map((t) => [t.token, t.logprob]));
  return {
    object: 'text_completion',
    choices: [
      {
        index: 0,
        text: first.token,
        logprobs: { tokens: [first.token], token_logprobs: [first.logprob], top_logprobs: [top] },
        finish_reason: 'length',
      },
    ],
  };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let s = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (s += c));
    req.on('end', () => resolve(s));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, type: string) {
  sendJson(res, status, { error: { message, type, code: status } });
}
