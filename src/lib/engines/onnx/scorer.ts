// log p(continuation | prompt) without decoding: run prompt + continuation, read the
// log-softmax of the logits one position before each continuation token, and sum. The fast
// curation mode rates every (instruction, answer) pair by the distribution over "1".."5"
// after the long rating prompt (method.md §4); all those prompts share the prompt head, so
// its KV cache is computed ONCE and only the per-pair suffixes and continuations run, batched,
// against it.
import { CancelledError } from '../../protocol/errors';
import type { Progress } from '../../protocol/progress';
import { logSoftmax } from '../generation/sampler';
import type { LoraInputs } from './adapters';
import { disposeCache, tileCache, type KvCache } from './kv-cache';
import type { ModelRunner } from './runner';

export interface ScoreRow {
  prompt: Int32Array;
  continuation: Int32Array;
}

export interface ScoreOptions {
  /** Compute the longest common token prefix of all prompts once. Default true. */
  sharedPrefix?: boolean;
  /** Shortest common prefix worth a separate run. Default 4 tokens. */
  minPrefix?: number;
  /**
   * Chunk runs of similar length together (sorted by length; results stay in row order), so
   * a chunk's left padding is small. Default true.
   */
  sortByLength?: boolean;
  /** Rows per forward run. Default 16. */
  maxRows?: number;
  /** Cap on B·T·V logits floats per run (memory). Default 2^25 (128 MB). */
  maxLogitFloats?: number;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

/** Length of the longest common prefix of all arrays. */
export function commonPrefixLength(arrays: Int32Array[]): number {
  if (!arrays.length) return 0;
  let n = Math.min(...arrays.map((a) => a.length));
  const first = arrays[0];
  for (const a of arrays) {
    let i = 0;
    while (i < n && a[i] === first[i]) i++;
    n = i;
  }
  return n;
}

/** Summed log-probabilities, one per row. */
export async function scoreRows(
  runner: ModelRunner,
  rows: ScoreRow[],
  lora: LoraInputs,
  opts: ScoreOptions = {},
): Promise<number[]> {
  for (const [i, r] of rows.entries()) {
    if (!r.prompt.length) throw new RangeError(`Row ${i}: the prompt has no tokens`);
  }
  const checkCancel = () => {
    if (opts.signal?.aborted) throw new CancelledError('Scoring cancelled');
  };
  // The prefix stops one token short of the shortest prompt: every row then still runs its
  // last prompt token, whose logits predict the continuation's first token.
  let L = 0;
  if ((opts.sharedPrefix ?? true) && rows.length > 1) {
    L = Math.min(
      commonPrefixLength(rows.map((r) => r.prompt)),
      Math.min(...rows.map((r) => r.prompt.length)) - 1,
    );
    if (L < (opts.minPrefix ?? 4)) L = 0;
  }
  // A row's run is prompt[L:] + continuation[:-1]: the last continuation token is only
  // predicted, never fed. Rows with the same run (the five single-digit ratings of one
  // prompt) share it, and when every continuation is one token only the last position's
  // logits are needed.
  const runs: { ids: Int32Array; needsAll: boolean }[] = [];
  const runOf = new Map<string, number>();
  // An empty continuation has log-probability 0 and needs no run.
  const rowRun = rows.map((r) => {
    if (!r.continuation.length) return -1;
    const ids = new Int32Array(r.prompt.length - L + r.continuation.length - 1);
    ids.set(r.prompt.subarray(L));
    ids.set(r.continuation.subarray(0, -1), r.prompt.length - L);
    const key = ids.join(',');
    let index = runOf.get(key);
    if (index === undefined) {
      index = runs.push({ ids, needsAll: false }) - 1;
      runOf.set(key, index);
    }
    if (r.continuation.length > 1) runs[index].needsAll = true;
    return index;
  });
  const rowsOfRun = runs.map(() => [] as number[]);
  rowRun.forEach((run, row) => run >= 0 && rowsOfRun[run].push(row));
  // Runs in the order they are chunked: by length, so a chunk pads each run only up to its
  // neighbours' length instead of the longest prompt's (a stable sort keeps equal lengths in
  // row order).
  const order = runs.map((_, i) => i);
  if (opts.sortByLength ?? true) order.sort((a, b) => runs[a].ids.length - runs[b].ids.length);

  let prefix: KvCache | undefined;
  const tiled = new Map<number, KvCache>();
  const scores = new Array<number>(rows.length).fill(0);
  try {
    checkCancel();
    if (L > 0) {
      const out = await runner.run({
        batch: 1,
        seq: L,
        inputIds: rows[0].prompt.slice(0, L),
        attentionMask: new Int32Array(L).fill(1),
        lora,
        logits: 'last',
      });
      prefix = out.present;
    }
    const V = runner.config.vocabSize;
    const maxRows = opts.maxRows ?? 16;
    const budget = opts.maxLogitFloats ?? 2 ** 25;
    let start = 0;
    while (start < runs.length) {
      checkCancel();
      // Grow the chunk while it fits the row and logits budgets.
      let end = start;
      let T = 0;
      let all = false;
      while (end < runs.length && end - start < maxRows) {
        const run = runs[order[end]];
        const t = Math.max(T, run.ids.length);
        const a: boolean = all || run.needsAll;
        if (end > start && (end + 1 - start) * (a ? t : 1) * V > budget) break;
        [T, all] = [t, a];
        end++;
      }
      const B = end - start;
      let past: KvCache | undefined;
      if (prefix) {
        past = tiled.get(B) ?? (await tileCache(runner.ort, prefix, B));
        tiled.set(B, past);
      }
      const inputIds = new Int32Array(B * T);
      const mask = new Int32Array(B * (L + T));
      const pads: number[] = [];
      for (let b = 0; b < B; b++) {
        const ids = runs[order[start + b]].ids;
        const pad = T - ids.length;
        pads.push(pad);
        inputIds.set(ids, b * T + pad);
        mask.fill(1, b * (L + T), b * (L + T) + L);
        mask.fill(1, b * (L + T) + L + pad, (b + 1) * (L + T));
      }
      const out = await runner.run({
        batch: B,
        seq: T,
        inputIds,
        attentionMask: mask,
        past,
        lora,
        logits: all ? 'all' : 'last',
      });
      disposeCache(out.present);
      for (let b = 0; b < B; b++) {
        for (const row of rowsOfRun[order[start + b]]) {
          const r = rows[row];
          // Logits at column c predict the token at column c + 1.
          const firstPredictor = pads[b] + (r.prompt.length - L) - 1;
          let sum = 0;
          for (let k = 0; k < r.continuation.length; k++) {
            const at = all ? (b * T + firstPredictor + k) * V : b * V;
            sum += logSoftmax(out.logits.subarray(at, at + V))[r.continuation[k]];
          }
          scores[row] = sum;
        }
      }
      start = end;
      opts.onProgress?.({
        job: 'score',
        kind: 'score',
        phase: 'score',
        done: start,
        total: runs.length,
        unit: 'batches',
      });
    }
  } finally {
    disposeCache(prefix);
  }
  return scores;
}
