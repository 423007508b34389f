// A deterministic Engine for tests and for the UI without a GPU: output depends only on the
// prompt, the seed and the adapter, so pipeline tests can assert exact results. Words play
// the role of tokens. It honours maxTokens, stop strings, streaming and cancellation like the
// real engines, and can be told to fail to exercise error paths.
import { CancelledError, ModelLoadError } from '../protocol/errors';
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
} from './engine';
import { StopMatcher } from './generation/stop-strings';

export interface FakeEngineOptions {
  /** Milliseconds to wait per generated word (to test progress and cancel). */
  delayMs?: number;
  /** Model ids whose load fails with ModelLoadError. */
  failLoad?: string[];
}

/** FNV-1a 32-bit: a stable hash of a string. */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function promptText(p: ChatMessage[] | string): string {
  return typeof p === 'string' ? p : p.map((m) => `${m.role}: ${m.content}`).join('\n');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FakeEngine implements Engine {
  readonly kind = 'fake' as const;
  private model: ModelInfo | null = null;
  private adapters = new Map<string, AdapterSpec>();

  constructor(private readonly options: FakeEngineOptions = {}) {}

  async load(spec: ModelSpec, opts: EngineCallOptions = {}): Promise<ModelInfo> {
    if (this.options.failLoad?.includes(spec.id)) {
      throw new ModelLoadError(`Fake load failure for ${spec.id}`, { modelId: spec.id });
    }
    opts.onProgress?.({
      job: `load:${spec.id}`,
      kind: 'load',
      phase: 'compile',
      done: 1,
      total: 1,
      unit: 'steps',
    });
    this.model = {
      id: spec.id,
      engine: 'fake',
      device: 'wasm',
      dtype: 'fp32',
      contextLength: 4096,
    };
    return this.model;
  }

  async generate(req: GenerateRequest, opts: EngineCallOptions = {}): Promise<GenerateResult> {
    const model = this.requireModel();
    const text = promptText(req.prompt);
    const words = this.continuation(text, req.seed ?? 0, req.adapterId, model.id);
    const stop = new StopMatcher(req.stop ?? []);
    let count = 0;
    let finishReason: GenerateResult['finishReason'] = 'length';
    for (const w of words) {
      if (opts.signal?.aborted) throw new CancelledError();
      if (count >= req.maxTokens) break;
      if (this.options.delayMs) await sleep(this.options.delayMs);
      const shown = stop.push(count === 0 ? w : ` ${w}`);
      count++;
      if (shown) opts.onToken?.(shown);
      if (stop.stopped) {
        finishReason = 'stop';
        break;
      }
    }
    if (!stop.stopped) {
      const rest = stop.flush();
      if (rest) opts.onToken?.(rest);
      if (count < req.maxTokens) finishReason = 'stop';
    }
    return {
      text: stop.output,
      finishReason,
      promptTokens: text.split(/\s+/).filter(Boolean).length,
      completionTokens: count,
    };
  }

  async score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    const model = this.requireModel();
    const logprobs = req.prompts.map((p) => {
      if (opts.signal?.aborted) throw new CancelledError();
      const base = fnv1a(`${model.id}|${req.adapterId ?? ''}|${promptText(p)}`);
      const raw = req.continuations.map((c) => ((fnv1a(`${base}|${c}`) % 1000) / 1000) * 4);
      // Normalise so the values are real log-probabilities over the given continuations.
      const lse = Math.log(raw.reduce((a, x) => a + Math.exp(x), 0));
      return raw.map((x) => x - lse);
    });
    return { logprobs };
  }

  async addAdapter(adapter: AdapterSpec): Promise<void> {
    this.adapters.set(adapter.id, adapter);
  }

  async removeAdapter(id: string): Promise<void> {
    this.adapters.delete(id);
  }

  async unload(): Promise<void> {
    this.model = null;
  }

  private requireModel(): ModelInfo {
    if (!this.model) throw new ModelLoadError('No model loaded');
    return this.model;
  }

  /**
   * The words the fake "model" says. Rating prompts get a reasoning line and a
   * "Score: n" line, instruction-writing prompts get a question about the passage; anything
   * else gets words drawn from the prompt.
   */
  private continuation(
    prompt: string,
    seed: number,
    adapterId: string | undefined,
    modelId: string,
  ): string[] {
    const h = fnv1a(`${modelId}|${adapterId ?? ''}|${seed}|${prompt}`);
    const vocab = prompt.split(/\s+/).filter((w) => /^[A-Za-z]{4,}$/.test(w));
    const pick = (i: number) =>
      vocab.length ? vocab[(h + i * 2654435761) % vocab.length] : 'word';
    if (prompt.includes('"Score: <rating>"')) {
      const score = (h % 5) + 1;
      return `The answer is relevant to the instruction. Score: ${score}`.split(' ');
    }
    if (prompt.includes('Write the most likely question')) {
      return `How does ${pick(1).toLowerCase()} relate to ${pick(2).toLowerCase()}?`.split(' ');
    }
    return Array.from({ length: 64 }, (_, i) => pick(i));
  }
}
