// RMSNorm (HF LlamaRMSNorm, f32) forward + reverse mode.
//   y = x̂⊙w,  x̂ = x·r,  r = 1/√(mean(x²) + ε)   (row-wise over the last axis)
//   dx = r·(gw − x̂·mean(gw⊙x̂)),  gw = dy⊙w       (w is frozen: no dw)
import type { GraphBuilder, Value } from '../../engines/onnx/graph';

export interface RmsNormSaved {
  weight: Value;
  /** x̂ = x·r */
  normalized: Value;
  /** r [N, 1] */
  invRms: Value;
}

export function rmsNormForward(
  g: GraphBuilder,
  x: Value,
  weight: Value,
  eps: number,
): { y: Value; saved: RmsNormSaved } {
  const meanSquare = g.reduceMean(g.mul(x, x), [-1]);
  const invRms = g.reciprocal(g.sqrt(g.add(meanSquare, g.scalar(eps))));
  const normalized = g.mul(x, invRms);
  return { y: g.mul(normalized, weight), saved: { weight, normalized, invRms } };
}

export function rmsNormBackward(g: GraphBuilder, saved: RmsNormSaved, dy: Value): Value {
  const gw = g.mul(dy, saved.weight);
  const projection = g.reduceMean(g.mul(gw, saved.normalized), [-1]);
  return g.mul(g.sub(gw, g.mul(saved.normalized, projection)), saved.invRms);
}
