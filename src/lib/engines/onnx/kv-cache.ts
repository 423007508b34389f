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
