// SwiGLU gating, forward + reverse mode: a = silu(z)⊙u, silu(z) = z·σ(z).
//   du = da⊙silu(z),  dz = da⊙u⊙σ(z)·(1 + z·(1 − σ(z)))
import type { GraphBuilder, Value } from '../../engines/onnx/graph';

export interface SwiGluSaved {
  gate: Value;
  up: Value;
  sigmoid: Value;
  silu: Value;
}

export function swiGluForward(
  g: GraphBuilder,
  gate: Value,
  up: Value,
): { y: Value; saved: SwiGluSaved } {
  const sigmoid = g.sigmoid(gate);
  const silu = g.mul(gate, sigmoid);
  return { y: g.mul(silu, up), saved: { gate, up, sigmoid, silu } };
}

export function swiGluBackward(
  g: GraphBuilder,
  saved: SwiGluSaved,
  dy: Value,
): { dGate: Value; dUp: Value } {
  const dUp = g.mul(dy, saved.silu);
  const oneMinusSig = g.sub(g.scalar(1), saved.sigmoid);
  const siluPrime = g.mul(saved.sigmoid, g.add(g.scalar(1), g.mul(saved.gate, oneMinusSig)));
  return { dGate: g.mul(g.mul(dy, saved.up), siluPrime), dUp };
}
