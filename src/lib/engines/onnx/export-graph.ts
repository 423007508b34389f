// The decoder graph in the I/O layout transformers.js (@huggingface/transformers v4) loads
// for a decoder-only text-generation model (models/modeling_utils.js decoder_forward,
// addPastKeyValues, getPastKeyValues):
//   inputs   input_ids, attention_mask, position_ids  int64 [batch_size, sequence_length | total_sequence_length]
//            past_key_values.{i}.key|value             f32 [batch_size, kvH, past_sequence_length, D]
//            num_logits_to_keep                        int64 [] (0 = all positions)
//   outputs  logits [batch_size, K or sequence_length, V], present.{i}.key|value
// The dim names matter: transformers.js builds the empty first cache by resolving the
// declared input shape, mapping "batch_size" to the batch and every other symbol to 0.
// Weights are NOT graph inputs here: their names are only referenced by nodes, and
// export.ts adds them as initializers (embedded or external data). The math is the same
// blocks as our engine's graph (llama-blocks.ts); only `linear` is pluggable so projections
// can run as int4 MatMulNBits (int4.ts).
import type { DecoderConfig } from './config';
import { GraphBuilder, type Value } from './graph';
import { INT4_BLOCK, int4TensorNames } from './int4';
import {
  applyRotary,
  attention,
  attentionBias,
  linear,
  rmsNorm,
  rotaryTables,
  splitHeads,
  type LayerContext,
  type LinearWeights,
  type LoraWeights,
} from './llama-blocks';
import {
  checkpointTensorNames,
  checkpointTensorShape,
  loraAName,
  loraBName,
  LORA_SCALE_INPUT,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
  projectionDims,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LoraModule,
} from './llama-graph';

export type InitializerType = 'float32' | 'uint8';

/** A tensor the graph reads by name and export.ts must supply as an initializer. */
export interface WeightRef {
  name: string;
  dtype: InitializerType;
  dims: number[];
}

export interface ExportGraphOptions {
  /** int4 MatMulNBits for every projection (and an untied LM head). */
  quantize?: 'int4';
  /** LoRA kept unmerged: these modules get lora.{i}.{m}.A/B initializers (rank `loraRank`). */
  loraModules?: readonly LoraModule[];
  loraRank?: number;
  /** MatMulNBits accuracy_level (0 = f32 compute, 4 = int8 compute on CPU). */
  accuracyLevel?: number;
}

export interface ExportGraph {
  /** Encoded ModelProto without the weights (export.ts adds them). */
  model: Uint8Array;
  weights: WeightRef[];
  inputNames: string[];
  outputNames: string[];
}

/** Names of the three int4 tensors that replace weight `name`. */
export const int4Names = int4TensorNames;

/** Projection weights (and an untied LM head) that int4 replaces. */
export function isQuantizable(name: string): boolean {
  return name === 'lm_head.weight' || /\.(self_attn|mlp)\.\w+_proj\.weight$/.test(name);
}

