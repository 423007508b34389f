// Linear layer with an unmerged LoRA branch, forward + reverse mode.
//   y = x·Wᵀ (+ b) + (s·(x⊙D)·A)·B          W frozen [out, in], A [in, r], B [r, out]
// D is the optional LoRA-dropout mask (values 0 or 1/(1-p), PEFT applies dropout to the
// adapter input only). s·(x⊙D)·A is scaled in rank space ([N, r], cheapest place) and saved:
// it is exactly the left factor of dB.
import type { GraphBuilder, Value } from '../../engines/onnx/graph';

export interface LoraSiteInputs {
  a: Value;
  b: Value;
  /** f32 [1], alpha / r (alpha / √r with rsLoRA). */
  scale: Value;
  /** [N, in] dropout mask, absent when dropout is off (eval graph, p = 0). */
  dropoutMask?: Value;
}

export interface LinearParams {
  weight: Value;
  bias?: Value;
  lora?: LoraSiteInputs;
}

export interface LinearSaved {
  params: LinearParams;
  /** x⊙D, the LoRA input (x itself when there is no dropout). */
  loraInput?: Value;
  /** s·(x⊙D)·A [N, r]. */
  scaledDown?: Value;
}

export interface LinearGrads {
  /** [N, in]; undefined when the caller did not ask for it. */
  dx?: Value;
  dA?: Value;
  dB?: Value;
}

export function linearForward(
  g: GraphBuilder,
  x: Value,
  p: LinearParams,
): { y: Value; saved: LinearSaved } {
  const base = g.gemm(x, p.weight, p.bias, { transB: true });
  if (!p.lora) return { y: base, saved: { params: p } };
  const loraInput = p.lora.dropoutMask ? g.mul(x, p.lora.dropoutMask) : x;
  const scaledDown = g.mul(g.matmul(loraInput, p.lora.a), p.lora.scale);
  const y = g.add(base, g.matmul(scaledDown, p.lora.b));
  return { y, saved: { params: p, loraInput, scaledDown } };
}

/**
 * dX = dY·W + ((s·dY·Bᵀ)·Aᵀ)⊙D,  dA = (x⊙D)ᵀ·(s·dY·Bᵀ),  dB = (s·(x⊙D)·A)ᵀ·dY.
 * W and the bias are frozen: no gradient is built for them.
 */
export function linearBackward(
  g: GraphBuilder,
  saved: LinearSaved,
  dy: Value,
  needDx = true,
): LinearGrads {
  const { params } = saved;
  const dxBase = needDx ? g.gemm(dy, params.weight) : undefined;
  if (!params.lora || !saved.loraInput || !saved.scaledDown) return { dx: dxBase };
  const dUp = g.mul(g.gemm(dy, params.lora.b, undefined, { transB: true }), params.lora.scale); // [N, r]
  const dA = g.gemm(saved.loraInput, dUp, undefined, { transA: true }); // [in, r]
  const dB = g.gemm(saved.scaledDown, dy, undefined, { transA: true }); // [r, out]
  if (!dxBase) return { dA, dB };
  let dxLora = g.gemm(dUp, params.lora.a, undefined, { transB: true }); // [N, in]
  if (params.lora.dropoutMask) dxLora = g.mul(dxLora, params.lora.dropoutMask);
  return { dx: g.add(dxBase, dxLora), dA, dB };
}
