// Causal grouped-query self-attention with RoPE, forward + reverse mode, static shapes.
// Layout as in the inference blocks (llama-blocks.ts): q as [B, kvH, g, T, D] against k/v
// [B, kvH, 1, T, D], so GQA broadcasts in MatMul; in reverse mode the k/v gradients are summed
// over the group axis (the adjoint of that broadcast = HF repeat_kv's adjoint).
import type { GraphBuilder, Value } from '../../engines/onnx/graph';
import { applyRotary, type Rotary } from '../../engines/onnx/llama-blocks';

export interface AttentionShape {
  batch: number;
  seq: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
}

/** RoPE tables [1, 1, T, D] plus −sin for the backward rotation. */
export interface RotaryPair extends Rotary {
  negSin: Value;
}

export interface AttentionSaved {
  shape: AttentionShape;
  rotary: RotaryPair;
  /** Roped queries [B, kvH, g, T, D]. */
  q5: Value;
  /** Roped keys / values [B, kvH, 1, T, D]. */
  k5: Value;
  v5: Value;
  /** softmax probabilities [B, kvH, g, T, T]. */
  probs: Value;
}

const swapLast = [0, 1, 2, 4, 3];

/** [N, heads·D] → [B, heads, T, D] */
function splitHeads(g: GraphBuilder, s: AttentionShape, x2d: Value, heads: number): Value {
  return g.transpose(g.reshape(x2d, [s.batch, s.seq, heads, s.headDim]), [0, 2, 1, 3]);
}

/** [B, heads, T, D] → [N, heads·D] */
function mergeHeads(g: GraphBuilder, s: AttentionShape, x: Value, heads: number): Value {
  return g.reshape(g.transpose(x, [0, 2, 1, 3]), [s.batch * s.seq, heads * s.headDim]);
}

/** RoPE is a rotation per frequency pair, so its adjoint is the rotation by −angle. */
export function rotaryBackward(
  g: GraphBuilder,
  rot: RotaryPair,
  dy: Value,
  headDim: number,
): Value {
  return applyRotary(g, dy, { cos: rot.cos, sin: rot.negSin }, headDim);
}

/** softmax(q·kᵀ/√d + bias)·v; bias [B, 1, 1, T, T] is additive (0 or −1e9) and gets no gradient. */
export function attentionForward(
  g: GraphBuilder,
  s: AttentionShape,
  proj: { q2d: Value; k2d: Value; v2d: Value },
  rotary: RotaryPair,
  bias: Value,
): { context2d: Value; saved: AttentionSaved } {
  const group = s.numHeads / s.numKvHeads;
  const q = applyRotary(g, splitHeads(g, s, proj.q2d, s.numHeads), rotary, s.headDim);
  const k = applyRotary(g, splitHeads(g, s, proj.k2d, s.numKvHeads), rotary, s.headDim);
  const v = splitHeads(g, s, proj.v2d, s.numKvHeads);
  const q5 = g.reshape(q, [s.batch, s.numKvHeads, group, s.seq, s.headDim]);
  const k5 = g.unsqueeze(k, [2]);
  const v5 = g.unsqueeze(v, [2]);
  const scores = g.mul(g.matmul(q5, g.transpose(k5, swapLast)), g.scalar(1 / Math.sqrt(s.headDim)));
  const probs = g.softmax(g.add(scores, bias), -1);
  const context = g.matmul(probs, v5); // [B, kvH, g, T, D]
  const tokensFirst = g.transpose(context, [0, 3, 1, 2, 4]); // [B, T, kvH, g, D]
  const context2d = g.reshape(tokensFirst, [s.batch * s.seq, s.numHeads * s.headDim]);
  return { context2d, saved: { shape: s, rotary, q5, k5, v5, probs } };
}

/**
 * dV = Σ_group Pᵀ·dC;  dP = dC·Vᵀ;  dS = P⊙(dP − rowsum(dP⊙P))/√d;
 * dQ = dS·K;  dK = Σ_group dSᵀ·Q;  then un-rotate dQ, dK.
 */
export function attentionBackward(
  g: GraphBuilder,
  saved: AttentionSaved,
  dContext2d: Value,
): { dq2d: Value; dk2d: Value; dv2d: Value } {
  const s = saved.shape;
  const group = s.numHeads / s.numKvHeads;
  const dContext = g.transpose(
    g.reshape(dContext2d, [s.batch, s.seq, s.numKvHeads, group, s.headDim]),
    [0, 2, 3, 1, 4],
  ); // [B, kvH, g, T, D]
  const dProbs = g.matmul(dContext, g.transpose(saved.v5, swapLast)); // [B, kvH, g, T, T]
  const dv = g.reduceSum(g.matmul(g.transpose(saved.probs, swapLast), dContext), [2], false);
  const rowDot = g.reduceSum(g.mul(dProbs, saved.probs), [-1]);
  const dScores = g.mul(
    g.mul(saved.probs, g.sub(dProbs, rowDot)),
    g.scalar(1 / Math.sqrt(s.headDim)),
  );
  const dq = g.reshape(g.matmul(dScores, saved.k5), [s.batch, s.numHeads, s.seq, s.headDim]);
  const dk = g.reduceSum(g.matmul(g.transpose(dScores, swapLast), saved.q5), [2], false);
  const dqPre = rotaryBackward(g, saved.rotary, dq, s.headDim);
  const dkPre = rotaryBackward(g, saved.rotary, dk, s.headDim);
  return {
    dq2d: mergeHeads(g, s, dqPre, s.numHeads),
    dk2d: mergeHeads(g, s, dkPre, s.numKvHeads),
    dv2d: mergeHeads(g, s, dv, s.numKvHeads),
  };
}
