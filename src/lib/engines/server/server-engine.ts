// An Engine over an OpenAI-compatible HTTP server the user runs (vLLM, llama.cpp's server,
// Ollama, LM Studio, SGLang…): how a corpus far larger than one browser can handle gets
// augmented and curated (issue 9 item 6) on hardware that already scales. Data leaves the
// browser, so it is off by default and the UI names the origin first (settings.ts).
//
// - generate: POST /chat/completions (chat prompts) or /completions (text), streamed (SSE).
// - score: the rating digit's log-probability from the next token's `top_logprobs`
//   (method.md §4 fast curation). The server tokenizes, we do not, so only single-token
//   continuations can be read: continuations with inner whitespace are refused, and one
//   missing from the top list gets a floor: the smallest log-probability the server listed
//   (the true value is at most that).
// - adapters: ours cannot be sent; a LoRA must be loaded on the server (it then has a model name).
import { CancelledError, InputError, ModelLoadError, ServerError } from '../../protocol/errors';
import { ChatTemplate } from '../hf/chat-template';
import type {
  AdapterSpec,
  ChatMessage,
  Engine,
  EngineCallOptions,
  GenerateRequest,
  GenerateResult,
  ModelInfo,
  ModelSpec,
  ScoreRequest,
  ScoreResult,
} from '../engine';
import { ServerHttp } from './http';
import { resolveSettings, type ResolvedServerSettings, type ServerSettings } from './settings';
import { mapFinishReason, readChunk, readModels, readTopLogprobs, sseEvents } from './wire';

/** Where a prompt goes and the fields that carry it. */
interface Route {
  path: '/chat/completions' | '/completions';
  fields: Record<string, unknown>;
}

export class ServerEngine implements Engine {
  readonly kind = 'server' as const;
  readonly settings: ResolvedServerSettings;
  private readonly http: ServerHttp;
  private info: ModelInfo | null = null;
  private template: ChatTemplate | null = null;

  constructor(settings: ServerSettings, fetchFn?: typeof fetch) {
    this.settings = resolveSettings(settings);
    this.http = new ServerHttp(this.settings, fetchFn);
    const t = this.settings.chatTemplate;
    if (t) this.template = new ChatTemplate(t.template, t.bosToken ?? null, t.eosToken ?? null);
  }

  /** Checks the endpoint (GET /models) and that it serves `spec.id`. */
  async load(spec: ModelSpec, opts: EngineCallOptions = {}): Promise<ModelInfo> {
    this.info = null;
    const job = `load:${spec.id}`;
    opts.onProgress?.({ job, kind: 'load', phase: 'compile', done: 0, total: 1, unit: 'steps' });
    let models: ReturnType<typeof readModels>;
    let url: string;
    try {
      const r = await this.http.json({ method: 'GET', path: '/models', signal: opts.signal });
      url = r.url;
      models = readModels(r.body, url);
    } catch (err) {
      if (err instanceof ServerError)
        throw new ModelLoadError(err.message, { ...err.data, modelId: spec.id });
      throw err;
    }
    const model = models.find((m) => m.id === spec.id);
    if (!model) {
      const served = models.map((m) => m.id).join(', ') || 'none';
      throw new ModelLoadError(`${url} has no model "${spec.id}" (it serves: ${served})`, {
        modelId: spec.id,
        url,
        status: 200,
      });
    }
    opts.onProgress?.({ job, kind: 'load', phase: 'compile', done: 1, total: 1, unit: 'steps' });
    this.info = {
      id: model.id,
      engine: 'server',
      device: 'server',
      dtype: 'unknown',
      // 0: the server did not say (vLLM lists max_model_len; llama.cpp and Ollama do not).
      contextLength: model.contextLength ?? 0,
    };
    return this.info;
  }

