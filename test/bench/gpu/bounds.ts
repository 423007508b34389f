// What a GPU's memory bandwidth and FLOP rate allow for the GPU benchmark's model
// (`npm run bench:gpu`, issue 14 item 3): the roofline each measured figure is reported
// against. Our WebGPU path keeps weights in f16 (shader-f16) or f32 and computes in f32
// (llama-graph.ts), so the FLOP bound uses the GPU's plain f32 rate, not tensor-core rates.

export interface GpuSpec {
  name: string;
  /** Memory bandwidth, GB/s (vendor datasheet). */
  bandwidthGBs: number;
  /** Dense f32 (non-tensor-core) rate, TFLOP/s. */
  tflopsF32: number;
}

/** Datasheet figures of a few GPUs; any other: --bandwidth and --tflops. */
export const KNOWN_GPUS: Record<string, GpuSpec> = {
  h200: { name: 'NVIDIA H200 SXM', bandwidthGBs: 4800, tflopsF32: 67 },
  h100: { name: 'NVIDIA H100 SXM', bandwidthGBs: 3350, tflopsF32: 67 },
  a100: { name: 'NVIDIA A100 80GB SXM', bandwidthGBs: 2039, tflopsF32: 19.5 },
  l4: { name: 'NVIDIA L4', bandwidthGBs: 300, tflopsF32: 30.3 },
  rtx4090: { name: 'NVIDIA GeForce RTX 4090', bandwidthGBs: 1008, tflopsF32: 82.6 },
  rtx3060: { name: 'NVIDIA GeForce RTX 3060 12GB', bandwidthGBs: 360, tflopsF32: 12.7 },
};

export interface ModelShape {
  /** Parameters read per token (all weights; the LM head included). */
  params: number;
  layers: number;
  kvHeads: number;
  heads: number;
  headDim: number;
  /** Bytes per weight element as the engine holds them (2 for f16, 4 for f32). */
  weightBytes: number;
}

/** KV cache bytes of `batch` rows of `length` positions (f32 cache: 4 bytes). */
export function kvCacheBytes(m: ModelShape, batch: number, length: number): number {
  return 2 * m.layers * batch * m.kvHeads * length * m.headDim * 4;
}

/**
 * Decode tokens/s bound: a step reads every weight once (shared by the batch) and each
 * row's cache, so at most batch · bandwidth / bytes-per-step tokens per second.
 */
export function decodeBound(gpu: GpuSpec, m: ModelShape, batch: number, past: number): number {
  const bytes = m.params * m.weightBytes + kvCacheBytes(m, batch, past);
  return (batch * gpu.bandwidthGBs * 1e9) / bytes;
}

/** Forward FLOPs of `tokens` causal tokens: 2 per parameter per token + attention. */
export function forwardFlops(m: ModelShape, tokens: number): number {
  // q·kᵀ and p·v over the causal half: 2 · 2 · T²/2 · heads · D per layer.
  return 2 * m.params * tokens + 2 * m.layers * tokens * tokens * m.heads * m.headDim;
}

/** Prefill tokens/s bound from the f32 FLOP rate. */
export function prefillBound(gpu: GpuSpec, m: ModelShape, tokens: number): number {
  return (gpu.tflopsF32 * 1e12 * tokens) / forwardFlops(m, tokens);
}

/**
 * LoRA training step tokens/s bound: the base is frozen, so the backward pass computes
 * input gradients (≈ the forward's FLOPs) but no weight gradients: ≈ 2× a forward
 * (the LoRA factors add < 1 % at rank 16).
 */
export function trainBound(gpu: GpuSpec, m: ModelShape, batch: number, seq: number): number {
  const flops = 2 * batch * forwardFlops(m, seq);
  return (gpu.tflopsF32 * 1e12 * batch * seq) / flops;
}

/** A known GPU by key, or a custom one from bandwidth and FLOP rate. */
export function resolveGpu(key?: string, bandwidthGBs?: number, tflopsF32?: number): GpuSpec {
  if (bandwidthGBs !== undefined && tflopsF32 !== undefined) {
    if (!(bandwidthGBs > 0) || !(tflopsF32 > 0))
      throw new Error('--bandwidth and --tflops must be positive numbers');
    return { name: key ?? 'custom', bandwidthGBs, tflopsF32 };
  }
  const known = KNOWN_GPUS[(key ?? '').toLowerCase()];
  if (!known) {
    throw new Error(
      `unknown GPU "${key ?? ''}": pick one of ${Object.keys(KNOWN_GPUS).join(', ')} ` +
        'or pass --bandwidth <GB/s> and --tflops <f32 TFLOP/s>',
    );
  }
  return known;
}
