// The Models screen's list of Hugging Face checkpoints for our ONNX engine, and whether each
// fits this device. Pure: the device is described by the capability report's numbers, the
// checkpoints by their config.json shape, so the estimate is tested without a download.
//
// The estimate follows what the engine itself checks at load time (onnx/device.ts checkFits):
// the largest single tensor must fit one WebGPU storage binding, and on wasm the weights plus
// ~25 % must stay under the 2 GB heap budget. WebGPU does not report how much memory the GPU
// has, so a total above the browser's `navigator.deviceMemory` (Chromium caps it at 8 GB) is
// flagged as "tight" rather than refused.

/** The shape of a decoder checkpoint, as its config.json gives it. */
export interface DecoderShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
  vocab: number;
  /** Input embedding and LM head share one matrix (tie_word_embeddings). */
  tied: boolean;
  /** Qwen2 has biases on q/k/v. */
  qkvBias: boolean;
}

export interface CatalogueEntry {
  id: string;
  family: 'SmolLM2' | 'Qwen2.5' | 'Llama';
  /** One line: what it is good for here. */
  note: string;
  shape: DecoderShape;
  /** Bytes of the safetensors on the Hub (bf16), i.e. what a download costs. */
  downloadBytes: number;
  /** Needs a Hugging Face access token (the license must be accepted on huggingface.co). */
  gated?: boolean;
}

/** Instruct checkpoints of the families our engine runs (Llama / Qwen2 architectures). */
export const ONNX_CATALOGUE: readonly CatalogueEntry[] = [
  {
    id: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    family: 'SmolLM2',
    note: 'smallest; fine for trying the pipeline end to end, weak instructions',
    shape: shape(576, 30, 9, 3, 1536, 49152, true, false),
    downloadBytes: 269_060_552,
  },
  {
    id: 'HuggingFaceTB/SmolLM2-360M-Instruct',
    family: 'SmolLM2',
    note: 'small and quick; a reasonable backward model on a laptop GPU',
    shape: shape(960, 32, 15, 5, 2560, 49152, true, false),
    downloadBytes: 723_674_912,
  },
  {
    id: 'Qwen/Qwen2.5-0.5B-Instruct',
    family: 'Qwen2.5',
    note: 'multilingual; large vocabulary (152k) makes the embedding the biggest tensor',
    shape: shape(896, 24, 14, 2, 4864, 151936, true, true),
    downloadBytes: 988_097_824,
  },
  {
    id: 'TinyLlama/TinyLlama-1.1B-Chat-v1.0',
    family: 'Llama',
    note: 'Llama 2 architecture and tokenizer, separate LM head',
    shape: shape(2048, 22, 32, 4, 5632, 32000, false, false),
    downloadBytes: 2_200_119_864,
  },
  {
    id: 'meta-llama/Llama-3.2-1B-Instruct',
    family: 'Llama',
    note: 'strong for its size; gated: accept the license on huggingface.co, then use a token',
    shape: shape(2048, 16, 32, 8, 8192, 128256, true, false),
    downloadBytes: 2_471_645_608,
    gated: true,
  },
  {
    id: 'Qwen/Qwen2.5-1.5B-Instruct',
    family: 'Qwen2.5',
    note: 'the largest recommended; needs a GPU with large storage buffers',
    shape: shape(1536, 28, 12, 2, 8960, 151936, true, true),
    downloadBytes: 3_087_467_144,
  },
];

function shape(
  hidden: number,
  layers: number,
  heads: number,
  kvHeads: number,
  intermediate: number,
  vocab: number,
  tied: boolean,
  qkvBias: boolean,
): DecoderShape {
  return { hidden, layers, heads, kvHeads, intermediate, vocab, tied, qkvBias };
}

/** What the device offers, from the capability report (util/capabilities.ts). */
export interface DeviceBudget {
  kind: 'webgpu' | 'wasm';
  shaderF16: boolean;
  /** min(maxBufferSize, maxStorageBufferBindingSize) on WebGPU; the wasm limit on wasm. */
  perBufferBytes: number;
  /** navigator.deviceMemory in bytes (a lower bound; Chromium caps it at 8 GB), or null. */
  deviceMemoryBytes: number | null;
}

/** Half the 4 GB wasm32 heap (the engine's own limit, onnx/device.ts). */
export const WASM_BUDGET_BYTES = 2 ** 31;
/** Activations and runtime overhead on top of the weights (as onnx/device.ts checkFits). */
const OVERHEAD = 1.25;
/** int4 weight: 4 bits + an f32 scale and a 4-bit zero point per block of 32 (onnx/int4.ts). */
const INT4_BYTES_PER_PARAM = 0.5 + 4 / 32 + 0.5 / 32;

export type OnnxDtype = 'fp16' | 'fp32' | 'int4';

/** The precision the engine picks by default (onnx/device.ts chooseWeightDtype). */
export function defaultDtype(device: DeviceBudget): 'fp16' | 'fp32' {
  return device.kind === 'webgpu' && device.shaderF16 ? 'fp16' : 'fp32';
}

