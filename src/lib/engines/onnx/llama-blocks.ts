// Forward building blocks of a Llama-family decoder (Llama 2/3, Qwen2, SmolLM), written as
// plain ONNX ops on a GraphBuilder so the inference graph (llama-graph.ts) and the LoRA
// trainer's graphs share them. Layout conventions:
//   token rows   x2d  [N, H]            N = B·T, hidden states between blocks
//   heads        [B, heads, T, D]       after the q/k/v projections
//   GQA          q as [B, kvH, g, T, D] against k/v [B, kvH, 1, S, D]: MatMul broadcasts over
//                the group axis, so k/v are never copied g times (same math as HF repeat_kv).
// All math is f32; masks are additive biases (no Trilu, no bool And: onnxruntime-web.md §3.2).
import type { GraphBuilder, Value } from './graph';

/** Additive mask value: exp(-1e9 - max) underflows to exactly 0, without -inf NaNs. */
export const MASK_NEG = -1e9;

export interface LoraWeights {
  /** [in, r]; in the fused layout the A of a group of projections, [in, G·r], shared. */
  a: Value;
  /** [r, out]; in the fused layout s·B padded with zero rows, [G·r, out]. */
  b: Value;
  /** f32 scale s = alpha / r, shape [1]; absent where it is folded into `b` (fused layout). */
  scale?: Value;
  /** Fused layout: `a` holds `of` projections' A side by side; this one's is block `index`. */
  slot?: { index: number; of: number };
}

/** A projection held as int4 blocks (int4.ts layout) for com.microsoft MatMulNBits. */
export interface Int4LinearWeights {
  /** uint8 [N, K/block, block/2] */
  packed: Value;
  /** f32 [N, K/block] */
  scales: Value;
  /** uint8 [N, ceil(K/block / 2)] */
  zeroPoints: Value;
  /** Output features N and input features K. */
  n: number;
  k: number;
  blockSize: number;
}

export interface LinearWeights {
  /** HF layout [out, in]. Unused (only a name) when `int4` holds the weight instead. */
  weight: Value;
  /** [out] */
  bias?: Value;
  lora?: LoraWeights;
  /** Weight-only int4 base: MatMulNBits replaces the Gemm (issue 4 item 7). */
  int4?: Int4LinearWeights;
}

/**
 * y = x·Wᵀ (+ b) + s·(x·A)·B — LoRA kept unmerged (Hu et al. 2021) so adapters can be
 * swapped and trained without touching the frozen base weight. Gemm(transB) reads W in its
 * HF [out, in] layout directly, no per-run transpose.
 */
export function linear(g: GraphBuilder, x2d: Value, w: LinearWeights): Value {
  const base = w.int4
    ? int4MatMul(g, x2d, w.int4, w.bias)
    : g.gemm(x2d, w.weight, w.bias, { transB: true });
  if (!w.lora) return base;
  const shared = sharedMatMul(g, x2d, w.lora.a);
  const xa = w.lora.slot ? sharedSplit(g, shared, w.lora.slot.of)[w.lora.slot.index] : shared;
  // Fused layout: one Gemm adds (x·A)·(s·B) to the base output given as C (no Mul, no Add).
  if (!w.lora.scale) return g.gemm(xa, w.lora.b, base);
  const delta = g.matmul(xa, w.lora.b);
  return g.add(base, g.mul(delta, w.lora.scale));
}

/** MatMul nodes per graph by (x, A): projections that share x and A share one x·A. */
const matMulsOf = new WeakMap<GraphBuilder, Map<string, Value>>();

const splitsOf = new WeakMap<GraphBuilder, Map<string, Value[]>>();

/** x·A of a group split into its projections' blocks, once per graph (opset 18 Split). */
function sharedSplit(g: GraphBuilder, xa: Value, parts: number): Value[] {
  let cache = splitsOf.get(g);
  if (!cache) splitsOf.set(g, (cache = new Map()));
  let out = cache.get(xa);
  if (!out) cache.set(xa, (out = g.node('Split', [xa], { axis: -1, num_outputs: parts }, parts)));
  return out;
}

function sharedMatMul(g: GraphBuilder, x: Value, a: Value): Value {
  let cache = matMulsOf.get(g);
  if (!cache) matMulsOf.set(g, (cache = new Map()));
  const key = `${x}\u0000${a}`;
  let out = cache.get(key);
  if (!out) cache.set(key, (out = g.matmul(x, a)));
  return out;
}

/**
 * y = x·Wᵀ (+ b) with W dequantized block by block inside MatMulNBits (f32 compute:
 * accuracy_level 0), so only the int4 blocks stay resident; activations remain f32.
 */
