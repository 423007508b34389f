// Thin onnxruntime-web glue around the forward graph: one session, checkpoint weights turned
// into tensors once, per-call token inputs, LoRA inputs and the KV cache. The ORT module is
// injected (the app passes `onnxruntime-web/webgpu`, Node tests the same entry on wasm), so
// this file has no side effects at import.
import type * as Ort from 'onnxruntime-web';
import { ModelLoadError } from '../../protocol/errors';
import { ropeTables, type DecoderConfig } from './config';
import {
  buildLlamaGraph,
  checkpointTensorShape,
  LORA_SCALE_INPUT,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LlamaGraph,
  type LlamaGraphOptions,
} from './llama-graph';
import { tensorOf } from './device';
import { weightTypeOf, type WeightTensor } from './half';
import type { F32Tensor } from './safetensors';

export type OrtModule = typeof Ort;

/** Per-layer key/value tensors [B, kvH, P, D]. */
export interface KvCache {
  pastLength: number;
  keys: Ort.Tensor[];
  values: Ort.Tensor[];
}

export interface ForwardInputs {
  batch: number;
  seq: number;
  /** [B, T] row-major. */
  inputIds: Int32Array;
  /** [B, P + T]: 1 = real token, 0 = padding (Float32Array for graphs built with maskType float32). */
  attentionMask: Int32Array | Float32Array;
  /** [B, T]; see positionIdsFromMask. */
  positionIds: Int32Array;
  past?: KvCache;
}

export interface ForwardOutputs {
  logits: Float32Array;
  logitsDims: number[];
  present?: KvCache;
}

export interface LoraFeeds {
  /** alpha / r */
  scale: number;
  /** Graph LoRA input name (lora.{i}.{module}.A/B) → tensor. */
  tensors: Record<string, F32Tensor>;
}

/**
 * Position ids for the last `seq` slots of each row, as HF generate() computes them:
 * cumsum(mask) - 1, with padding slots set to 1 (they are masked out anyway).
 */
export function positionIdsFromMask(mask: Int32Array, batch: number, seq: number): Int32Array {
  const total = mask.length / batch;
  const out = new Int32Array(batch * seq);
  for (let b = 0; b < batch; b++) {
    let count = 0;
    for (let s = 0; s < total; s++) {
      const m = mask[b * total + s];
      count += m ? 1 : 0;
      const t = s - (total - seq);
      if (t >= 0) out[b * seq + t] = m ? count - 1 : 1;
    }
  }
  return out;
}

/** Uses the embedding as LM head when a checkpoint has no lm_head.weight (tied in practice). */
export function resolveTiedEmbeddings(
  config: DecoderConfig,
  names: Iterable<string>,
): DecoderConfig {
  const has = new Set(names);
  if (!config.tieWordEmbeddings && !has.has('lm_head.weight')) {
    return { ...config, tieWordEmbeddings: true };
  }
  return config;
}

function maskTensor(ort: OrtModule, mask: Int32Array | Float32Array, batch: number): Ort.Tensor {
  const dims = [batch, mask.length / batch];
  // toStringTag, not instanceof: typed arrays may come from another realm (vitest, workers).
  return mask[Symbol.toStringTag] === 'Float32Array'
    ? new ort.Tensor('float32', mask as Float32Array, dims)
    : new ort.Tensor('int32', mask as Int32Array, dims);
}

export class LlamaForward {
  private constructor(
    readonly ort: OrtModule,
    readonly config: DecoderConfig,
    readonly graph: LlamaGraph,
    readonly session: Ort.InferenceSession,
    private readonly weightFeeds: Record<string, Ort.Tensor>,
    private loraFeeds: Record<string, Ort.Tensor> = {},
    private ropeFeeds: Record<string, Ort.Tensor> = {},
    private ropeLength = 0,
  ) {}

  /** Makes sure the RoPE tables cover position `maxPosition` (grown in 1024-row steps). */
  private ensureRope(maxPosition: number): void {
    if (maxPosition < this.ropeLength) return;
    const length = Math.ceil((maxPosition + 1) / 1024) * 1024;
    const tables = ropeTables(this.config, length);
    const dims = [length, this.config.headDim / 2];
    this.ropeFeeds = {
      [ROPE_COS_INPUT]: new this.ort.Tensor('float32', tables.cos, dims),
      [ROPE_SIN_INPUT]: new this.ort.Tensor('float32', tables.sin, dims),
    };
    this.ropeLength = length;
  }

