// Batched generation with a KV cache. On wasm (CPU) each prompt is prefilled on its own (the
// head all prompts share once: prefill.ts), the per-row caches are stacked LEFT-padded, and
// then one decode step per token runs the whole batch, which is where batching pays (a decode
// step reads every weight once whatever the batch); rows that finish leave the batch. On
// WebGPU the prompts are prefilled as one padded batch and the cache never leaves the GPU.
// Each request keeps its own seeded RNG, streaming detokenizer and stop matcher, so a request
// gives the same text whether it runs alone or in a batch (up to float ties).
// Cancellation is checked between steps and throws CancelledError: partial text is
// discarded, as the fake and web-llm engines do.
import { CancelledError } from '../../protocol/errors';
import type { Progress } from '../../protocol/progress';
import type { GenerateResult, SamplingOptions } from '../engine';
import { mulberry32 } from '../generation/rng';
import { sampleToken } from '../generation/sampler';
import { StopMatcher } from '../generation/stop-strings';
import type { HfTokenizer, StreamDecoder } from '../hf/tokenizer';
import type { LoraInputs } from './adapters';
import { disposeCache, selectRows } from './kv-cache';
import { prefillPadded, prefillRows } from './prefill';
import type { ModelRunner } from './runner';

export interface TokenRequest extends SamplingOptions {
  /** Prompt token ids (already templated and encoded). */
  ids: Int32Array;
  lora: LoraInputs;
  onToken?: (piece: string) => void;
}

export interface TokenResult extends GenerateResult {
  /** Sampled ids, without the eos that ended generation. */
  tokenIds: number[];
}

export interface BatchOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** State of one row of the batch. */
class RowState {
  readonly rng: () => number;
  readonly decoder: StreamDecoder;
  readonly stop: StopMatcher;
  readonly tokenIds: number[] = [];
  finish: GenerateResult['finishReason'] | null = null;

  constructor(
    readonly req: TokenRequest,
    private readonly tokenizer: HfTokenizer,
  ) {
    // Unseeded requests still get a reproducible-per-call RNG; seeded ones the same text
    // on every run and device.
    this.rng = mulberry32(req.seed ?? Math.floor(Math.random() * 2 ** 32));
    this.decoder = tokenizer.createStreamDecoder({ skipSpecialTokens: true });
    this.stop = new StopMatcher(req.stop ?? []);
    if (req.maxTokens <= 0) this.finish = 'length';
  }

  /** Samples from this row's logits and advances the text; returns the id fed next. */
  step(logits: Float32Array): number {
    const id = sampleToken(
      logits,
      { temperature: this.req.temperature, topK: this.req.topK, topP: this.req.topP },
      this.rng,
    );
    if (this.tokenizer.isEos(id)) {
      this.end('stop');
      return id;
    }
    this.tokenIds.push(id);
    this.emit(this.stop.push(this.decoder.push(id)));
    if (this.stop.stopped) this.finish = 'stop';
    else if (this.tokenIds.length >= this.req.maxTokens) this.end('length');
    return id;
  }

  private end(reason: GenerateResult['finishReason']): void {
    this.finish = reason;
    this.emit(this.stop.push(this.decoder.flush()));
    if (!this.stop.stopped) this.emit(this.stop.flush());
    else this.finish = 'stop';
  }

  private emit(piece: string): void {
    if (piece) this.req.onToken?.(piece);
  }

  result(): TokenResult {
    return {
      text: this.stop.output,
      finishReason: this.finish ?? 'length',
      promptTokens: this.req.ids.length,
      completionTokens: this.tokenIds.length,
      tokenIds: this.tokenIds,
    };
  }
}

/**
 * Generates for every request. Requests are grouped by LoRA inputs (the graph takes one
 * adapter per run) and each group decodes as one batch.
 */