export function int4MatMul(g: GraphBuilder, x2d: Value, w: Int4LinearWeights, bias?: Value): Value {
  const y = g.contribOp('MatMulNBits', [x2d, w.packed, w.scales, w.zeroPoints], {
    K: w.k,
    N: w.n,
    bits: 4,
    block_size: w.blockSize,
    accuracy_level: 0,
  });
  return bias ? g.add(y, bias) : y;
}

/** RMSNorm as in HF LlamaRMSNorm: x / sqrt(mean(x²) + eps) · w, in f32. */
export function rmsNorm(g: GraphBuilder, x: Value, weight: Value, eps: number): Value {
  const meanSquare = g.reduceMean(g.mul(x, x), [-1]);
  const rms = g.sqrt(g.add(meanSquare, g.scalar(eps)));
  return g.mul(g.div(x, rms), weight);
}

export interface Rotary {
  /** [B, 1, T, D] — broadcasts over heads of a [B, heads, T, D] tensor. */
  cos: Value;
  sin: Value;
}

/**
 * cos/sin for each token, gathered by position id from [maxPositions, D/2] tables and
 * duplicated to D like HF's `torch.cat((freqs, freqs), dim=-1)`. The tables are graph inputs
 * computed in f64 on the CPU (config.ts ropeTables, incl. llama3 scaling): WGSL sin/cos only
 * promise 2^-11 absolute error, which measurably moved logits on WebGPU when the angles were
 * computed in-graph.
 */
export function rotaryTables(
  g: GraphBuilder,
  positionIds: Value,
  cosTable: Value,
  sinTable: Value,
): Rotary {
  const lookup = (table: Value): Value => {
    const half = g.gather(table, positionIds, 0); // [B, T, D/2]
    return g.unsqueeze(g.concat([half, half], -1), [1]); // [B, 1, T, D]
  };
  return { cos: lookup(cosTable), sin: lookup(sinTable) };
}

/** x·cos + rotate_half(x)·sin with rotate_half(x) = [-x₂, x₁] over the last axis. */
export function applyRotary(g: GraphBuilder, x: Value, rot: Rotary, headDim: number): Value {
  const half = headDim / 2;
  const x1 = g.slice(x, [0], [half], [-1]);
  const x2 = g.slice(x, [half], [headDim], [-1]);
  const rotated = g.concat([g.neg(x2), x1], -1);
  return g.add(g.mul(x, rot.cos), g.mul(rotated, rot.sin));
}

/**
 * Causal + padding mask as an additive bias [B, 1, 1, T, S] (S = past + T), shared by all
 * layers. Query t sits in cache slot S - T + t and may see slots ≤ its own that the
 * attention mask marks valid (left padding for batched prefill). Slot indices come from
 * CumSum over ones, so everything stays f32 on the GPU (Range wants CPU-side scalars and int64
 * Shape arithmetic; Trilu has no WebGPU kernel).
 */
export function attentionBias(g: GraphBuilder, maskF32: Value, inputIds: Value): Value {
  const onesKeys = g.add(g.mul(maskF32, g.scalar(0)), g.scalar(1)); // [B, S]
  const onesQueries = g.add(g.mul(g.cast(inputIds, 'float32'), g.scalar(0)), g.scalar(1)); // [B, T]
  const keySlot = g.sub(g.cumsum(onesKeys, 1), g.scalar(1)); // 0..S-1
  const offset = g.sub(g.reduceSum(onesKeys, [1]), g.reduceSum(onesQueries, [1])); // [B, 1] = P
  const querySlot = g.add(g.sub(g.cumsum(onesQueries, 1), g.scalar(1)), offset); // P..S-1
  const causal = g.less(
    g.unsqueeze(keySlot, [1]),
    g.add(g.unsqueeze(querySlot, [2]), g.scalar(0.5)),
  );
  const allowed = g.mul(g.cast(causal, 'float32'), g.unsqueeze(maskF32, [1])); // [B, T, S]
  const bias = g.mul(g.sub(allowed, g.scalar(1)), g.scalar(-MASK_NEG)); // 0 or -1e9
  return g.unsqueeze(bias, [1, 2]);
}

export interface AttentionDims {
  numHeads: number;
  numKvHeads: number;
  headDim: number;
}

export interface AttentionInputs {
  /** [B, heads, T, D] after RoPE. */
  q: Value;
  k: Value;
  v: Value;
  /** [B, kvH, P, D] cache from earlier steps; omitted for cache-free graphs (training). */
  pastK?: Value;
  pastV?: Value;
  /** [B, 1, 1, T, S] additive mask from attentionBias. */
  bias: Value;
}

