// Engine over web-llm's MLCEngine, for its prebuilt quantized models. It runs inside our own
// engine worker (workers/webllm.worker.ts), so errors keep their classes across the boundary
// (web-llm's own worker handler stringifies them, web-llm.md §1.1). web-llm is batch-1 and
// has no prefix caching for independent requests (§1.2, §1.8), so requests run one by one.
import {
  CancelledError,
  InputError,
  ModelLoadError,
  WebGpuUnavailableError,
} from '../../protocol/errors';
import type {
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
import { generateOneByOne } from '../engine';
import { pickRecord, quantizationOf, type WebLlmRecord } from './models';

/** The slice of web-llm's MLCEngineInterface we use; a fake implements it in tests. */
export interface WebLlmPort {
  reload(modelId: string): Promise<void>;
  setInitProgressCallback(cb: (r: { progress: number; text: string }) => void): void;
  chatCompletion(req: Record<string, unknown>): Promise<unknown>;
  completion(req: Record<string, unknown>): Promise<unknown>;
  interruptGenerate(): void;
  unload(): Promise<void>;
}

interface Chunk {
  choices: { delta?: { content?: string | null }; text?: string; finish_reason?: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number };
}

interface TopLogprob {
  token: string;
  logprob: number;
}
interface Completion {
  choices: { logprobs?: { content?: { top_logprobs: TopLogprob[] }[] | null } | null }[];
}

export interface WebLlmEnvironment {
  createPort(): Promise<WebLlmPort>;
  records(): Promise<WebLlmRecord[]>;
  hasShaderF16(): Promise<boolean | null>;
}

export class WebLlmEngine implements Engine {
  readonly kind = 'web-llm' as const;
  private port: WebLlmPort | null = null;
  private info: ModelInfo | null = null;

  constructor(private readonly env: WebLlmEnvironment) {}

  async load(spec: ModelSpec, opts: EngineCallOptions = {}): Promise<ModelInfo> {
    const f16 = await this.env.hasShaderF16();
    if (f16 === null)
      throw new WebGpuUnavailableError(
        'web-llm models need WebGPU, which this browser does not offer',
      );
    let record: WebLlmRecord;
    let dtype: ModelInfo['dtype'];
    try {
      record = pickRecord(await this.env.records(), spec.id, f16);
      dtype = quantizationOf(record);
    } catch (err) {
      throw new ModelLoadError((err as Error).message, { modelId: spec.id });
    }
    this.port ??= await this.env.createPort();
    const job = `load:${record.model_id}`;
    this.port.setInitProgressCallback((r) =>
      opts.onProgress?.({
        job,
        kind: 'load',
        phase: 'init',
        // web-llm reports a 0..1 fraction over download and shader compilation together.
        done: Math.round(r.progress * 100),
        total: 100,
        unit: 'percent',
        detail: r.text,
      }),
    );
    const onAbort = () => void this.port?.unload();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      await this.port.reload(record.model_id);
    } catch (err) {
      throw new ModelLoadError(`Could not load ${record.model_id}: ${String(err)}`, {
        modelId: record.model_id,
      });
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    if (opts.signal?.aborted) throw new CancelledError();
    this.info = {
      id: record.model_id,
      engine: 'web-llm',
      device: 'webgpu',
      dtype,
      contextLength: record.overrides?.context_window_size ?? 4096,
    };
    return this.info;
  }

  async generate(req: GenerateRequest, opts: EngineCallOptions = {}): Promise<GenerateResult> {
    const port = this.requirePort();
    noAdapters(req.adapterId);
    noAssistantPrefix(req.assistantPrefix);
    // web-llm samples with temperature and top-p only (no top_k field, web-llm.md §1.2).
    if (req.topK !== undefined && req.topK > 0)
      throw new InputError(
        `web-llm has no top-k sampling (topK ${req.topK}); leave topK unset or use the onnx engine`,
        { field: 'topK' },
      );
    const common = {
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: req.maxTokens,
      temperature: req.temperature,
      top_p: req.topP ?? 1,
      seed: req.seed,
      stop: req.stop,
      // Unset fields fall back to the model's own defaults (web-llm.md §1.2): pin them.
      repetition_penalty: 1,
      frequency_penalty: 0,
      presence_penalty: 0,
    };
    const onAbort = () => port.interruptGenerate();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const stream = (await (typeof req.prompt === 'string'
        ? port.completion({ ...common, prompt: req.prompt })
        : port.chatCompletion({ ...common, messages: req.prompt }))) as AsyncIterable<Chunk>;
      let text = '';
      let finish: string | null | undefined = null;
      let usage: Chunk['usage'];
      for await (const chunk of stream) {
        const c = chunk.choices[0];
        const piece = c?.delta?.content ?? c?.text ?? '';
        if (piece) {
          text += piece;
          opts.onToken?.(piece);
        }
        finish = c?.finish_reason ?? finish;
        usage = chunk.usage ?? usage;
      }
      if (opts.signal?.aborted) throw new CancelledError();
      return {
        text,
        finishReason: finish === 'length' ? 'length' : finish === 'abort' ? 'abort' : 'stop',
        promptTokens: usage?.prompt_tokens ?? 0,
        completionTokens: usage?.completion_tokens ?? 0,
      };
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
  }

  /** No batching here: one request after another, as generateOneByOne documents. */
  generateBatch(reqs: GenerateRequest[], opts: EngineCallOptions = {}): Promise<GenerateResult[]> {
    return generateOneByOne(this, reqs, opts);
  }

  /**
   * web-llm has no prompt log-probabilities, only the top-5 of the next token, so it scores
   * single-token continuations (the ratings "1".."5"). A grammar restricts the next token to
   * the continuations, which renormalises the top-5 over them (web-llm.md §1.3, §1.4); only
   * the chat API takes a grammar, so a string prompt is scored as one user message. What it
   * cannot score is refused: more than 5 continuations, an assistant prefix, and continuations
   * that take several tokens (seen when the grammar's top token is only the start of one).
   */
  async score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    const port = this.requirePort();
    noAdapters(req.adapterId);
    noAssistantPrefix(req.assistantPrefix);
    // An empty continuation has log-probability 0, as on the other engines.
    const scored = [...new Set(req.continuations.filter((c) => c !== ''))];
    if (scored.length > 5) {
      throw new InputError(
        `web-llm scores at most 5 single-token continuations (its top_logprobs ≤ 5); got ${scored.length}`,
        { field: 'continuations' },
      );
    }
    if (!scored.length) return { logprobs: req.prompts.map(() => req.continuations.map(() => 0)) };
    const grammar = `root ::= ${scored.map((c) => JSON.stringify(c)).join(' | ')}`;
    const logprobs: number[][] = [];
    for (const [i, prompt] of req.prompts.entries()) {
      if (opts.signal?.aborted) throw new CancelledError();
      // Stated, not hidden: a string prompt is scored as one user message, because web-llm's
      // raw completion API has no grammar to restrict the next token to the continuations.
      const messages: ChatMessage[] =
        typeof prompt === 'string' ? [{ role: 'user', content: prompt }] : prompt;
      const r = (await port.chatCompletion({
        messages,
        max_tokens: 1,
        temperature: 1,
        top_p: 1,
        repetition_penalty: 1,
        logprobs: true,
        top_logprobs: 5, // must be ≥ 1 or web-llm returns no entries (web-llm.md §1.3)
        response_format: { type: 'grammar', grammar },
      })) as Completion;
      const top = (r.choices[0]?.logprobs?.content?.[0]?.top_logprobs ?? []).filter((t) =>
        Number.isFinite(t.logprob),
      );
      const find = (c: string) => top.find((t) => isToken(t.token, c));
      // A likely token that is no continuation but begins one: that continuation is several tokens.
      for (const t of top) {
        if (scored.some((c) => isToken(t.token, c))) continue;
        const partOf = scored.find((c) => beginsWith(c, t.token));
        if (partOf !== undefined) {
          throw new InputError(
            `web-llm scores single-token continuations only; "${partOf}" takes several tokens for this model`,
            { record: i, field: 'continuations' },
          );
        }
      }
      logprobs.push(req.continuations.map((c) => (c === '' ? 0 : (find(c)?.logprob ?? -Infinity))));
    }
    return { logprobs };
  }

  async unload(): Promise<void> {
    await this.port?.unload();
    this.info = null;
  }

  private requirePort(): WebLlmPort {
    if (!this.port || !this.info) throw new ModelLoadError('No web-llm model loaded');
    return this.port;
  }
}