  static async create(
    ort: OrtModule,
    config: DecoderConfig,
    /** f32 tensors, or f16 ones (Uint16Array) with `weightType: 'float16'`. */
    weights: Map<string, WeightTensor>,
    options: LlamaGraphOptions & {
      executionProviders?: string[];
      /** Extra session options (log level, graph optimisation, output location). */
      sessionOptions?: Ort.InferenceSession.SessionOptions;
    } = {},
  ): Promise<LlamaForward> {
    const resolved = resolveTiedEmbeddings(config, weights.keys());
    const graph = buildLlamaGraph(resolved, options);
    const feeds: Record<string, Ort.Tensor> = {};
    for (const name of graph.weightNames) {
      const t = weights.get(name);
      if (!t) {
        throw new ModelLoadError(`Checkpoint is missing tensor "${name}"`, { tensor: name });
      }
      const expected = checkpointTensorShape(resolved, name);
      if (expected.join('x') !== t.shape.join('x')) {
        throw new ModelLoadError(
          `Tensor "${name}" has shape [${t.shape}], config.json implies [${expected}]`,
          { tensor: name },
        );
      }
      if (weightTypeOf(t) !== (options.weightType ?? 'float32')) {
        throw new ModelLoadError(
          `Tensor "${name}" is ${weightTypeOf(t)}, the graph takes ${options.weightType ?? 'float32'} weights`,
          { tensor: name },
        );
      }
      feeds[name] = tensorOf(ort, t);
    }
    const session = await ort.InferenceSession.create(graph.model, {
      ...options.sessionOptions,
      executionProviders: options.executionProviders ?? ['wasm'],
    });
    return new LlamaForward(ort, resolved, graph, session, feeds);
  }

  /** Sets the LoRA inputs (the graph must have been built with loraModules). */
  setLora(lora: LoraFeeds): void {
    const feeds: Record<string, Ort.Tensor> = {
      [LORA_SCALE_INPUT]: new this.ort.Tensor('float32', Float32Array.of(lora.scale), [1]),
    };
    for (const name of this.graph.loraNames) {
      if (name === LORA_SCALE_INPUT) continue;
      const t = lora.tensors[name];
      if (!t) throw new ModelLoadError(`Adapter is missing tensor "${name}"`, { tensor: name });
      feeds[name] = new this.ort.Tensor('float32', t.data, t.shape);
    }
    this.loraFeeds = feeds;
  }

  /** An empty cache (P = 0) for the first call. */
  emptyCache(batch: number): KvCache {
    const { numLayers, numKvHeads, headDim } = this.config;
    const empty = (): Ort.Tensor =>
      new this.ort.Tensor('float32', new Float32Array(0), [batch, numKvHeads, 0, headDim]);
    return {
      pastLength: 0,
      keys: Array.from({ length: numLayers }, empty),
      values: Array.from({ length: numLayers }, empty),
    };
  }

  async run(inputs: ForwardInputs): Promise<ForwardOutputs> {
    const { batch, seq } = inputs;
    const T = this.ort.Tensor;
    let maxPosition = 0;
    for (const p of inputs.positionIds) {
      if (p < 0) throw new RangeError(`position id ${p} is negative`);
      maxPosition = Math.max(maxPosition, p);
    }
    this.ensureRope(maxPosition);
    const feeds: Record<string, Ort.Tensor> = {
      ...this.weightFeeds,
      ...this.loraFeeds,
      ...this.ropeFeeds,
      input_ids: new T('int32', inputs.inputIds, [batch, seq]),
      attention_mask: maskTensor(this.ort, inputs.attentionMask, batch),
      position_ids: new T('int32', inputs.positionIds, [batch, seq]),
    };
    const hasPast = this.graph.inputNames.includes(pastKeyName(0));
    if (hasPast) {
      const past = inputs.past ?? this.emptyCache(batch);
      for (let i = 0; i < this.config.numLayers; i++) {
        feeds[pastKeyName(i)] = past.keys[i];
        feeds[pastValueName(i)] = past.values[i];
      }
    }
    const out = await this.session.run(feeds);
    const logits = out.logits;
    const result: ForwardOutputs = {
      logits: logits.data as Float32Array,
      logitsDims: [...logits.dims],
    };
    if (this.graph.outputNames.includes(presentKeyName(0))) {
      const keys: Ort.Tensor[] = [];
      const values: Ort.Tensor[] = [];
      for (let i = 0; i < this.config.numLayers; i++) {
        keys.push(out[presentKeyName(i)]);
        values.push(out[presentValueName(i)]);
      }
      result.present = { pastLength: keys[0].dims[2], keys, values };
    }
    return result;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
