// Checkpoint tensors → f16 weights for the float16 forward graph (llama-graph.ts
// `weightType: 'float16'`). Hugging Face checkpoints ship F32, F16 or BF16; on adapters with
// `shader-f16` the weights are kept as IEEE half (onnxruntime-web.md §3.2: f16 needs that
// feature, WebGPU has no bf16), halving weight memory and upload. F16 passes through
// unchanged; F32 and BF16 are rounded to nearest even. ORT 1.30 takes a Uint16Array for a
// 'float16' tensor (and still does where the runtime has Float16Array).
import { ModelLoadError } from '../../protocol/errors';
import { f32BitsToHalf, type F32Tensor, type RawTensor } from './safetensors';

/** A weight as IEEE half bit patterns. */
export interface F16Tensor {
  shape: number[];
  data: Uint16Array;
}

/** Bytes of an int4-quantized projection (packed values or zero points, int4.ts). */
export interface U8Tensor {
  shape: number[];
  data: Uint8Array;
}

/**
 * What the forward graph takes as a weight: f32, or f16 for the float16 graph; uint8 for the
 * int4 blocks of a quantized projection (their scales are f32 tensors).
 */
export type WeightTensor = F32Tensor | F16Tensor | U8Tensor;

export type WeightType = 'float32' | 'float16';

/** 'float16' for Uint16Array data, 'uint8' for Uint8Array. toStringTag, not instanceof: arrays may come from another realm. */
export function weightTypeOf(t: WeightTensor): WeightType | 'uint8' {
  const tag = t.data[Symbol.toStringTag];
  if (tag === 'Uint8Array') return 'uint8';
  return tag === 'Uint16Array' ? 'float16' : 'float32';
}

/** The one element type all `weights` share (an empty map counts as f32). */
export function commonWeightType(weights: Map<string, WeightTensor>): WeightType {
  let type: WeightType | undefined;
  for (const [name, t] of weights) {
    const own = weightTypeOf(t);
    if (own === 'uint8') continue; // int4 blocks: not a float weight type
    if (type && own !== type) {
      throw new ModelLoadError(`Tensor "${name}" is ${own}, other weights are ${type}`, {
        tensor: name,
      });
    }
    type = own;
  }
  return type ?? 'float32';
}

/** f32 values → half bits, round to nearest even. */
export function float32ToHalfArray(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  const bits = new Uint32Array(Float32Array.from(values).buffer);
  for (let i = 0; i < out.length; i++) out[i] = f32BitsToHalf(bits[i]);
  return out;
}

/**
 * A float checkpoint tensor as f16. F16 is a view over the file's bytes when they are 2-byte
 * aligned (a copy otherwise); F32 and BF16 are converted (bf16 has 8 significand bits, f16
 * 11, so bf16 → f16 is exact except outside f16's range: beyond ±65504 → ±inf, below
 * 2^-14 → fewer bits or 0).
 */
export function toFloat16(t: RawTensor, name = 'tensor'): F16Tensor {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  let data: Uint16Array;
  switch (t.dtype) {
    case 'F16':
      if (t.bytes.byteOffset % 2 === 0) {
        data = new Uint16Array(t.bytes.buffer, t.bytes.byteOffset, n);
      } else {
        data = new Uint16Array(n);
        for (let i = 0; i < n; i++) data[i] = view.getUint16(i * 2, true);
      }
      break;
    case 'F32':
      data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = f32BitsToHalf(view.getUint32(i * 4, true));
      break;
    case 'BF16':
      data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = f32BitsToHalf(view.getUint16(i * 2, true) << 16);
      break;
    default:
      throw new ModelLoadError(`${name}: dtype ${t.dtype} is not a float type`, { tensor: name });
  }
  return { shape: [...t.shape], data };
}
