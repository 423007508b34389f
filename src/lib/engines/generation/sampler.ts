// Token sampling from one row of logits: greedy at temperature 0, else temperature → top-k →
// top-p (nucleus) → draw. Nucleus sampling with T = 0.7, p = 0.9 is the paper's setting for
// generation (§3.1); backtranslation in the follow-up used T = 1.0, p = 0.9 (method.md §3).
import type { Rng } from './rng';

export interface SamplerOptions {
  temperature: number;
  topK?: number;
  topP?: number;
}

export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestVal = -Infinity;
  for (let i = 0; i < logits.length; i++) {
    if (logits[i] > bestVal) {
      bestVal = logits[i];
      best = i;
    }
  }
  return best;
}

/**
 * Picks a token id. Only candidates that survive top-k (or, without top-k, a probability
 * threshold that already holds the nucleus) are sorted, so the cost stays near O(V) for
 * large vocabularies instead of sorting all 32k-152k ids every token.
 */
export function sampleToken(logits: ArrayLike<number>, opts: SamplerOptions, rng: Rng): number {
  if (opts.temperature <= 0) return argmax(logits);
  const V = logits.length;
  const k = opts.topK && opts.topK > 0 ? Math.min(opts.topK, V) : V;
  const invT = 1 / opts.temperature;
  const topP = opts.topP ?? 1;

  // Candidate set: the k largest, the ids that can hold the nucleus, or all ids. Each is a
  // prefix of the stably sorted order, so the sorted candidates, the cut and the draw are
  // the same as over all ids.
  let ids: number[];
  if (k < V) ids = topKIds(logits, k);
  else if (topP < 1) ids = nucleusCandidates(logits, invT, topP);
  else ids = Array.from({ length: V }, (_, i) => i);
  ids.sort((a, b) => logits[b] - logits[a] || a - b);

  const max = logits[ids[0]] * invT;
  const weights = new Float64Array(ids.length);
  let sum = 0;
  for (let i = 0; i < ids.length; i++) {
    const w = Math.exp(logits[ids[i]] * invT - max);
    weights[i] = w;
    sum += w;
  }
  // Without top-k the candidates may be a prefix of all ids: normalise by the full mass.
  if (k === V && ids.length < V) sum = softmaxMass(logits, invT, max);
  // Nucleus: the smallest prefix whose probability reaches top_p.
  let cut = ids.length;
  if (topP < 1) {
    let acc = 0;
    for (let i = 0; i < ids.length; i++) {
      acc += weights[i] / sum;
      if (acc >= topP) {
        cut = i + 1;
        break;
      }
    }
  }
  let kept = 0;
  for (let i = 0; i < cut; i++) kept += weights[i];
  let r = rng() * kept;
  for (let i = 0; i < cut; i++) {
    r -= weights[i];
    if (r <= 0) return ids[i];
  }
  return ids[cut - 1];
}

function softmaxMass(logits: ArrayLike<number>, invT: number, max: number): number {
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] * invT - max);
  return sum;
}

/**
 * Every id whose logit is at least a threshold, lowered until their probability mass
 * reaches top_p (with a margin for rounding): the nucleus is a prefix of the sorted order,
 * so it lies inside this set. Peaked distributions need a few hundred ids, not all V.
 */
function nucleusCandidates(logits: ArrayLike<number>, invT: number, topP: number): number[] {
  const V = logits.length;
  let maxLogit = -Infinity;
  for (let i = 0; i < V; i++) if (logits[i] > maxLogit) maxLogit = logits[i];
  const max = maxLogit * invT;
  const total = softmaxMass(logits, invT, max);
  const need = Math.min(1, topP + 1e-6) * total;
  // Thresholds on the scaled logit below the maximum: e^-4, e^-8, ... of the top weight.
  for (let drop = 4; drop <= 64; drop *= 2) {
    const ids: number[] = [];
    let mass = 0;
    for (let i = 0; i < V; i++) {
      const z = logits[i] * invT - max;
      if (z >= -drop) {
        ids.push(i);
        mass += Math.exp(z);
      }
    }
    if (mass >= need || ids.length === V) return ids;
  }
  return Array.from({ length: V }, (_, i) => i);
}

function topKIds(logits: ArrayLike<number>, k: number): number[] {
  // Min-heap of size k over (value, id).
  const heap: number[] = [];
  const less = (a: number, b: number) => logits[a] < logits[b];
  const siftDown = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && less(heap[l], heap[m])) m = l;
      if (r < heap.length && less(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  const siftUp = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!less(heap[i], heap[p])) return;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  for (let i = 0; i < logits.length; i++) {
    if (heap.length < k) {
      heap.push(i);
      siftUp(heap.length - 1);
    } else if (logits[i] > logits[heap[0]]) {
      heap[0] = i;
      siftDown(0);
    }
  }
  return heap;
}

/** log-softmax of one row, in float64 for stable scoring. */
export function logSoftmax(logits: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) if (logits[i] > max) max = logits[i];
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += Math.exp(logits[i] - max);
  const lse = max + Math.log(sum);
  const out = new Float64Array(logits.length);
  for (let i = 0; i < logits.length; i++) out[i] = logits[i] - lse;
  return out;
}
