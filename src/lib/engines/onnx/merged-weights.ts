// The merged adapter mode (issue 14 item 2): one adapter folded into the weights the runner's
// sessions read, W' = W + s·(A·B)ᵀ, so requests with that adapter run the LoRA-free graph
// variant. The unmerged LoRA costs 4 nodes per targeted projection per step (56 per layer for
// all seven); a merged model runs none, which is how transformers.js runs an adapter.
//
// One weight copy: the merged values REPLACE the projections the sessions use (GPU buffers
// rewritten in place; wasm arrays swapped), nothing is duplicated on the device or in ORT's
// heap. The base stays recoverable EXACTLY: it is re-read from the checkpoint bytes the model
// service keeps anyway (model-service.ts: the safetensors bytes, held while an engine uses
// them), converted as at load. Unmerging by subtraction in f32 would leave rounding error
// (≤ ½ ulp per merge and unmerge, drifting over many switches; with f16 weights the ulp is
// f16's), so it is not done.
//
// int4 projections are not merged: folding an adapter would mean re-quantizing W + ΔW, whose
// int4 rounding step (block 32) is larger than a typical adapter's delta, so the merged model
// would not be the adapter's model; there the runner always stays unmerged.
import type { LoraInputs } from './adapters';
import type { DecoderConfig } from './config';
import { float32ToHalfArray, toFloat16, type WeightTensor, type WeightType } from './half';
import { loraAName, loraBName, projectionDims, type LoraModule } from './llama-graph';
import { toFloat32, type RawTensor } from './safetensors';

/** HF name of one projection weight ([out, in]). */
export function projectionWeightName(layer: number, module: LoraModule): string {
  const block = ['gate_proj', 'up_proj', 'down_proj'].includes(module) ? 'mlp' : 'self_attn';
  return `model.layers.${layer}.${block}.${module}.weight`;
}

/**
 * Adds s·(A·B)ᵀ to `w` ([out, in], in place): A is [in, r], B [r, out] (graph layout,
 * adapters.ts). A is transposed once so the inner loop runs along contiguous rows.
 */
export function addLoraDelta(
  w: Float32Array,
  a: Float32Array,
  b: Float32Array,
  rank: number,
  inSize: number,
  outSize: number,
  scale: number,
): void {
  const at = new Float32Array(rank * inSize);
  for (let i = 0; i < inSize; i++) {
    for (let k = 0; k < rank; k++) at[k * inSize + i] = a[i * rank + k];
  }
  for (let o = 0; o < outSize; o++) {
    const row = w.subarray(o * inSize, (o + 1) * inSize);
    for (let k = 0; k < rank; k++) {
      const c = scale * b[k * outSize + o];
      if (c === 0) continue;
      const ak = at.subarray(k * inSize, (k + 1) * inSize);
      for (let i = 0; i < inSize; i++) row[i] += c * ak[i];
    }
  }
}

/** Receives a projection's new values at the runner's precision (replacing the old ones). */
export type WriteWeight = (name: string, t: WeightTensor) => void;

/** Which adapter the weights hold, and the writes that change it. */
export class MergedWeights {
  private merged: LoraInputs | null = null;

  constructor(
    private readonly config: DecoderConfig,
    /** The checkpoint's tensors as loaded (the base, exactly). */
    private readonly base: ReadonlyMap<string, RawTensor>,
    private readonly weightType: WeightType,
    private readonly write: WriteWeight,
  ) {}

  /** The adapter folded into the weights now; null = the base model's weights. */
  get current(): LoraInputs | null {
    return this.merged;
  }

  /**
   * Makes the weights base + `target` (null: the base). Only projections either adapter
   * touches are rewritten; each is rebuilt from the base bytes, so nothing accumulates.
   */
  apply(target: LoraInputs | null): void {
    if (target === this.merged) return;
    const touched = new Set<LoraModule>([
      ...(this.merged?.modules ?? []),
      ...(target?.modules ?? []),
    ]);
    const dims = projectionDims(this.config);
    for (let layer = 0; layer < this.config.numLayers; layer++) {
      for (const m of touched) {
        const name = projectionWeightName(layer, m);
        const raw = this.base.get(name);
        if (!raw) throw new Error(`merged weights: no base tensor "${name}"`);
        if (!target?.modules.includes(m)) {
          this.write(
            name,
            this.weightType === 'float16' ? toFloat16(raw, name) : toFloat32(raw, name),
          );
          continue;
        }
        const w = toFloat32(raw, name);
        const [inSize, outSize] = dims[m];
        addLoraDelta(
          w.data,
          target.tensors[loraAName(layer, m)].data,
          target.tensors[loraBName(layer, m)].data,
          target.rank,
          inSize,
          outSize,
          target.scale,
        );
        this.write(
          name,
          this.weightType === 'float16' ? { shape: w.shape, data: float32ToHalfArray(w.data) } : w,
        );
      }
    }
    this.merged = target;
  }
}