/** Parameters of each kind: the big matrices int4 quantizes, and the rest. */
export function parameterCounts(s: DecoderShape): {
  total: number;
  projections: number;
  embeddings: number;
  largestTensor: number;
} {
  const headDim = s.hidden / s.heads;
  const kvDim = s.kvHeads * headDim;
  const attention = s.hidden * s.hidden * 2 + s.hidden * kvDim * 2; // q, o; k, v
  const mlp = 3 * s.hidden * s.intermediate;
  const projections = s.layers * (attention + mlp);
  const perLayerSmall = 2 * s.hidden + (s.qkvBias ? s.hidden + 2 * kvDim : 0); // norms, biases
  const embedding = s.vocab * s.hidden;
  const embeddings = embedding * (s.tied ? 1 : 2);
  return {
    total: projections + embeddings + s.layers * perLayerSmall + s.hidden,
    projections,
    embeddings,
    largestTensor: Math.max(embedding, s.hidden * s.intermediate),
  };
}

export interface MemoryEstimate {
  dtype: OnnxDtype;
  parameters: number;
  /** Resident weights at that precision. */
  weightBytes: number;
  /** Key/value cache for one sequence of `contextTokens` (f32). */
  kvCacheBytes: number;
  /** weights + KV cache, plus the overhead the engine allows for. */
  totalBytes: number;
  /** The largest single tensor (the embedding / LM head, or an MLP matrix). */
  largestTensorBytes: number;
}

/** Memory the engine needs to run `s` at `dtype` with one sequence of `contextTokens`. */
export function estimateMemory(
  s: DecoderShape,
  dtype: OnnxDtype,
  baseDtype: 'fp16' | 'fp32',
  contextTokens = 2048,
): MemoryEstimate {
  const p = parameterCounts(s);
  const base = baseDtype === 'fp16' ? 2 : 4;
  const other = p.total - p.projections;
  const weightBytes =
    dtype === 'int4'
      ? Math.round(p.projections * INT4_BYTES_PER_PARAM + other * base)
      : p.total * (dtype === 'fp16' ? 2 : 4);
  // The embedding is never quantized: it keeps the device's precision under int4.
  const elem = dtype === 'int4' ? base : dtype === 'fp16' ? 2 : 4;
  const kvCacheBytes = 2 * s.layers * s.kvHeads * (s.hidden / s.heads) * contextTokens * 4;
  return {
    dtype,
    parameters: p.total,
    weightBytes,
    kvCacheBytes,
    totalBytes: Math.round((weightBytes + kvCacheBytes) * OVERHEAD),
    largestTensorBytes: p.largestTensor * elem,
  };
}

export type Fit = 'fits' | 'tight' | 'too-big';

export interface FitVerdict {
  fit: Fit;
  /** Why, in words (empty when it simply fits). */
  reason: string;
  estimate: MemoryEstimate;
}

const mb = (n: number) => `${Math.round(n / 2 ** 20).toLocaleString('en-US')} MB`;

/** Whether the engine will load `s` at `dtype` on this device, and why not. */
export function judgeFit(s: DecoderShape, dtype: OnnxDtype, device: DeviceBudget): FitVerdict {
  const base = defaultDtype(device);
  // fp16 on a device without shader-f16 runs as fp32 (chooseWeightDtype).
  const real: OnnxDtype =
    dtype === 'fp16' && device.kind === 'webgpu' && !device.shaderF16 ? 'fp32' : dtype;
  const estimate = estimateMemory(s, real, base);
  if (estimate.largestTensorBytes > device.perBufferBytes) {
    return {
      fit: 'too-big',
      reason:
        `its largest tensor needs ${mb(estimate.largestTensorBytes)}, this ${device.kind} ` +
        `device allows ${mb(device.perBufferBytes)} per buffer`,
      estimate,
    };
  }
  if (device.kind === 'wasm' && estimate.weightBytes * OVERHEAD > WASM_BUDGET_BYTES) {
    return {
      fit: 'too-big',
      reason: `${mb(estimate.weightBytes)} of weights exceed the wasm heap budget (${mb(WASM_BUDGET_BYTES / OVERHEAD)})`,
      estimate,
    };
  }
  if (device.deviceMemoryBytes !== null && estimate.totalBytes > device.deviceMemoryBytes / 2) {
    return {
      fit: 'tight',
      reason:
        `needs about ${mb(estimate.totalBytes)}; the browser reports at least ` +
        `${mb(device.deviceMemoryBytes)} of memory, so it may not fit next to everything else`,
      estimate,
    };
  }
  return { fit: 'fits', reason: '', estimate };
}

/**
 * The budget from the capability report (null report or no adapter: the wasm backend) and
 * `navigator.deviceMemory` in GB.
 */
export function deviceBudget(
  gpu: { shaderF16: boolean; maxBufferSize: number; maxStorageBufferBindingSize: number } | null,
  deviceMemoryGB: number | null | undefined,
): DeviceBudget {
  const deviceMemoryBytes = deviceMemoryGB ? deviceMemoryGB * 2 ** 30 : null;
  if (!gpu)
    return { kind: 'wasm', shaderF16: false, perBufferBytes: WASM_BUDGET_BYTES, deviceMemoryBytes };
  return {
    kind: 'webgpu',
    shaderF16: gpu.shaderF16,
    perBufferBytes: Math.min(gpu.maxBufferSize, gpu.maxStorageBufferBindingSize),
    deviceMemoryBytes,
  };
}