/** Whether a decoded top-logprob token is the continuation (web-llm may show its leading space). */
function isToken(token: string, continuation: string): boolean {
  return token === continuation || token.trim() === continuation.trim();
}

/** Whether `continuation` starts with `token` (and is longer): a first token of several. */
function beginsWith(continuation: string, token: string): boolean {
  if (!token || token.length >= continuation.length) return false;
  const t = token.trim();
  return continuation.startsWith(token) || (t !== '' && continuation.trim().startsWith(t));
}

/**
 * web-llm cannot continue a partial assistant message: its chat API needs the user's message
 * last, and its raw completion API has no chat template to render the turn with (web-llm.md
 * §1.2, §1.5). So an assistant prefix is refused, never dropped.
 */
function noAssistantPrefix(prefix: string | undefined): void {
  if (prefix)
    throw new InputError(
      'web-llm cannot start the assistant turn with given text (assistantPrefix): its chat API ' +
        "ends at the user's message. Leave assistantPrefix unset (a prompt that asks for the " +
        'answer alone) or use the onnx or server engine',
      { field: 'assistantPrefix' },
    );
}

/** web-llm runs no LoRA adapters, so any adapter id is unknown here (as in the other engines). */
function noAdapters(adapterId: string | undefined): void {
  if (adapterId !== undefined)
    throw new InputError(`No adapter "${adapterId}" is loaded (web-llm runs no LoRA adapters)`, {
      field: 'adapterId',
    });
}