export async function generateBatch(
  runner: ModelRunner,
  tokenizer: HfTokenizer,
  requests: TokenRequest[],
  opts: BatchOptions = {},
): Promise<TokenResult[]> {
  const results = new Array<TokenResult>(requests.length);
  const groups = new Map<LoraInputs, number[]>();
  requests.forEach((r, i) => groups.set(r.lora, [...(groups.get(r.lora) ?? []), i]));
  for (const [lora, indices] of groups) {
    const rows = indices.map((i) => new RowState(requests[i], tokenizer));
    await decodeGroup(runner, rows, lora, tokenizer.padId ?? tokenizer.eosIds[0] ?? 0, opts);
    indices.forEach((i, k) => (results[i] = rows[k].result()));
  }
  return results;
}

async function decodeGroup(
  runner: ModelRunner,
  rows: RowState[],
  lora: LoraInputs,
  padId: number,
  opts: BatchOptions,
): Promise<void> {
  const maxSteps = Math.max(...rows.map((r) => r.req.maxTokens));
  // Rows with maxTokens 0 are done before they start and cost nothing.
  let active = rows.filter((r) => !r.finish);
  if (!active.length) return;
  if (active.some((r) => r.req.ids.length === 0)) {
    throw new RangeError('Cannot generate from an empty prompt');
  }
  const checkCancel = () => {
    if (opts.signal?.aborted) throw new CancelledError('Generation cancelled');
  };
  // On WebGPU the padded batch prefill runs in parallel on the device, and keeping the cache
  // there matters more than skipping padding; on wasm (CPU) padding is paid token for token.
  const onGpu = runner.device.kind === 'webgpu';
  const prompts = active.map((r) => r.req.ids);
  checkCancel();
  const prefilled = onGpu
    ? await prefillPadded(runner, prompts, lora, padId)
    : await prefillRows(runner, prompts, lora, { checkCancel });
  let { cache, mask } = prefilled;
  let logits = prefilled.logits;
  try {
    const V = runner.config.vocabSize;
    for (let step = 0; ; step++) {
      // Finished rows (only on WebGPU, where they stay in the batch) are fed padding.
      const next = Int32Array.from(active, (r, b) => (r.finish ? padId : r.step(logits[b])));
      opts.onProgress?.({
        job: 'generate',
        kind: 'generate',
        phase: 'decode',
        done: step + 1,
        total: maxSteps,
        unit: 'tokens',
      });
      if (active.every((r) => r.finish)) return;
      checkCancel();
      // Rows that finished leave the batch (with the slots that were padding for every row
      // still in it), so they cost nothing in the steps that remain.
      // (Not on WebGPU: it would download the cache; finished rows decode padding there.)
      if (!onGpu && active.some((r) => r.finish)) {
        const keep = active.flatMap((r, b) => (r.finish ? [] : [b]));
        const narrowed = await selectRows(
          runner.ort,
          cache,
          mask,
          keep,
          leadingPadding(mask, cache.pastLength, keep),
        );
        disposeCache(cache);
        ({ cache, mask } = narrowed);
        active = keep.map((b) => active[b]);
        next.set(keep.map((b) => next[b]));
      }
      const B = active.length;
      // Every row gets one more attended slot.
      const S = cache.pastLength;
      const grown = new Int32Array(B * (S + 1));
      for (let b = 0; b < B; b++) {
        grown.set(mask.subarray(b * S, (b + 1) * S), b * (S + 1));
        grown[b * (S + 1) + S] = 1;
      }
      mask = grown;
      const out = await runner.run({
        batch: B,
        seq: 1,
        inputIds: next.slice(0, B),
        attentionMask: mask,
        past: cache,
        lora,
        logits: 'last',
      });
      disposeCache(cache);
      cache = out.present;
      logits = active.map((_, b) => out.logits.subarray(b * V, (b + 1) * V));
    }
  } finally {
    disposeCache(cache);
  }
}

/** Leading slots that are padding in every row of `keep` ([B, P] mask). */
function leadingPadding(mask: Int32Array, P: number, keep: number[]): number {
  let drop = P;
  for (const b of keep) {
    const first = mask.subarray(b * P, (b + 1) * P).indexOf(1);
    drop = Math.min(drop, first < 0 ? P : first);
  }
  return drop;
}
