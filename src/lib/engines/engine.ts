// The one port every model runtime implements: web-llm (prebuilt quantized models), our
// ONNX Runtime engine (Hugging Face checkpoints + our LoRA adapters) and a deterministic
// fake for tests. The pipeline (augment, curate, evaluate) only ever sees this interface,
// in-thread or across a worker (style.md §3.2).
import { InputError } from '../protocol/errors';
import type { Progress } from '../protocol/progress';
import type { EngineKind } from '../domain/models';

export type { EngineKind };

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/** What to load. `source` says where the weights come from. */
export interface ModelSpec {
  /** web-llm model_id, Hugging Face repo id, a local folder's name, or the server's model name. */
  id: string;
  source: 'web-llm' | 'hf' | 'local' | 'server' | 'fake';
  /** Local files (folder picker / drop) for source 'local'. */
  files?: File[];
  /** Preferred device; engines fall back to wasm where WebGPU is missing. */
  device?: 'webgpu' | 'wasm';
  /** Hugging Face revision (branch, tag or commit) for source 'hf'. */
  revision?: string;
  /** Hugging Face access token for gated or private repos (source 'hf'); never stored. */
  accessToken?: string;
  /**
   * Weight precision for the onnx engine; default: fp16 where the WebGPU adapter has
   * shader-f16, else fp32. A WebGPU adapter without shader-f16 always runs fp32. 'int4'
   * quantizes the frozen base's projections at load time (block 32, MatMulNBits) to cut
   * weight memory; embeddings, norms and the LM head keep the device's default precision.
   */
  dtype?: 'fp16' | 'fp32' | 'int4';
  /**
   * How the onnx engine runs LoRA adapters (AdapterMode); default 'auto'. Other engines
   * ignore it. Given per load so the one engine a model worker serves follows its caller.
   */
  adapterMode?: AdapterMode;
}

/**
 * 'unmerged': the LoRA runs as extra nodes beside the frozen weights (4 per targeted
 * projection per step); switching adapters is free on WebGPU. 'merged': the adapter of each
 * call is folded into the weights (W + s·BA, onnx/merged-weights.ts), so it runs at the base
 * model's speed, and a switch rewrites the targeted projections (plus, on wasm, rebuilds the
 * decode session, as any module-set switch does there). 'auto' merges once an adapter is kept:
 * on wasm from its first call after the base (a switch rebuilds the decode session either
 * way), otherwise from its second call in a row (switching unmerged adapters is free on
 * WebGPU, and on wasm between adapters with the same target modules). int4 models always run
 * unmerged (re-quantizing W + ΔW would round the adapter away).
 */
export type AdapterMode = 'auto' | 'merged' | 'unmerged';

export interface ModelInfo {
  id: string;
  engine: EngineKind;
  /** 'server': the user's OpenAI-compatible server runs it (engines/server). */
  device: 'webgpu' | 'wasm' | 'server';
  /**
   * Weight precision: web-llm's q0f16/q0f32 records are plain fp16/fp32; q3/q4 are quantized;
   * 'unknown' where the engine cannot see it (a server does not say).
   */
  dtype: 'fp16' | 'fp32' | 'q3f16' | 'q4f16' | 'q4f32' | 'int4' | 'unknown';
  contextLength: number;
  /** Parameter count when known. */
  parameters?: number;
  /** Bytes the resident weights take at their loaded precision, when known. */
  weightBytes?: number;
}

export interface SamplingOptions {
  maxTokens: number;
  /** 0 means greedy. */
  temperature: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
}

export interface GenerateRequest extends SamplingOptions {
  /** Chat messages get the model's chat template; a string is used as-is. */
  prompt: ChatMessage[] | string;
  /** Registered LoRA adapter to apply, if the engine supports adapters. */
  adapterId?: string;
  /**
   * Text the assistant's turn already starts with (chat prompts only; with a string prompt it
   * is an InputError), not repeated in the result. Placed where the template puts an
   * assistant message's content, as transformers' `continue_final_message` does: for most
   * templates right after the generation prompt (Llama-2 adds its space after [/INST]).
   * Fast curation scores the rating digit after a prefix that ends in "Score:" (method.md §4).
   * web-llm cannot continue an assistant turn and refuses it.
   */
  assistantPrefix?: string;
}

