// Deterministic tiny checkpoints in real Hugging Face layout (config.json + model.safetensors
// with HF tensor names) for the forward-graph tests. Pure (no node:fs) so the browser test
// can generate the same bytes in Chromium; tiny-checkpoint-fs.ts writes them to disk.
//
// Shapes are tiny (hidden 48–64, 2 layers, GQA) and the vocabulary defaults to 512 to keep
// tests fast; pass vocabSize 32000 to pair a Llama model with the Llama-2 tokenizer.
// Weights use a larger spread than HF's N(0, 0.02) init so attention is far from uniform and
// RoPE, masks and GQA actually change the logits the tests compare.
import { parseDecoderConfig, type DecoderConfig } from '../../src/lib/engines/onnx/config';
import {
  checkpointTensorNames,
  checkpointTensorShape,
  loraAName,
  loraBName,
  projectionDims,
  type LoraModule,
} from '../../src/lib/engines/onnx/llama-graph';
import {
  halfToFloat,
  writeSafetensors,
  type F32Tensor,
  type TensorToWrite,
} from '../../src/lib/engines/onnx/safetensors';
import { mulberry32 } from '../../src/lib/engines/generation/rng';
/** Deterministic PRNG shared with the app (one implementation). */
export { mulberry32 };

export type TinyArch = 'llama' | 'qwen2' | 'llama3';

export interface TinyCheckpointOptions {
  arch: TinyArch;
  dtype?: 'F32' | 'F16' | 'BF16';
  vocabSize?: number;
  seed?: number;
}

export interface TinyCheckpoint {
  configJson: Record<string, unknown>;
  config: DecoderConfig;
  /** File name → bytes: config.json and model.safetensors. */
  files: Record<string, Uint8Array>;
  /** The f32 values (after rounding to dtype) the loader should reproduce. */
  tensors: Map<string, F32Tensor>;
}

/** N(mean, std) samples by Box–Muller over mulberry32. */
export function normalArray(rand: () => number, n: number, std: number, mean = 0): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    out[i] = mean + std * r * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = mean + std * r * Math.sin(2 * Math.PI * v);
  }
  return out;
}

export function tinyConfigJson(arch: TinyArch, vocabSize = 512): Record<string, unknown> {
  const common = {
    num_hidden_layers: 2,
    vocab_size: vocabSize,
    max_position_embeddings: 512,
    torch_dtype: 'float32',
    hidden_act: 'silu',
  };
  if (arch === 'qwen2') {
    return {
      ...common,
      architectures: ['Qwen2ForCausalLM'],
      model_type: 'qwen2',
      hidden_size: 48,
      intermediate_size: 96,
      num_attention_heads: 4,
      num_key_value_heads: 1,
      rms_norm_eps: 1e-6,
      rope_theta: 1000000.0,
      tie_word_embeddings: true,
      use_sliding_window: false,
    };
  }
  const llama = {
    ...common,
    architectures: ['LlamaForCausalLM'],
    model_type: 'llama',
    hidden_size: 64,
    intermediate_size: 128,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    rope_theta: 10000.0,
    tie_word_embeddings: false,
    attention_bias: false,
    mlp_bias: false,
  };
  if (arch === 'llama') return llama;
  // Llama 3.x style: explicit head_dim (≠ hidden/heads) and llama3 RoPE scaling with a small
  // original context so the scaled band matters at the positions the tests use.
  return {
    ...llama,
    head_dim: 32,
    rope_theta: 500000.0,
    rope_scaling: {
      rope_type: 'llama3',
      factor: 4.0,
      low_freq_factor: 1.0,
      high_freq_factor: 4.0,
      original_max_position_embeddings: 32,
    },
  };
}

function roundTo(dtype: 'F32' | 'F16' | 'BF16', data: Float32Array): Float32Array {
  if (dtype === 'F32') return data;
  // Round through the writer and reader so expected values equal what the file holds.
  const bytes = writeSafetensors({ t: { dtype, shape: [data.length], data } });
  const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const view = new DataView(bytes.buffer, 8 + n);
  const out = new Float32Array(data.length);
  const bits = new Uint32Array(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const h = view.getUint16(i * 2, true);
    if (dtype === 'BF16') bits[i] = h << 16;
    else out[i] = halfToFloat(h);
  }
  return out;
}

export function makeTinyCheckpoint(opts: TinyCheckpointOptions): TinyCheckpoint {
  const dtype = opts.dtype ?? 'F32';
  const configJson = tinyConfigJson(opts.arch, opts.vocabSize);
  configJson.torch_dtype = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' }[dtype];
  const config = parseDecoderConfig(configJson);
  const rand = mulberry32(opts.seed ?? 1234);
  const tensors = new Map<string, F32Tensor>();
  const toWrite: Record<string, TensorToWrite> = {};
  for (const name of checkpointTensorNames(config)) {
    const shape = checkpointTensorShape(config, name);
    const n = shape.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (name.endsWith('norm.weight')) values = normalArray(rand, n, 0.1, 1);
    else if (name === 'model.embed_tokens.weight') values = normalArray(rand, n, 0.5);
    else values = normalArray(rand, n, name.endsWith('.bias') ? 0.1 : 0.15);
    const data = roundTo(dtype, values);
    tensors.set(name, { shape, data });
    toWrite[name] = { dtype, shape, data };
  }
  const files = {
    'config.json': new TextEncoder().encode(JSON.stringify(configJson, null, 2)),
    'model.safetensors': writeSafetensors(toWrite, { format: 'pt' }),
  };
  return { configJson, config, files, tensors };
}

/** Random LoRA tensors (non-zero B, unlike PEFT's init, so the adapter changes the output). */
export function makeTinyLora(
  config: DecoderConfig,
  modules: readonly LoraModule[],
  rank: number,
  seed = 99,
): Record<string, F32Tensor> {
  const rand = mulberry32(seed);
  const dims = projectionDims(config);
  const out: Record<string, F32Tensor> = {};
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const m of modules) {
      const [inSize, outSize] = dims[m];
      out[loraAName(layer, m)] = {
        shape: [inSize, rank],
        data: normalArray(rand, inSize * rank, 0.1),
      };
      out[loraBName(layer, m)] = {
        shape: [rank, outSize],
        data: normalArray(rand, rank * outSize, 0.1),
      };
    }
  }
  return out;
}
