// The decoder forward graph for Llama/Qwen2 checkpoints with KV cache and unmerged LoRA.
// Weights are graph INPUTS named exactly like the Hugging Face tensors, so one graph serves
// any checkpoint of a shape and weights stay on the GPU between runs (onnxruntime-web.md §3.3).
import type { DecoderConfig } from './config';
import { GraphBuilder, type DType, type Value } from './graph';
import { INT4_BLOCK, int4TensorNames, int4TensorShapes } from './int4';
import {
  attentionBias,
  decoderLayer,
  rmsNorm,
  rotaryTables,
  type DecoderLayerWeights,
  type Int4LinearWeights,
  type LinearWeights,
  type LoraWeights,
} from './llama-blocks';

export const LORA_MODULES = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
] as const;
export type LoraModule = (typeof LORA_MODULES)[number];
export type LoraLayout = 'separate' | 'fused';

/**
 * Projections that read the same input: q,k,v the normed hidden state, gate,up the normed
 * state after attention. The fused LoRA layout (LlamaGraphOptions.loraLayout) runs ONE
 * MatMul x·[A_q|A_k|A_v] for the targeted modules of a group instead of one per projection.
 */
export const LORA_GROUPS: readonly (readonly LoraModule[])[] = [
  ['q_proj', 'k_proj', 'v_proj'],
  ['o_proj'],
  ['gate_proj', 'up_proj'],
  ['down_proj'],
];

export interface LlamaGraphOptions {
  /** Emit past_key_values inputs (P may be 0). False gives a cache-free graph. Default true. */
  withPast?: boolean;
  /** Emit present.* outputs. Default true. */
  withPresent?: boolean;
  /** Logits for the last position only ([B, 1, V]): decode needs nothing else. Default false. */
  lastLogitsOnly?: boolean;
  /** attention_mask element type. Default int32. */
  maskType?: 'int32' | 'float32';
  /** LoRA target modules; each gets inputs lora.{i}.{module}.A [in, r] and .B [r, out]. */
  loraModules?: readonly LoraModule[];
  /**
   * 'separate' (default): y = x·Wᵀ + s·(x·A)·B per projection, inputs A, B and lora.scale (4
   * nodes per projection; the runner on wasm, LlamaSession). 'fused' (the runner on WebGPU): the
   * targeted modules of a LORA_GROUPS group share one A input [in, G·r] (their A side by
   * side), one MatMul and one Split, and each projection is ONE Gemm(x·A_j, s·B, C = x·Wᵀ)
   * with the scale folded into B when the adapter is loaded (fusedLoraTensors, adapters.ts):
   * 13 LoRA nodes and 11 inputs per layer for all seven instead of 28 and 14 (issue 14).
   */
  loraLayout?: LoraLayout;
  /**
   * Element type of the checkpoint weight inputs. 'float16' (adapters with shader-f16:
   * onnxruntime-web.md §3.2) halves weight memory and upload; each weight is Cast to f32 where
   * it is used, so activations, norms, softmax, the KV cache and logits stay f32. LoRA A/B
   * stay f32 either way. Default 'float32' (no Cast nodes at all).
   */
  weightType?: 'float32' | 'float16';
  /**
   * Weights are NOT graph inputs: the caller appends them as initializers to the encoded model
   * (embed-weights.ts), so ORT can treat them as constants. Default false (weights are inputs).
   */
  weightsEmbedded?: boolean;
  /**
   * 'int4': the seven projection weights of every layer are NOT checkpoint inputs; each is
   * three int4 tensors (int4.ts: packed uint8, f32 scales, uint8 zero points, block 32 along
   * K) read by com.microsoft MatMulNBits. Embeddings, norms, biases and the LM head keep
   * `weightType`; LoRA stays unmerged f32. Default: no quantization (graph unchanged).
   */
  quantize?: 'int4';
}

/** A weight the graph reads (input or embedded initializer): name, element type, shape. */
export interface GraphWeightSpec {
  name: string;
  type: DType;
  dims: number[];
}

export interface LlamaGraph {
  model: Uint8Array;
  /** Checkpoint tensors (HF names) the graph takes as inputs. */
  weightNames: string[];
  /** LoRA input names (A and B of every targeted module), plus LORA_SCALE_INPUT if any. */
  loraNames: string[];
  inputNames: string[];
  outputNames: string[];
  opTypes: Set<string>;
  nodeCount: number;
}

