// A base model placed on a device for inference: the shared BaseModel (model-service.ts)
// converted to the device's precision (f16, f32, or int4 projections quantized at load time)
// and compiled into ORT sessions. OrtEngine runs one; diagnostics (logit comparisons against
// NumPy/PyTorch references, benchmarks of a single forward pass) load one with loadOrtModel
// and drive its runner directly. Pipeline stages never do: they use the Engine port.
import { CancelledError, ModelLoadError } from '../../protocol/errors';
import type { ChatMessage, EngineCallOptions, ModelInfo } from '../engine';
import type { ChatTemplate } from '../hf/chat-template';
import type { HfTokenizer } from '../hf/tokenizer';
import type { BaseModel } from '../model-service';
import { NO_ADAPTER, type LoraInputs } from './adapters';
import type { DecoderConfig } from './config';
import { checkFits, chooseDevice, chooseWeightDtype, loadOrt, type OrtModule } from './device';
import { toFloat16, type WeightTensor } from './half';
import { INT4_BLOCK, int4TensorNames, int4TensorShapes, quantizeInt4 } from './int4';
import { checkpointTensorShape, isProjectionWeight } from './llama-graph';
import { ModelRunner } from './runner';
import { toFloat32, type F32Tensor } from './safetensors';

/** Where and how precisely to run a model (ModelSpec's device and dtype). */
export interface Placement {
  device?: 'webgpu' | 'wasm';
  /** 'int4': projections quantized at load time (int4.ts); the rest at the device default. */
  dtype?: 'fp16' | 'fp32' | 'int4';
}

/** A loaded model: what generation, scoring and diagnostics need. */
export class OrtModel {
  /** The base model: no LoRA inputs, so runs take the adapter-free graph variant. */
  readonly noAdapter: LoraInputs = NO_ADAPTER;

  constructor(
    readonly info: ModelInfo,
    /** The config the graphs were built for (tied embeddings resolved). */
    readonly config: DecoderConfig,
    /** The compiled forward graphs: `run()` gives logits for any batch of token ids. */
    readonly runner: ModelRunner,
    readonly tokenizer: HfTokenizer,
    readonly template: ChatTemplate,
  ) {}

  /**
   * The text the model sees: chat messages through its chat template with the generation
   * prompt, and the assistant turn begun with `assistantPrefix` where one is given (chat
   * prompts only, checked by assistantPrefixFor; ChatTemplate.renderContinuation).
   */
  render(prompt: ChatMessage[] | string, assistantPrefix = ''): string {
    if (typeof prompt === 'string') return prompt;
    return this.template.renderContinuation(prompt, assistantPrefix);
  }

  /** Token ids of a prompt: strings get the tokenizer's special tokens (BOS), rendered chats already hold them. */
  tokenize(prompt: ChatMessage[] | string, assistantPrefix = ''): Int32Array {
    return this.tokenizer.encode(this.render(prompt, assistantPrefix), {
      addSpecialTokens: typeof prompt === 'string',
    });
  }

  release(): Promise<void> {
    return this.runner.release();
  }
}

export interface OrtModelOptions extends Placement {
  /** ORT module loader (default: `onnxruntime-web/webgpu`). */
  ort?: () => Promise<OrtModule>;
}

/** Converts a base model's weights for the chosen device and compiles its graphs. */
export async function loadOrtModel(
  base: BaseModel,
  options: OrtModelOptions = {},
  opts: EngineCallOptions = {},
): Promise<OrtModel> {
  const { modelId, config } = base;
  const device = await chooseDevice(options.device);
  const quantize = options.dtype === 'int4' ? 'int4' : undefined;
  const dtype = chooseWeightDtype(device, options.dtype === 'int4' ? undefined : options.dtype);
  const bytesPerWeight = dtype === 'fp16' ? 2 : 4;
  const names = [...base.tensors.keys()];
  const int4 = (name: string) => quantize === 'int4' && isProjectionWeight(name);
  let parameters = 0;
  const bytes = names.map((n): [string, number] => {
    const shape = checkpointTensorShape(config, n);
    parameters += count(shape);
    return [n, int4(n) ? int4WeightBytes(modelId, n, shape) : bytesPerWeight * count(shape)];
  });
  const totalBytes = checkFits(modelId, bytes, device, dtype === 'fp16' ? 'f16' : 'f32');
  const weights = new Map<string, WeightTensor>();
  const projectionCount = names.filter(int4).length;
  let quantized = 0;
  for (const [name, raw] of base.tensors) {
    if (int4(name)) {
      // Quantizing is the slow part of an int4 load (every projection weight is read once).
      if (opts.signal?.aborted) throw new CancelledError('Model load cancelled');
      for (const [part, t] of quantizedProjection(name, toFloat32(raw, name))) weights.set(part, t);
      opts.onProgress?.({
        job: `load:${modelId}`,
        kind: 'load',
        phase: 'quantize',
        done: ++quantized,
        total: projectionCount,
        unit: 'tensors',
      });
      continue;
    }
    // bf16/f32/f16 files alike: rounded to f16 (nearest even) or widened to f32.
    weights.set(name, dtype === 'fp16' ? toFloat16(raw, name) : toFloat32(raw, name));
  }
  const ort = await (options.ort ?? loadOrt)();
  const runner = await ModelRunner.create(ort, config, weights, device, quantize, base.tensors);
  opts.onProgress?.({
    job: `load:${modelId}`,
    kind: 'load',
    phase: 'compile',
    done: 1,
    total: 1,
    unit: 'steps',
  });
  const info: ModelInfo = {
    id: modelId,
    engine: 'onnx',
    device: device.kind,
    dtype: quantize ?? dtype,
    contextLength: config.maxPositionEmbeddings,
    parameters,
    weightBytes: totalBytes,
  };
  return new OrtModel(info, config, runner, base.tokenizer, base.template);
}

const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Resident bytes of a projection [n, k] as int4 blocks; K must fill whole blocks. */
function int4WeightBytes(modelId: string, name: string, [n, k]: number[]): number {
  if (k % INT4_BLOCK !== 0) {
    throw new ModelLoadError(
      `${modelId}: "${name}" has ${k} input features, not a multiple of the int4 block size ${INT4_BLOCK}; load it as fp32 or fp16`,
      { modelId, tensor: name },
    );
  }
  const shapes = int4TensorShapes(n, k, INT4_BLOCK);
  return count(shapes.packed) + 4 * count(shapes.scales) + count(shapes.zeroPoints);
}

/**
 * A projection weight quantized at load time to the int4 tensors MatMulNBits reads
 * (weight-only, block 32 along K: issue 4 item 7). The f32 source is dropped afterwards.
 */
export function quantizedProjection(name: string, w: F32Tensor): [string, WeightTensor][] {
  const [n, k] = w.shape;
  const q = quantizeInt4(w.data, n, k, INT4_BLOCK);
  const names = int4TensorNames(name);
  const shapes = int4TensorShapes(n, k, INT4_BLOCK);
  return [
    [names.packed, { shape: shapes.packed, data: q.packed }],
    [names.scales, { shape: shapes.scales, data: q.scales }],
    [names.zeroPoints, { shape: shapes.zeroPoints, data: q.zeroPoints }],
  ];
}
