// A deterministic Engine for tests and for the UI without a GPU: output depends only on the
// prompt, the seed and the adapter, so pipeline tests can assert exact results. Words play
// the role of tokens. It behaves like the real engines where callers can tell: maxTokens, stop
// strings, streaming, cancellation, an unknown adapter is an InputError, and score() agrees
// with greedy generate() (the word greedy decoding says first scores highest; a rating
// prompt's "Score: n" is the argmax over "1".."5", as method.md §4's fast curation reads it).
// It can be told to fail to exercise error paths.
import { CancelledError, InputError, ModelLoadError } from '../protocol/errors';
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
import { assistantPrefixFor, generateOneByOne } from './engine';
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

/**
 * The text the fake "model" reads: a string as-is, a chat as role-tagged lines; an assistant
 * prefix starts the assistant's turn, as the real engines place it after the generation prompt.
 */
function promptText(p: ChatMessage[] | string, assistantPrefix = ''): string {
  if (typeof p === 'string') return p;
  const chat = p.map((m) => `${m.role}: ${m.content}`).join('\n');
  return assistantPrefix ? `${chat}\nassistant: ${assistantPrefix}` : chat;
}

// score() logits: matching greedy's first word outweighs everything else; noise breaks ties
// but never reorders the ratings around the one generate() writes.
const NOISE = 0.2;
const FIRST_WORD_BONUS = 6;
const NEXT_WORD_BONUS = 0.5;
const RATING_BONUS = 3;
const RATING_SLOPE = 0.5;

const RATING_MARKER = '"Score: <rating>"';
const ENDS_AT_SCORE = /Score:\s*$/;
const ANSWER_START = /\s*(assistant:)?\s*(Score:)?\s*$/;

/** The pairwise judge prompt's closing instruction (method/judge.ts judgePrompt). */
function isJudgePrompt(text: string): boolean {
  return text.includes('[Answer 2]') && text.includes('"Verdict: tie"');
}

function isRatingPrompt(text: string): boolean {
  return text.includes(RATING_MARKER);
}

/**
 * The rated pair: the prompt from the rating instructions on, without the start of an answer
 * a scoring prompt may end with (an assistant prefix such as "Some reasoning. Score:", or
 * "Score:" written into a string prompt), so generating for the rating prompt and scoring
 * "1".."5" after it rate the same pair.
 */
function ratingKey(text: string): string {
  const rated = text.slice(text.indexOf(RATING_MARKER));
  const answer = rated.lastIndexOf('\nassistant: ');
  return (answer >= 0 ? rated.slice(0, answer) : rated).replace(ANSWER_START, '');
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
    this.requireAdapter(req.adapterId);
    const text = promptText(req.prompt, assistantPrefixFor(req.prompt, req.assistantPrefix));
    // Greedy decoding does not depend on the seed, as in the real engines.
    const seed = req.temperature > 0 ? (req.seed ?? 0) : 0;
    const words = this.continuation(text, seed, req.adapterId, model.id);
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

  /** No batching here: one request after another, as generateOneByOne documents. */
  generateBatch(reqs: GenerateRequest[], opts: EngineCallOptions = {}): Promise<GenerateResult[]> {
    return generateOneByOne(this, reqs, opts);
  }

  async score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    const model = this.requireModel();
    this.requireAdapter(req.adapterId);
    const prefixes = req.prompts.map((p, i) => assistantPrefixFor(p, req.assistantPrefix, i));
    const logprobs = req.prompts.map((p, i) => {
      if (opts.signal?.aborted) throw new CancelledError();
      const text = promptText(p, prefixes[i]);
      const greedy = this.continuation(text, 0, req.adapterId, model.id);
      const rating = isRatingPrompt(text) ? this.rating(text, req.adapterId, model.id) : null;
      const noise = fnv1a(`${model.id}|${req.adapterId ?? ''}|${text}`);
      const raw = req.continuations.map((c) => {
        const words = c.split(/\s+/).filter(Boolean);
        let logit = ((fnv1a(`${noise}|${c}`) % 1000) / 1000) * NOISE;
        // The greedy continuation is the most likely one; each further matching word adds less.
        let matched = 0;
        while (matched < words.length && words[matched] === greedy[matched]) matched++;
        if (matched) logit += FIRST_WORD_BONUS + (matched - 1) * NEXT_WORD_BONUS;
        // A rating prompt puts its mass around the rating it would write.
        const digit = words.length === 1 && /^[1-5]$/.test(words[0]) ? Number(words[0]) : null;
        if (rating !== null && digit !== null)
          logit += RATING_BONUS - RATING_SLOPE * Math.abs(digit - rating);
        return logit;
      });
      // Normalised so the values are real log-probabilities over the given continuations.
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

  private requireAdapter(id: string | undefined): void {
    if (id !== undefined && !this.adapters.has(id))
      throw new InputError(`No adapter "${id}" is loaded`, { field: 'adapterId' });
  }

  /** The 1..5 rating this model (and adapter) gives the pair in a rating prompt. */
  private rating(prompt: string, adapterId: string | undefined, modelId: string): number {
    return (fnv1a(`${modelId}|${adapterId ?? ''}|${ratingKey(prompt)}`) % 5) + 1;
  }

  private requireModel(): ModelInfo {
    if (!this.model) throw new ModelLoadError('No model loaded');
    return this.model;
  }

  /**
   * The words the fake "model" says. Rating prompts get a reasoning line and a
   * "Score: n" line, pairwise judge prompts a "Verdict:" line, instruction-writing prompts get
   * a question about the passage; anything
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
    if (isRatingPrompt(prompt)) {
      const score = this.rating(prompt, adapterId, modelId);
      // Already at "Score:" (a scoring prompt that ends there): only the digit is left.
      if (ENDS_AT_SCORE.test(prompt)) return [`${score}`];
      return `The answer is relevant to the instruction. Score: ${score}`.split(' ');
    }
    if (isJudgePrompt(prompt)) {
      // A pairwise judge (method/judge.ts): a verdict that depends on the model and the
      // prompt, answers and their order, so the two orders can disagree as real judges do.
      const verdict = ['1', '2', 'tie'][h % 3];
      return `Both answers address the request. Verdict: ${verdict}`.split(' ');
    }
    if (prompt.includes('Write the most likely question')) {
      return `How does ${pick(1).toLowerCase()} relate to ${pick(2).toLowerCase()}?`.split(' ');
    }
    return Array.from({ length: 64 }, (_, i) => pick(i));
  }
}