export interface AttentionOutputs {
  /** [B, T, heads·D] flattened to token rows [N, heads·D]. */
  context2d: Value;
  presentK: Value;
  presentV: Value;
}

/** softmax(q·kᵀ/√d + mask)·v with grouped-query heads (HF eager attention semantics). */
export function attention(
  g: GraphBuilder,
  dims: AttentionDims,
  x: AttentionInputs,
): AttentionOutputs {
  const { numHeads, numKvHeads, headDim } = dims;
  const group = numHeads / numKvHeads;
  const presentK = x.pastK ? g.concat([x.pastK, x.k], 2) : x.k; // [B, kvH, S, D]
  const presentV = x.pastV ? g.concat([x.pastV, x.v], 2) : x.v;
  const q5 = g.reshape(x.q, [0, numKvHeads, group, -1, headDim]); // [B, kvH, g, T, D]
  const kT5 = g.unsqueeze(g.transpose(presentK, [0, 1, 3, 2]), [2]); // [B, kvH, 1, D, S]
  const v5 = g.unsqueeze(presentV, [2]); // [B, kvH, 1, S, D]
  const scores = g.mul(g.matmul(q5, kT5), g.scalar(1 / Math.sqrt(headDim)));
  const probs = g.softmax(g.add(scores, x.bias), -1); // [B, kvH, g, T, S]
  const context = g.matmul(probs, v5); // [B, kvH, g, T, D]
  const tokensFirst = g.transpose(context, [0, 3, 1, 2, 4]); // [B, T, kvH, g, D]
  return { context2d: g.reshape(tokensFirst, [-1, numHeads * headDim]), presentK, presentV };
}

/** [N, heads·D] token rows → [B, heads, T, D]; `shape4d` is the value [B, T, heads, D]. */
export function splitHeads(g: GraphBuilder, x2d: Value, shape4d: Value): Value {
  return g.transpose(g.reshape(x2d, shape4d), [0, 2, 1, 3]);
}

export interface MlpWeights {
  gate: LinearWeights;
  up: LinearWeights;
  down: LinearWeights;
}

/** SwiGLU MLP: down(silu(gate(x)) · up(x)), silu(z) = z·σ(z). */
export function swiGluMlp(g: GraphBuilder, x2d: Value, w: MlpWeights): Value {
  const gate = linear(g, x2d, w.gate);
  const up = linear(g, x2d, w.up);
  return linear(g, g.mul(g.mul(gate, g.sigmoid(gate)), up), w.down);
}

export interface DecoderLayerWeights {
  inputNorm: Value;
  postAttentionNorm: Value;
  q: LinearWeights;
  k: LinearWeights;
  v: LinearWeights;
  o: LinearWeights;
  mlp: MlpWeights;
}

export interface LayerContext extends AttentionDims {
  rmsNormEps: number;
  rotary: Rotary;
  bias: Value;
  /** Shape values [B, T, numHeads, D] and [B, T, numKvHeads, D] (from Shape(input_ids)). */
  qShape: Value;
  kvShape: Value;
}

/** One pre-norm decoder layer: h + attn(norm(h)), then h + mlp(norm(h)). */
export function decoderLayer(
  g: GraphBuilder,
  ctx: LayerContext,
  hidden2d: Value,
  w: DecoderLayerWeights,
  past?: { k: Value; v: Value },
): { hidden2d: Value; presentK: Value; presentV: Value } {
  const normed = rmsNorm(g, hidden2d, w.inputNorm, ctx.rmsNormEps);
  const q = applyRotary(
    g,
    splitHeads(g, linear(g, normed, w.q), ctx.qShape),
    ctx.rotary,
    ctx.headDim,
  );
  const k = applyRotary(
    g,
    splitHeads(g, linear(g, normed, w.k), ctx.kvShape),
    ctx.rotary,
    ctx.headDim,
  );
  const v = splitHeads(g, linear(g, normed, w.v), ctx.kvShape);
  const att = attention(g, ctx, { q, k, v, pastK: past?.k, pastV: past?.v, bias: ctx.bias });
  const afterAttention = g.add(hidden2d, linear(g, att.context2d, w.o));
  const normed2 = rmsNorm(g, afterAttention, w.postAttentionNorm, ctx.rmsNormEps);
  const out = g.add(afterAttention, swiGluMlp(g, normed2, w.mlp));
  return { hidden2d: out, presentK: att.presentK, presentV: att.presentV };
}
