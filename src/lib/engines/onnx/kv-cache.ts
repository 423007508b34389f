// KV-cache tensors between runs. On wasm they are CPU tensors; on WebGPU the present.*
// outputs stay in GPU buffers (preferredOutputLocation 'gpu-buffer') and are fed straight
// back as past_key_values, so the decode loop never downloads the cache
// (onnxruntime-web.md §3.3). Only the shared-prefix scorer reshapes a cache (tiling one
// prefix over a batch), which it does once per call on CPU copies.
import type * as Ort from 'onnxruntime-web';
import type { KvCache } from './llama-session';

export type { KvCache };

/** The tensor's f32 values, downloading a GPU tensor when needed. */
export async function tensorData(t: Ort.Tensor): Promise<Float32Array> {
  if (t.location === 'cpu') return t.data as Float32Array;
  return (await t.getData()) as Float32Array;
}

/** Frees GPU buffers ORT allocated for a cache (CPU tensors need nothing). */
export function disposeCache(cache: KvCache | undefined): void {
  if (!cache) return;
  for (const t of [...cache.keys, ...cache.values]) {
    if (t.location === 'gpu-buffer') t.dispose();
  }
}

/** Repeats every row of a batch-1 cache `batch` times ([1, H, P, D] → [batch, H, P, D]). */
export async function tileCache(ort: typeof Ort, cache: KvCache, batch: number): Promise<KvCache> {
  const tile = async (t: Ort.Tensor): Promise<Ort.Tensor> => {
    const data = await tensorData(t);
    const out = new Float32Array(data.length * batch);
    for (let b = 0; b < batch; b++) out.set(data, b * data.length);
    return new ort.Tensor('float32', out, [batch, ...t.dims.slice(1)]);
  };
  return {
    pastLength: cache.pastLength,
    keys: await Promise.all(cache.keys.map(tile)),
    values: await Promise.all(cache.values.map(tile)),
  };
}

/**
 * Stacks per-row caches ([1, H, P_b, D] each, P_b may differ) into one LEFT-padded batch
 * cache [B, H, max P_b, D] with zeros in the padding, and the matching attention mask
 * [B, max P_b] (1 = real slot). Keys were rotated at their own positions 0..P_b-1 when each
 * row was prefilled alone, and a decode step's position is cumsum(mask) - 1, so a row's
 * padding changes neither its keys nor its next position.
 */
export async function stackLeftPadded(
  ort: typeof Ort,
  caches: KvCache[],
): Promise<{ cache: KvCache; mask: Int32Array }> {
  const P = Math.max(...caches.map((c) => c.pastLength));
  const B = caches.length;
  const stack = async (pick: (c: KvCache) => Ort.Tensor): Promise<Ort.Tensor> => {
    const [, H, , D] = pick(caches[0]).dims;
    const out = new Float32Array(B * H * P * D);
    for (let b = 0; b < B; b++) {
      const p = caches[b].pastLength;
      const data = await tensorData(pick(caches[b]));
      for (let h = 0; h < H; h++) {
        const from = data.subarray(h * p * D, (h + 1) * p * D);
        out.set(from, ((b * H + h) * P + (P - p)) * D);
      }
    }
    return new ort.Tensor('float32', out, [B, H, P, D]);
  };
  const layers = caches[0].keys.length;
  const keys: Ort.Tensor[] = [];
  const values: Ort.Tensor[] = [];
  for (let i = 0; i < layers; i++) {
    keys.push(await stack((c) => c.keys[i]));
    values.push(await stack((c) => c.values[i]));
  }
  const mask = new Int32Array(B * P);
  caches.forEach((c, b) => mask.fill(1, b * P + (P - c.pastLength), (b + 1) * P));
  return { cache: { pastLength: P, keys, values }, mask };
}

/**
 * The rows `keep` of a batch cache and its mask, without the first `drop` slots (padding in
 * every kept row), so rows that finished stop costing attention and matmul work.
 */
export async function selectRows(
  ort: typeof Ort,
  cache: KvCache,
  mask: Int32Array,
  keep: number[],
  drop: number,
): Promise<{ cache: KvCache; mask: Int32Array }> {
  const P = cache.pastLength;
  const B = mask.length / P;
  const Q = P - drop;
  const select = async (t: Ort.Tensor): Promise<Ort.Tensor> => {
    const [, H, , D] = t.dims;
    const data = await tensorData(t);
    const out = new Float32Array(keep.length * H * Q * D);
    keep.forEach((b, k) => {
      for (let h = 0; h < H; h++) {
        const from = ((b * H + h) * P + drop) * D;
        out.set(data.subarray(from, from + Q * D), (k * H + h) * Q * D);
      }
    });
    return new ort.Tensor('float32', out, [keep.length, H, Q, D]);
  };
  const keys = await Promise.all(cache.keys.map(select));
  const values = await Promise.all(cache.values.map(select));
  const kept = new Int32Array(keep.length * Q);
  keep.forEach((b, k) => kept.set(mask.subarray(b * P + drop, (b + 1) * P), k * Q));
  if (B < keep.length) throw new RangeError('More rows kept than the batch has');
  return { cache: { pastLength: Q, keys, values }, mask: kept };
}