  async generate(req: GenerateRequest, opts: EngineCallOptions = {}): Promise<GenerateResult> {
    const model = this.requireModel();
    noAdapters(req.adapterId);
    const route = this.route(req.prompt, req.assistantPrefix);
    const body = {
      model: model.id,
      ...route.fields,
      ...this.sampling(req),
      stream: true,
      stream_options: { include_usage: true },
    };
    const open = await this.http.open({
      method: 'POST',
      path: route.path,
      body,
      signal: opts.signal,
    });
    let text = '';
    let finish: string | null = null;
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    let pieces = 0;
    try {
      for await (const json of streamOrWhole(open.response, open.url)) {
        // Chunks already received are not shown once the caller cancelled.
        if (opts.signal?.aborted) throw new CancelledError();
        open.touch();
        const chunk = readChunk(json, open.url);
        if (chunk.piece) {
          text += chunk.piece;
          pieces++;
          opts.onToken?.(chunk.piece);
        }
        finish = chunk.finishReason ?? finish;
        usage = chunk.usage ?? usage;
      }
    } catch (err) {
      throw this.http.readError(err, open, opts.signal);
    } finally {
      open.close();
    }
    if (opts.signal?.aborted) throw new CancelledError();
    return {
      text,
      finishReason: mapFinishReason(finish),
      promptTokens: usage?.prompt_tokens ?? 0,
      // Without usage (stream_options unsupported), one streamed piece per token is the
      // servers' habit; an estimate.
      completionTokens: usage?.completion_tokens ?? pieces,
    };
  }

  /** Up to `concurrency` requests in flight; results in request order; one failure ends all. */
  async generateBatch(
    reqs: GenerateRequest[],
    opts: EngineCallOptions = {},
  ): Promise<GenerateResult[]> {
    this.requireModel();
    for (const r of reqs) noAdapters(r.adapterId);
    return this.pool(reqs.length, opts.signal, (i, signal) =>
      this.generate(reqs[i], {
        signal,
        onToken: opts.onBatchToken && ((piece) => opts.onBatchToken!(i, piece)),
      }),
    );
  }

  async score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    const model = this.requireModel();
    noAdapters(req.adapterId);
    for (const c of req.continuations) {
      if (!c.trim() || /\S\s+\S/.test(c))
        throw new InputError(
          `The server engine scores single-token continuations only ("${c}" is not one): ` +
            "servers return the next token's top log-probabilities, not those of a whole text",
          { field: 'continuations' },
        );
    }
    if (!req.continuations.length) return { logprobs: req.prompts.map(() => []) };
    const n = this.settings.topLogprobs;
    const logprobs = await this.pool(req.prompts.length, opts.signal, async (i, signal) => {
      const route = this.route(req.prompts[i], req.assistantPrefix);
      const chat = route.path === '/chat/completions';
      const body = {
        model: model.id,
        ...route.fields,
        max_tokens: 1,
        // The model's own distribution: no temperature, no truncation.
        temperature: 1,
        top_p: 1,
        seed: 0,
        ...(chat ? { logprobs: true, top_logprobs: n } : { logprobs: n }),
      };
      const { url, body: answer } = await this.http.json({
        method: 'POST',
        path: route.path,
        body,
        signal,
      });
      return continuationLogprobs(readTopLogprobs(answer, url), req.continuations);
    });
    return { logprobs };
  }

  /** Refused: our adapters cannot be sent to a server. */
  async addAdapter(adapter: AdapterSpec): Promise<void> {
    throw new InputError(
      `The server engine cannot run adapter "${adapter.id}": load the LoRA on the server ` +
        '(e.g. vLLM --enable-lora --lora-modules name=path) and choose its name as the model',
      { field: 'adapterId' },
    );
  }

  async removeAdapter(): Promise<void> {
    // Nothing was ever added.
  }

  async unload(): Promise<void> {
    this.info = null;
  }

  /** Which endpoint a prompt goes to, given an assistant prefix (see settings.ts PrefillMode). */
  private route(prompt: ChatMessage[] | string, prefix: string | undefined): Route {
    if (typeof prompt === 'string')
      return { path: '/completions', fields: { prompt: prompt + (prefix ?? '') } };
    if (!prefix) return { path: '/chat/completions', fields: { messages: prompt } };
    const mode = this.settings.prefill;
    if (mode === 'continue-final-message') {
      return {
        path: '/chat/completions',
        fields: {
          messages: [...prompt, { role: 'assistant', content: prefix }],
          add_generation_prompt: false,
          continue_final_message: true,
        },
      };
    }
    if (mode === 'chat-template' && this.template) {
      let text = this.template.render(prompt, { addGenerationPrompt: true }) + prefix;
      // Servers add BOS when they tokenize a completion prompt: not twice.
      const bos = this.settings.chatTemplate?.bosToken;
      if (bos && text.startsWith(bos)) text = text.slice(bos.length);
      return { path: '/completions', fields: { prompt: text } };
    }
    throw new InputError(
      'This server is set not to continue an assistant turn, so a chat prompt with an ' +
        'assistantPrefix cannot be sent: choose "continue_final_message" (vLLM) or give the ' +
        "model's chat template in the server settings",
      { field: 'assistantPrefix' },
    );
  }

  private sampling(req: GenerateRequest): Record<string, unknown> {
    const out: Record<string, unknown> = {
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      top_p: req.topP ?? 1,
    };
    if (req.seed !== undefined) out.seed = req.seed;
    if (req.stop?.length) out.stop = req.stop;
    if (req.topK !== undefined && req.topK > 0) {
      if (!this.settings.sendTopK)
        throw new InputError(
          "This server is set not to take top_k (OpenAI's API has none): leave top-k empty",
          { field: 'topK' },
        );
      out.top_k = req.topK;
    }
    return out;
  }

  /** Runs tasks 0..n-1 with at most `concurrency` in flight; the first failure aborts the rest. */
  private async pool<T>(
    n: number,
    signal: AbortSignal | undefined,
    task: (i: number, signal: AbortSignal) => Promise<T>,
  ): Promise<T[]> {
    const inner = new AbortController();
    const onAbort = () => inner.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) inner.abort();
    const results: T[] = new Array(n);
    let next = 0;
    // The first real error wins over the cancels it causes in the other workers.
    const failure: { err?: unknown; failed: boolean } = { failed: false };
    const worker = async () => {
      while (next < n && !failure.failed) {
        const i = next++;
        try {
          if (inner.signal.aborted) throw new CancelledError();
          results[i] = await task(i, inner.signal);
        } catch (err) {
          if (!failure.failed || (failure.err instanceof CancelledError && !signal?.aborted))
            Object.assign(failure, { err, failed: true });
          inner.abort();
        }
      }
    };
    try {
      await Promise.all(Array.from({ length: Math.min(this.settings.concurrency, n) }, worker));
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) throw new CancelledError();
    if (failure.failed) throw failure.err;
    return results;
  }

  private requireModel(): ModelInfo {
    if (!this.info) throw new ModelLoadError('No server model loaded');
    return this.info;
  }
}

