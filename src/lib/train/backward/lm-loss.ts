// LM head + token cross-entropy, chunked over the vocabulary so no [N, V] tensor ever exists
// (Qwen2.5's 151,936-entry head would need N·V·4 bytes of logits; onnxruntime-web.md §3.3).
//
// Forward:  logits_k = h·E_kᵀ per vocabulary chunk k; lse = logsumexp over all chunks, combined
//           from per-chunk (max-shifted) logsumexps; target logit = h·E[target] (a Gather of
//           the target rows, so no one-hot is ever built); nll = lse − target logit.
// Backward: d loss_sum / d h = w⊙(Σ_k softmax_k·E_k − E[target]), with softmax_k recomputed
//           per chunk as exp(h·E_kᵀ − lse) in one Gemm (C = −lse), so the forward logits are
//           not kept alive until the backward runs.
// w [N, 1] is the per-row loss weight (1 on counted target tokens, 0 elsewhere). The head E is
// frozen (tied embeddings or lm_head): no gradient for it.
import type { GraphBuilder, Value } from '../../engines/onnx/graph';

export const DEFAULT_VOCAB_CHUNK = 8192;

export interface LmLossInputs {
  /** [N, H] final hidden states (after the final RMSNorm). */
  hidden: Value;
  /** [V, H] LM head (model.embed_tokens.weight when tied). */
  head: Value;
  /** [N] int32 target ids. */
  targets: Value;
  /** [N, 1] f32 loss weights. */
  weights: Value;
  vocabSize: number;
  chunkSize?: number;
}

export interface LmLossSaved {
  inputs: LmLossInputs;
  /** [N, 1] logsumexp over the vocabulary. */
  lse: Value;
  /** [N, H] E[target]. */
  targetRows: Value;
}

export function vocabChunks(
  vocabSize: number,
  chunkSize = DEFAULT_VOCAB_CHUNK,
): [number, number][] {
  const chunks: [number, number][] = [];
  for (let start = 0; start < vocabSize; start += chunkSize) {
    chunks.push([start, Math.min(vocabSize, start + chunkSize)]);
  }
  return chunks;
}

/** Row-wise stable logsumexp over the last axis of a 2-D value → [N, 1]. */
function logSumExp(g: GraphBuilder, x: Value): Value {
  const max = g.reduceMax(x, [-1]);
  return g.add(max, g.log(g.reduceSum(g.exp(g.sub(x, max)), [-1])));
}

export function lmLossForward(
  g: GraphBuilder,
  inputs: LmLossInputs,
): { lossSum: Value; tokenCount: Value; saved: LmLossSaved } {
  const chunks = vocabChunks(inputs.vocabSize, inputs.chunkSize);
  const chunkLse = chunks.map(([start, end]) =>
    g.scope(`vocab${start}`, () => {
      const headChunk = g.slice(inputs.head, [start], [end], [0]);
      return logSumExp(g, g.gemm(inputs.hidden, headChunk, undefined, { transB: true }));
    }),
  );
  const lse = chunkLse.length === 1 ? chunkLse[0] : logSumExp(g, g.concat(chunkLse, 1));
  const targetRows = g.gather(inputs.head, inputs.targets, 0); // [N, H]
  const targetLogit = g.reduceSum(g.mul(inputs.hidden, targetRows), [-1]); // [N, 1]
  const nll = g.sub(lse, targetLogit);
  const lossSum = g.reshape(g.reduceSum(g.mul(nll, inputs.weights), [0, 1], false), [1]);
  const tokenCount = g.reshape(g.reduceSum(inputs.weights, [0, 1], false), [1]);
  return { lossSum, tokenCount, saved: { inputs, lse, targetRows } };
}

/** Gradient of loss_sum with respect to the hidden states [N, H]. */
export function lmLossBackward(g: GraphBuilder, saved: LmLossSaved): Value {
  const { inputs } = saved;
  const negLse = g.neg(saved.lse);
  let expected: Value | undefined; // Σ_k softmax_k·E_k = E_{p}[E row]
  for (const [start, end] of vocabChunks(inputs.vocabSize, inputs.chunkSize)) {
    expected = g.scope(`vocab${start}_grad`, () => {
      // axes [-2] instead of [0]: a different node than the forward Slice, so ORT's common
      // subexpression elimination cannot merge them and keep every chunk alive in between.
      const headChunk = g.slice(inputs.head, [start], [end], [-2]);
      const probs = g.exp(g.gemm(inputs.hidden, headChunk, negLse, { transB: true }));
      const part = g.matmul(probs, headChunk);
      return expected ? g.add(expected, part) : part;
    });
  }
  if (!expected) throw new Error('empty vocabulary');
  return g.mul(g.sub(expected, saved.targetRows), inputs.weights);
}
