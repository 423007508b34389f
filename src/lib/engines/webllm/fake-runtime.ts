// A stand-in for web-llm's MLCEngine in demo and test mode: the web-llm worker runs the same
// WebLlmEngine code against it, without a model download or a GPU. Replies come from the
// FakeEngine, so the fake web-llm model rates and writes like the fake engine does (and its
// top-logprobs agree with what it generates).
import type { ChatMessage } from '../engine';
import { FakeEngine } from '../fake-engine';
import type { WebLlmRecord } from './models';
import type { WebLlmEnvironment, WebLlmPort } from './webllm-engine';

/** The worker name that selects this runtime (state/workers.ts spawnWebLlmWorker). */
export const WEBLLM_FAKE_WORKER_NAME = 'web-llm:fake-runtime';

/** The one model the fake runtime offers. */
export const FAKE_WEBLLM_MODEL = 'Fake-Humpback-q4f16_1-MLC';

const RECORDS: WebLlmRecord[] = [
  { model_id: FAKE_WEBLLM_MODEL, vram_required_MB: 1, overrides: { context_window_size: 4096 } },
];

class FakeWebLlmPort implements WebLlmPort {
  private readonly engine = new FakeEngine();
  private progress: (r: { progress: number; text: string }) => void = () => undefined;
  private interrupted = false;

  async reload(modelId: string): Promise<void> {
    this.progress({ progress: 0, text: `Loading ${modelId} (fake runtime)` });
    await this.engine.load({ id: modelId, source: 'fake' });
    this.progress({ progress: 1, text: 'Finish loading (fake runtime)' });
  }

  setInitProgressCallback(cb: (r: { progress: number; text: string }) => void): void {
    this.progress = cb;
  }

  async chatCompletion(req: Record<string, unknown>): Promise<unknown> {
    const messages = req.messages as ChatMessage[];
    if (req.logprobs) return this.topLogprobs(messages, req);
    return this.stream(messages, req);
  }

  async completion(req: Record<string, unknown>): Promise<unknown> {
    return this.stream(req.prompt as string, req);
  }

  interruptGenerate(): void {
    this.interrupted = true;
  }

  async unload(): Promise<void> {
    await this.engine.unload();
  }

  /** The next token's top-5 over the grammar's alternatives, as web-llm returns it. */
  private async topLogprobs(messages: ChatMessage[], req: Record<string, unknown>) {
    const grammar = (req.response_format as { grammar?: string } | undefined)?.grammar ?? '';
    const continuations = [...grammar.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
      JSON.parse(`"${m[1]}"`),
    ) as string[];
    // Words are the fake model's tokens: a continuation of several words shows only its first,
    // as a real model's top token shows only the start of a multi-token continuation.
    const tokens = [...new Set(continuations.map((c) => /^\s*\S+/.exec(c)?.[0] ?? c))];
    const { logprobs } = await this.engine.score({ prompts: [messages], continuations: tokens });
    const top = tokens.map((token, i) => ({ token, logprob: logprobs[0][i] }));
    return { choices: [{ logprobs: { content: [{ top_logprobs: top }] } }] };
  }

  private async *stream(prompt: ChatMessage[] | string, req: Record<string, unknown>) {
    this.interrupted = false;
    const pieces: string[] = [];
    const result = await this.engine.generate(
      {
        prompt,
        maxTokens: req.max_tokens as number,
        temperature: req.temperature as number,
        seed: req.seed as number | undefined,
        stop: req.stop as string[] | undefined,
      },
      { onToken: (p) => pieces.push(p) },
    );
    for (const piece of pieces) {
      if (this.interrupted) {
        yield { choices: [{ delta: { content: '' }, finish_reason: 'abort' }] };
        return;
      }
      yield { choices: [{ delta: { content: piece }, finish_reason: null }] };
    }
    yield { choices: [{ delta: {}, finish_reason: result.finishReason }] };
    yield {
      choices: [],
      usage: { prompt_tokens: result.promptTokens, completion_tokens: result.completionTokens },
    };
  }
}

/** The web-llm environment of demo and test mode. */
export function fakeWebLlm(): WebLlmEnvironment {
  return {
    createPort: async () => new FakeWebLlmPort(),
    records: async () => RECORDS,
    hasShaderF16: async () => true,
  };
}