export function buildExportGraph(c: DecoderConfig, options: ExportGraphOptions = {}): ExportGraph {
  const g = new GraphBuilder(`${c.architecture}-transformersjs`);
  const weights: WeightRef[] = [];
  const int4 = options.quantize === 'int4';
  const weight = (name: string): Value => {
    weights.push({ name, dtype: 'float32', dims: checkpointTensorShape(c, name) });
    return name;
  };

  const inputIds = g.input('input_ids', 'int64', ['batch_size', 'sequence_length']);
  const mask = g.input('attention_mask', 'int64', ['batch_size', 'total_sequence_length']);
  const positionIds = g.input('position_ids', 'int64', ['batch_size', 'sequence_length']);
  const past = Array.from({ length: c.numLayers }, (_, i) => {
    const dims = ['batch_size', c.numKvHeads, 'past_sequence_length', c.headDim];
    return {
      k: g.input(pastKeyName(i), 'float32', dims),
      v: g.input(pastValueName(i), 'float32', dims),
    };
  });

  const ropeDims = [c.maxPositionEmbeddings, c.headDim / 2];
  weights.push({ name: ROPE_COS_INPUT, dtype: 'float32', dims: ropeDims });
  weights.push({ name: ROPE_SIN_INPUT, dtype: 'float32', dims: ropeDims });

  const loraModules = options.loraModules ?? [];
  const rank = options.loraRank ?? 1;
  const projDims = projectionDims(c);
  let loraScale: Value | undefined;
  if (loraModules.length) {
    loraScale = LORA_SCALE_INPUT;
    weights.push({ name: LORA_SCALE_INPUT, dtype: 'float32', dims: [1] });
  }
  const lora = (layer: number, module: LoraModule): LoraWeights | undefined => {
    if (!loraScale || !loraModules.includes(module)) return undefined;
    const [inSize, outSize] = projDims[module];
    const a = loraAName(layer, module);
    const b = loraBName(layer, module);
    weights.push({ name: a, dtype: 'float32', dims: [inSize, rank] });
    weights.push({ name: b, dtype: 'float32', dims: [rank, outSize] });
    return { a, b, scale: loraScale };
  };

  /** y = x·Wᵀ (+b) (+LoRA): Gemm on f32 weights, or MatMulNBits on int4 blocks. */
  const project = (x2d: Value, w: LinearWeights): Value => {
    if (!int4) return linear(g, x2d, w);
    const [n, k] = checkpointTensorShape(c, w.weight);
    const names = int4Names(w.weight);
    const blocks = Math.ceil(k / INT4_BLOCK);
    weights.push({ name: names.packed, dtype: 'uint8', dims: [n, blocks, INT4_BLOCK / 2] });
    weights.push({ name: names.scales, dtype: 'float32', dims: [n, blocks] });
    weights.push({ name: names.zeroPoints, dtype: 'uint8', dims: [n, Math.ceil(blocks / 2)] });
    const y = g.contribOp('MatMulNBits', [x2d, names.packed, names.scales, names.zeroPoints], {
      K: k,
      N: n,
      bits: 4,
      block_size: INT4_BLOCK,
      accuracy_level: options.accuracyLevel ?? 0,
    });
    let out = w.bias ? g.add(y, w.bias) : y;
    if (w.lora) {
      const delta = g.matmul(g.matmul(x2d, w.lora.a), w.lora.b);
      out = g.add(out, w.lora.scale ? g.mul(delta, w.lora.scale) : delta);
    }
    return out;
  };

  const batchSeq = g.shape(inputIds);
  const ctx: LayerContext = {
    numHeads: c.numHeads,
    numKvHeads: c.numKvHeads,
    headDim: c.headDim,
    rmsNormEps: c.rmsNormEps,
    rotary: g.scope('rope', () => rotaryTables(g, positionIds, ROPE_COS_INPUT, ROPE_SIN_INPUT)),
    bias: g.scope('mask', () => attentionBias(g, g.cast(mask, 'float32'), inputIds)),
    qShape: g.concat([batchSeq, g.ints([c.numHeads, c.headDim])], 0),
    kvShape: g.concat([batchSeq, g.ints([c.numKvHeads, c.headDim])], 0),
  };

  const names = new Set(checkpointTensorNames(c));
  const embed = weight('model.embed_tokens.weight');
  let hidden = g.reshape(g.gather(embed, inputIds, 0), [-1, c.hiddenSize]);
  for (let i = 0; i < c.numLayers; i++) {
    const p = `model.layers.${i}`;
    const proj = (kind: 'self_attn' | 'mlp', m: LoraModule): LinearWeights => {
      const w = `${p}.${kind}.${m}.weight`;
      const b = `${p}.${kind}.${m}.bias`;
      return {
        weight: int4 ? w : weight(w),
        bias: names.has(b) ? weight(b) : undefined,
        lora: lora(i, m),
      };
    };
    const inputNorm = weight(`${p}.input_layernorm.weight`);
    const postNorm = weight(`${p}.post_attention_layernorm.weight`);
    const [wq, wk, wv, wo] = (['q_proj', 'k_proj', 'v_proj', 'o_proj'] as const).map((m) =>
      proj('self_attn', m),
    );
    const [wGate, wUp, wDown] = (['gate_proj', 'up_proj', 'down_proj'] as const).map((m) =>
      proj('mlp', m),
    );
    // One pre-norm decoder layer, as llama-blocks.ts decoderLayer, with `project` for linears.
    const out = g.scope(`layer${i}`, () => {
      const normed = rmsNorm(g, hidden, inputNorm, c.rmsNormEps);
      const heads = (w: LinearWeights, shape: Value) => splitHeads(g, project(normed, w), shape);
      const q = applyRotary(g, heads(wq, ctx.qShape), ctx.rotary, c.headDim);
      const k = applyRotary(g, heads(wk, ctx.kvShape), ctx.rotary, c.headDim);
      const v = heads(wv, ctx.kvShape);
      const att = attention(g, ctx, {
        q,
        k,
        v,
        pastK: past[i].k,
        pastV: past[i].v,
        bias: ctx.bias,
      });
      const h = g.add(hidden, project(att.context2d, wo));
      const n2 = rmsNorm(g, h, postNorm, c.rmsNormEps);
      const gate = project(n2, wGate);
      const mlp = project(g.mul(g.mul(gate, g.sigmoid(gate)), project(n2, wUp)), wDown);
      return { hidden2d: g.add(h, mlp), presentK: att.presentK, presentV: att.presentV };
    });
    hidden = out.hidden2d;
    const dimsOut = ['batch_size', c.numKvHeads, 'total_sequence_length', c.headDim];
    g.output(out.presentK, presentKeyName(i), 'float32', dimsOut);
    g.output(out.presentV, presentValueName(i), 'float32', dimsOut);
  }

  // num_logits_to_keep (int64 scalar): logits for the last K positions only, K = 0 meaning all.
  // transformers.js feeds 1 while generating, so prefill skips the LM head for the prompt.
  const keep = g.input('num_logits_to_keep', 'int64', []);
  const seqLen = g.gather(batchSeq, g.constant('int64', [1], []), 0);
  const start = g.where(g.equal(keep, g.constant('int64', [0], [])), keep, g.sub(seqLen, keep));
  const hidden3d = g.reshape(hidden, g.concat([batchSeq, g.ints([c.hiddenSize])], 0));
  const kept = g.op('Slice', [
    hidden3d,
    g.unsqueeze(start, [0]),
    g.ints([2 ** 31 - 1]),
    g.ints([1]),
  ]);
  const keptShape = g.shape(kept); // [B, K', H]
  hidden = g.reshape(kept, [-1, c.hiddenSize]);
  const normed = rmsNorm(g, hidden, weight('model.norm.weight'), c.rmsNormEps);
  let logits2d: Value;
  if (c.tieWordEmbeddings) logits2d = g.gemm(normed, embed, undefined, { transB: true });
  else if (int4) logits2d = project(normed, { weight: 'lm_head.weight' });
  else logits2d = g.gemm(normed, weight('lm_head.weight'), undefined, { transB: true });
  const logitsShape = g.concat([g.slice(keptShape, [0], [2], [0]), g.ints([c.vocabSize])], 0);
  g.output(g.reshape(logits2d, logitsShape), 'logits', 'float32', [
    'batch_size',
    'logits_length',
    c.vocabSize,
  ]);

  return {
    model: g.toModel(),
    weights,
    inputNames: g.inputNames,
    outputNames: g.outputNames,
  };
}
