// The prompt pass of batched generation without padding waste. Prefilling a left-padded batch
// pays for max(len) × B tokens (and attention over the padding), which made generateBatch
// slower than one request at a time on demo-length prompts. Here each prompt runs on its own,
// at its own length; the head all prompts share (the rating or backtranslation prompt's text
// and the chat template) runs once and every row continues from its KV cache, as the scorer
// does. The per-row caches are then stacked into one left-padded batch cache, so the decode
// steps, where batching wins, still run all rows together.
import type { LoraInputs } from './adapters';
import { disposeCache, stackLeftPadded, type KvCache } from './kv-cache';
import type { ModelRunner } from './runner';
import { commonPrefixLength } from './scorer';

export interface PrefillOptions {
  /** Shortest shared head worth its own run. Default 4 tokens. */
  minPrefix?: number;
  /** Called before every forward run (throws to cancel). */
  checkCancel?: () => void;
}

export interface Prefilled {
  /** [B, H, P, D], rows left-padded to the longest prompt. */
  cache: KvCache;
  /** [B, P]: 1 on each row's prompt slots. */
  mask: Int32Array;
  /** Each row's logits after its last prompt token (V floats each). */
  logits: Float32Array[];
}

/**
 * Tokens of the head shared by every prompt that is worth computing once: one short of the
 * shortest prompt, so every row still runs its last token (whose logits it samples from).
 */
export function sharedHeadLength(prompts: Int32Array[], minPrefix = 4): number {
  if (prompts.length < 2) return 0;
  const shortest = Math.min(...prompts.map((p) => p.length));
  const L = Math.min(commonPrefixLength(prompts), shortest - 1);
  return L >= minPrefix ? L : 0;
}

/** Runs every prompt (none empty) and returns one batch cache ready for decoding. */
export async function prefillRows(
  runner: ModelRunner,
  prompts: Int32Array[],
  lora: LoraInputs,
  opts: PrefillOptions = {},
): Promise<Prefilled> {
  const V = runner.config.vocabSize;
  const L = sharedHeadLength(prompts, opts.minPrefix);
  let head: KvCache | undefined;
  const caches: KvCache[] = [];
  const logits: Float32Array[] = [];
  try {
    if (L > 0) {
      opts.checkCancel?.();
      const out = await runner.run({
        batch: 1,
        seq: L,
        inputIds: prompts[0].slice(0, L),
        attentionMask: new Int32Array(L).fill(1),
        lora,
        logits: 'last',
      });
      head = out.present;
    }
    for (const ids of prompts) {
      opts.checkCancel?.();
      const out = await runner.run({
        batch: 1,
        seq: ids.length - L,
        inputIds: ids.slice(L),
        attentionMask: new Int32Array(ids.length).fill(1),
        past: head,
        lora,
        logits: 'last',
      });
      caches.push(out.present);
      logits.push(out.logits.slice(0, V));
    }
    if (caches.length === 1) {
      const cache = caches.pop()!;
      return { cache, mask: new Int32Array(cache.pastLength).fill(1), logits };
    }
    const { cache, mask } = await stackLeftPadded(runner.ort, caches);
    return { cache, mask, logits };
  } finally {
    disposeCache(head);
    caches.forEach(disposeCache);
  }
}

/**
 * All prompts in one left-padded batch run, as before per-row prefill. Kept for WebGPU, where
 * a padded batch runs in parallel on the device and per-row runs would download and re-upload
 * every cache to stack it (and, on SwiftShader, compile shaders for every row's length).
 */
export async function prefillPadded(
  runner: ModelRunner,
  prompts: Int32Array[],
  lora: LoraInputs,
  padId: number,
): Promise<Prefilled> {
  const B = prompts.length;
  const L = Math.max(...prompts.map((p) => p.length));
  const inputIds = new Int32Array(B * L).fill(padId);
  const mask = new Int32Array(B * L);
  prompts.forEach((ids, b) => {
    inputIds.set(ids, b * L + L - ids.length);
    mask.fill(1, b * L + L - ids.length, (b + 1) * L);
  });
  const out = await runner.run({
    batch: B,
    seq: L,
    inputIds,
    attentionMask: mask,
    lora,
    logits: 'last',
  });
  const V = runner.config.vocabSize;
  const logits = prompts.map((_, b) => out.logits.slice(b * V, (b + 1) * V));
  return { cache: out.present, mask, logits };
}