export interface GenerateResult {
  text: string;
  finishReason: 'stop' | 'length' | 'abort';
  promptTokens: number;
  completionTokens: number;
  /** The sampled token ids, where the engine sees them (onnx); not the eos that ended it. */
  tokenIds?: number[];
}

/**
 * Log-probabilities of candidate continuations, without decoding. The fast curation mode
 * reads the distribution over the ratings "1".."5" this way (method.md §4, web-llm.md §1.3).
 */
export interface ScoreRequest {
  /** One prompt per item; items that share a prefix may have it computed once. */
  prompts: (ChatMessage[] | string)[];
  /** Continuations scored after every prompt (e.g. ["1","2","3","4","5"]). */
  continuations: string[];
  adapterId?: string;
  /** As GenerateRequest.assistantPrefix: continuations are scored after it. */
  assistantPrefix?: string;
}

export interface ScoreResult {
  /** logprobs[i][j] = log p(continuations[j] | prompts[i]), summed over its tokens. */
  logprobs: number[][];
}

export interface EngineCallOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Streamed text pieces during generate. */
  onToken?: (piece: string) => void;
  /** Streamed text pieces during generateBatch: which request, and its piece. */
  onBatchToken?: (index: number, piece: string) => void;
}

/** LoRA adapter tensors in PEFT naming (see train/ and engines/onnx). */
export interface AdapterSpec {
  id: string;
  rank: number;
  alpha: number;
  /** rsLoRA: the adapter's scale is alpha/√rank, not alpha/rank (PEFT `use_rslora`). */
  useRslora?: boolean;
  targetModules: string[];
  /** PEFT tensor name → f32 data. */
  tensors: Record<string, { shape: number[]; data: Float32Array }>;
}

/**
 * The assistant prefix of one prompt, checked: only a chat prompt has a generation prompt for
 * it to follow, so a prefix on a string prompt is an InputError (write it into the string).
 * An empty prefix is no prefix.
 */
export function assistantPrefixFor(
  prompt: ChatMessage[] | string,
  prefix: string | undefined,
  record?: number,
): string {
  if (!prefix) return '';
  if (typeof prompt === 'string') {
    throw new InputError(
      'assistantPrefix needs a chat prompt (messages); a string prompt is used as-is, so put the prefix at its end',
      { field: 'assistantPrefix', ...(record === undefined ? {} : { record }) },
    );
  }
  return prefix;
}

/** Every engine's generateBatch where requests run one at a time. */
export async function generateOneByOne(
  engine: Pick<Engine, 'generate'>,
  reqs: GenerateRequest[],
  opts: EngineCallOptions = {},
): Promise<GenerateResult[]> {
  const out: GenerateResult[] = [];
  for (const [i, req] of reqs.entries()) {
    const onToken = opts.onBatchToken && ((piece: string) => opts.onBatchToken!(i, piece));
    out.push(await engine.generate(req, { ...opts, onToken }));
  }
  return out;
}

export interface Engine {
  readonly kind: EngineKind;
  load(spec: ModelSpec, opts?: EngineCallOptions): Promise<ModelInfo>;
  generate(req: GenerateRequest, opts?: EngineCallOptions): Promise<GenerateResult>;
  /**
   * Many requests at once, results in request order. The onnx engine decodes them as one
   * batch; engines without batching (web-llm, fake) run them one by one. Each request gives
   * the same result it gives alone (up to float ties), so callers batch for speed only.
   */
  generateBatch(reqs: GenerateRequest[], opts?: EngineCallOptions): Promise<GenerateResult[]>;
  score(req: ScoreRequest, opts?: EngineCallOptions): Promise<ScoreResult>;
  /** Only engines that run our adapters implement these. */
  addAdapter?(adapter: AdapterSpec): Promise<void>;
  removeAdapter?(id: string): Promise<void>;
  unload(): Promise<void>;
}