/**
 * log p(c) for each continuation from the next token's top list. Tokens are compared without
 * surrounding whitespace (after "Score:" the digit is usually the token " 3"), and tokens that
 * match the same continuation have their probabilities added. Missing: the list's floor.
 */
export function continuationLogprobs(tops: { token: string; logprob: number }[], cs: string[]) {
  const floor = Math.min(...tops.map((t) => t.logprob));
  return cs.map((c) => {
    const hits = tops.filter((t) => t.token.trim() === c.trim()).map((t) => t.logprob);
    if (!hits.length) return floor;
    const max = Math.max(...hits);
    return max + Math.log(hits.reduce((s, x) => s + Math.exp(x - max), 0));
  });
}

/** The stream's events, or the whole answer as one chunk where a server ignored `stream`. */
async function* streamOrWhole(response: Response, url: string): AsyncGenerator<unknown> {
  if (response.headers.get('Content-Type')?.includes('application/json')) {
    const whole = (await response.json()) as {
      choices?: { message?: { content?: unknown }; text?: unknown; finish_reason?: unknown }[];
      usage?: unknown;
    };
    const c = whole?.choices?.[0];
    yield {
      ...whole,
      choices: c
        ? [{ text: c.message?.content ?? c.text, finish_reason: c.finish_reason }]
        : undefined,
    };
    return;
  }
  if (!response.body) throw new ServerError(`${url} sent an empty answer`, { url, status: 200 });
  yield* sseEvents(response.body, url);
}

/** Our adapters cannot run on a server: any adapter id is unknown here (as in the other engines). */
function noAdapters(adapterId: string | undefined): void {
  if (adapterId !== undefined)
    throw new InputError(
      `No adapter "${adapterId}" is loaded (the server engine runs no adapters of ours; ` +
        'load the LoRA on the server and choose its model name)',
      { field: 'adapterId' },
    );
}
