// LoRA initialisation as PEFT does it (peft/tuners/lora/layer.py reset_lora_parameters with
// init_lora_weights=True): lora_A.weight [r, in] ~ kaiming_uniform_(a=√5), i.e. U(−b, b) with
// b = gain·√(3/fan_in), gain = √(2/(1+a²)) = √(1/3)  ⇒  b = 1/√in;  lora_B = 0, so training
// starts exactly at the base model. Plus the LoRA-dropout masks, generated in JS from a seed
// so runs are reproducible and a resumed run draws the same masks (method.md §6: dropout 0.1).
import type { DecoderConfig } from '../engines/onnx/config';
import { mulberry32 } from '../engines/generation/rng';
import type { F32Tensor } from '../engines/onnx/safetensors';
import { dropoutMaskName, loraSites, type LoraConfig } from './lora-config';
import type { BatchShape } from './train-graph';

/** Graph-layout LoRA tensors: lora.{i}.{module}.A [in, r] (uniform), .B [r, out] (zeros). */
export function initLora(
  config: DecoderConfig,
  lora: LoraConfig,
  seed: number,
): Record<string, F32Tensor> {
  const rand = mulberry32(seed);
  const out: Record<string, F32Tensor> = {};
  for (const site of loraSites(config, lora)) {
    const bound = 1 / Math.sqrt(site.inSize);
    // Draw in PEFT's [r, in] order so the stream maps to the same logical entries, then store
    // transposed as [in, r].
    const a = new Float32Array(site.inSize * lora.rank);
    for (let row = 0; row < lora.rank; row++) {
      for (let col = 0; col < site.inSize; col++)
        a[col * lora.rank + row] = (rand() * 2 - 1) * bound;
    }
    out[site.a] = { shape: [site.inSize, lora.rank], data: a };
    out[site.b] = {
      shape: [lora.rank, site.outSize],
      data: new Float32Array(lora.rank * site.outSize),
    };
  }
  return out;
}

/** A 32-bit seed from (seed, step, micro-batch) so every micro-batch has its own masks. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    h = Math.imul(h ^ (p >>> 0), 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

/** A LoRA-dropout keep mask: 1 = keep, 0 = drop (fed as an ONNX bool tensor). */
export interface DropoutMask {
  shape: number[];
  data: Uint8Array;
}

/**
 * Dropout keep-masks for every LoRA site, [B·T, in] bool (PEFT applies nn.Dropout to the
 * adapter input, separately per adapted module; the graph multiplies by 1/(1−p)).
 * Deterministic in (seed, step, micro): resume-exact without storing RNG state. Bytes, not
 * f32, because at real sizes the masks dominate per-step uploads (SmolLM2-135M, T = 512, all
 * modules: 77M entries per micro-batch); each 32-bit draw gives two 16-bit uniforms, so p is
 * applied with 1/65536 resolution.
 */
export function dropoutMasks(
  config: DecoderConfig,
  lora: LoraConfig,
  shape: BatchShape,
  seed: number,
  step: number,
  micro = 0,
): Record<string, DropoutMask> {
  const rows = shape.batch * shape.seq;
  const threshold = Math.round(lora.dropout * 65536);
  let state = mixSeed(seed, step, micro);
  const out: Record<string, DropoutMask> = {};
  for (const site of loraSites(config, lora)) {
    const data = new Uint8Array(rows * site.inSize);
    for (let i = 0; i < data.length; i += 2) {
      // mulberry32 step (engines/generation/rng.ts), inlined: this loop runs per element.
      state = (state + 0x6d2b79f5) >>> 0;
      let t = Math.imul(state ^ (state >>> 15), state | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      t = (t ^ (t >>> 14)) >>> 0;
      data[i] = (t & 0xffff) < threshold ? 0 : 1;
      if (i + 1 < data.length) data[i + 1] = t >>> 16 < threshold ? 0 : 1;
    }
    out[dropoutMaskName(site.layer, site.module)] = { shape: [rows, site.inSize], data };
  }
  return out;
}