export const ROPE_COS_INPUT = 'rope.cos';
export const ROPE_SIN_INPUT = 'rope.sin';
export const LORA_SCALE_INPUT = 'lora.scale';
export const pastKeyName = (layer: number): string => `past_key_values.${layer}.key`;
export const pastValueName = (layer: number): string => `past_key_values.${layer}.value`;
export const presentKeyName = (layer: number): string => `present.${layer}.key`;
export const presentValueName = (layer: number): string => `present.${layer}.value`;
export const loraAName = (layer: number, module: LoraModule): string => `lora.${layer}.${module}.A`;
export const loraBName = (layer: number, module: LoraModule): string => `lora.${layer}.${module}.B`;
/** Fused layout: the A of a group's targeted modules side by side, [in, G·r]. */
export const loraGroupAName = (layer: number, modules: readonly LoraModule[]): string =>
  `lora.${layer}.${modules.join('+')}.A`;
/** Fused layout: s·B in the module's rows of a [G·r, out] matrix, zeros elsewhere. */
export const loraFusedBName = (layer: number, module: LoraModule): string =>
  `lora.${layer}.${module}.sB`;

/** The targeted modules of `module`'s LORA_GROUPS group, in LORA_MODULES order. */
export function loraGroupOf(
  module: LoraModule,
  targeted: readonly LoraModule[],
): readonly LoraModule[] {
  const group = LORA_GROUPS.find((g) => g.includes(module)) ?? [module];
  return group.filter((m) => targeted.includes(m));
}

/** [in, out] sizes of every projection, for LoRA shapes. */
export function projectionDims(c: DecoderConfig): Record<LoraModule, [number, number]> {
  const qOut = c.numHeads * c.headDim;
  const kvOut = c.numKvHeads * c.headDim;
  return {
    q_proj: [c.hiddenSize, qOut],
    k_proj: [c.hiddenSize, kvOut],
    v_proj: [c.hiddenSize, kvOut],
    o_proj: [qOut, c.hiddenSize],
    gate_proj: [c.hiddenSize, c.intermediateSize],
    up_proj: [c.hiddenSize, c.intermediateSize],
    down_proj: [c.intermediateSize, c.hiddenSize],
  };
}

/** HF tensor names the graph reads, in input order. */
export function checkpointTensorNames(c: DecoderConfig): string[] {
  const names = ['model.embed_tokens.weight'];
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    names.push(`${p}.input_layernorm.weight`, `${p}.post_attention_layernorm.weight`);
    for (const m of ['q_proj', 'k_proj', 'v_proj', 'o_proj']) {
      names.push(`${p}.self_attn.${m}.weight`);
      const biased = m === 'o_proj' ? c.oBias : c.qkvBias;
      if (biased) names.push(`${p}.self_attn.${m}.bias`);
    }
    for (const m of ['gate_proj', 'up_proj', 'down_proj']) {
      names.push(`${p}.mlp.${m}.weight`);
      if (c.mlpBias) names.push(`${p}.mlp.${m}.bias`);
    }
  }
  names.push('model.norm.weight');
  if (!c.tieWordEmbeddings) names.push('lm_head.weight');
  return names;
}

/** Shapes of the checkpoint tensors, for declaring graph inputs and validating checkpoints. */
export function checkpointTensorShape(c: DecoderConfig, name: string): number[] {
  const dims = projectionDims(c);
  if (name === 'model.embed_tokens.weight' || name === 'lm_head.weight') {
    return [c.vocabSize, c.hiddenSize];
  }
  if (name.endsWith('layernorm.weight') || name === 'model.norm.weight') return [c.hiddenSize];
  const module = LORA_MODULES.find((m) => name.includes(`.${m}.`));
  if (!module) throw new Error(`Unknown checkpoint tensor ${name}`);
  const [inSize, outSize] = dims[module];
  return name.endsWith('.bias') ? [outSize] : [outSize, inSize];
}

/** Projection weights (q/k/v/o, gate/up/down) — the ones `quantize: 'int4'` replaces. */
export function isProjectionWeight(name: string): boolean {
  return /\.(self_attn|mlp)\.\w+_proj\.weight$/.test(name);
}

/** Every weight the graph reads, in input order (int4 tensors in place of projections). */
export function graphWeightSpecs(
  c: DecoderConfig,
  options: Pick<LlamaGraphOptions, 'weightType' | 'quantize'> = {},
): GraphWeightSpec[] {
  const type = options.weightType ?? 'float32';
  return checkpointTensorNames(c).flatMap((name): GraphWeightSpec[] => {
    const dims = checkpointTensorShape(c, name);
    if (options.quantize !== 'int4' || !isProjectionWeight(name)) return [{ name, type, dims }];
    const names = int4TensorNames(name);
    const shapes = int4TensorShapes(dims[0], dims[1], INT4_BLOCK);
    return [
      { name: names.packed, type: 'uint8', dims: shapes.packed },
      { name: names.scales, type: 'float32', dims: shapes.scales },
      { name: names.zeroPoints, type: 'uint8', dims: shapes.zeroPoints },
    ];
  });
}

export function buildLlamaGraph(
  config: DecoderConfig,
  options: LlamaGraphOptions = {},
): LlamaGraph {
  const withPast = options.withPast ?? true;
  const withPresent = options.withPresent ?? true;
  const loraModules = options.loraModules ?? [];
  const c = config;
  const g = new GraphBuilder(`${c.architecture}-forward`);

  const inputIds = g.input('input_ids', 'int32', ['batch', 'seq']);
  const mask = g.input('attention_mask', options.maskType ?? 'int32', ['batch', 'total_seq']);
  const positionIds = g.input('position_ids', 'int32', ['batch', 'seq']);
  const pastNames: { k: Value; v: Value }[] = [];
  if (withPast) {
    for (let i = 0; i < c.numLayers; i++) {
      const dims = ['batch', c.numKvHeads, 'past_seq', c.headDim];
      pastNames.push({
        k: g.input(pastKeyName(i), 'float32', dims),
        v: g.input(pastValueName(i), 'float32', dims),
      });
    }
  }
  const cosTable = g.input(ROPE_COS_INPUT, 'float32', ['rope_positions', c.headDim / 2]);
  const sinTable = g.input(ROPE_SIN_INPUT, 'float32', ['rope_positions', c.headDim / 2]);
  const weightType = options.weightType ?? 'float32';
  const weightSpecs = graphWeightSpecs(c, options);
  const weightNames = weightSpecs.map((s) => s.name);
  for (const s of weightSpecs) {
    if (options.weightsEmbedded) g.external(s.name);
    else g.input(s.name, s.type, s.dims);
  }
  const int4 = (name: string): Int4LinearWeights | undefined => {
    if (options.quantize !== 'int4') return undefined;
    const [n, k] = checkpointTensorShape(c, name);
    return { ...int4TensorNames(name), n, k, blockSize: INT4_BLOCK };
  };
  // Every weight is used once (the tied embedding twice: Gather below, LM head), so a Cast per
  // use is a Cast per weight; ORT's allocator reuses the transient f32 copies across layers.
  const w = (name: string): Value => (weightType === 'float32' ? name : g.cast(name, 'float32'));

  const loraNames: string[] = [];
  const fused = options.loraLayout === 'fused';
  const loraScale =
    loraModules.length && !fused ? g.input(LORA_SCALE_INPUT, 'float32', [1]) : undefined;
  const dims = projectionDims(c);
  const lora = (layer: number, module: LoraModule): LoraWeights | undefined => {
    if (!loraModules.includes(module)) return undefined;
    if (fused) return fusedLora(layer, module);
    if (!loraScale) return undefined;
    const [inSize, outSize] = dims[module];
    const a = g.input(loraAName(layer, module), 'float32', [inSize, 'lora_rank']);
    const b = g.input(loraBName(layer, module), 'float32', ['lora_rank', outSize]);
    loraNames.push(a, b);
    return { a, b, scale: loraScale };
  };
  const fusedLora = (layer: number, module: LoraModule): LoraWeights => {
    const group = loraGroupOf(module, loraModules);
    const aName = loraGroupAName(layer, group);
    // The group's first module declares the shared A; the others reuse it (llama-blocks.ts
    // computes x·A and its Split once per graph).
    const first = group[0] === module;
    const a = first
      ? g.input(aName, 'float32', [dims[module][0], `lora_rank_x${group.length}`])
      : aName;
    if (first) loraNames.push(a);
    const b = g.input(loraFusedBName(layer, module), 'float32', ['lora_rank', dims[module][1]]);
    loraNames.push(b);
    const index = group.indexOf(module);
    return { a, b, slot: group.length > 1 ? { index, of: group.length } : undefined };
  };
  if (loraScale) loraNames.push(loraScale);

  // Shape vectors [B, T, heads, D] for splitting token rows into heads (int64 shape math;
  // ORT keeps these tiny nodes on the CPU side).
  const batchSeq = g.shape(inputIds);
  const qShape = g.concat([batchSeq, g.ints([c.numHeads, c.headDim])], 0);
  const kvShape = g.concat([batchSeq, g.ints([c.numKvHeads, c.headDim])], 0);
  const maskF32 = options.maskType === 'float32' ? mask : g.cast(mask, 'float32');
  const rotary = g.scope('rope', () => rotaryTables(g, positionIds, cosTable, sinTable));
  const bias = g.scope('mask', () => attentionBias(g, maskF32, inputIds));
  const ctx = {
    numHeads: c.numHeads,
    numKvHeads: c.numKvHeads,
    headDim: c.headDim,
    rmsNormEps: c.rmsNormEps,
    rotary,
    bias,
    qShape,
    kvShape,
  };

  // The embedding rows are gathered first and only those rows widened (never the whole table).
  const embedded = g.gather('model.embed_tokens.weight', inputIds, 0);
  const embeddedF32 = weightType === 'float32' ? embedded : g.cast(embedded, 'float32');
  let hidden = g.reshape(embeddedF32, [-1, c.hiddenSize]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    const proj = (kind: 'self_attn' | 'mlp', m: LoraModule, biased: boolean): LinearWeights => {
      const name = `${p}.${kind}.${m}.weight`;
      const quantized = int4(name);
      return {
        weight: quantized ? name : w(name),
        int4: quantized,
        bias: biased ? w(`${p}.${kind}.${m}.bias`) : undefined,
        lora: lora(i, m),
      };
    };
    const layerWeights: DecoderLayerWeights = {
      inputNorm: w(`${p}.input_layernorm.weight`),
      postAttentionNorm: w(`${p}.post_attention_layernorm.weight`),
      q: proj('self_attn', 'q_proj', c.qkvBias),
      k: proj('self_attn', 'k_proj', c.qkvBias),
      v: proj('self_attn', 'v_proj', c.qkvBias),
      o: proj('self_attn', 'o_proj', c.oBias),
      mlp: {
        gate: proj('mlp', 'gate_proj', c.mlpBias),
        up: proj('mlp', 'up_proj', c.mlpBias),
        down: proj('mlp', 'down_proj', c.mlpBias),
      },
    };
    const out = g.scope(`layer${i}`, () =>
      decoderLayer(g, ctx, hidden, layerWeights, pastNames[i]),
    );
    hidden = out.hidden2d;
    if (withPresent) {
      const dimsOut = ['batch', c.numKvHeads, 'total_seq', c.headDim];
      g.output(out.presentK, presentKeyName(i), 'float32', dimsOut);
      g.output(out.presentV, presentValueName(i), 'float32', dimsOut);
    }
  }

  const lmHead = c.tieWordEmbeddings ? w('model.embed_tokens.weight') : w('lm_head.weight');
  if (options.lastLogitsOnly) {
    const hidden3d = g.reshape(hidden, g.concat([batchSeq, g.ints([c.hiddenSize])], 0));
    hidden = g.reshape(g.slice(hidden3d, [-1], [2 ** 31 - 1], [1]), [-1, c.hiddenSize]);
  }
  const normed = rmsNorm(g, hidden, w('model.norm.weight'), c.rmsNormEps);
  const logits2d = g.gemm(normed, lmHead, undefined, { transB: true });
  if (options.lastLogitsOnly) {
    g.output(g.reshape(logits2d, [-1, 1, c.vocabSize]), 'logits', 'float32', [
      'batch',
      1,
      c.vocabSize,
    ]);
  } else {
    const logits = g.reshape(logits2d, g.concat([batchSeq, g.ints([c.vocabSize])], 0));
    g.output(logits, 'logits', 'float32', ['batch', 'seq', c.vocabSize]);
  }

  return {
    model: g.toModel(),
    weightNames,
    loraNames,
    inputNames: g.inputNames,
    outputNames: g.outputNames,
    opTypes: g.opTypes(),
    nodeCount: g.nodeCount,
  };
}
