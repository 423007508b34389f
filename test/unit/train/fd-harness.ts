// Finite-difference checker for reverse-mode rules run in onnxruntime-web (wasm, f32).
// A rule is built as a tiny graph: forward output `out` plus the rule's gradients for a seed
// dOut = R (a graph input). The scalar objective L = Σ out⊙R (summed in f64 in JS) then has
// ∂L/∂x = the rule's output, which we compare with central differences
// (L(x + h) − L(x − h)) / 2h element by element.
//
// Tolerance: f32 evaluation makes L exact to ~1e-7·Σ|out⊙R|, so the FD quotient carries an
// absolute error ≈ 1e-7·Σ|out⊙R| / h; with h = 1e-2·(1 + |x|) and the tiny shapes used here
// that is ≈1e-4 of the gradient's scale, truncation error O(h²) is similar. A wrong rule is
// off by O(1), so maxRel < 1e-2 separates right from wrong with a wide margin.
import * as ort from 'onnxruntime-web/webgpu';
import { GraphBuilder, type DType, type Value } from '../../../src/lib/engines/onnx/graph';
import { createGraphRunner, type HostTensor } from '../../../src/lib/engines/onnx/train-session';
import { mulberry32 as rand } from '../../../src/lib/engines/generation/rng';
/** Deterministic PRNG shared with the app (one implementation). */
export { rand };

export interface RuleInput {
  dtype?: DType;
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface RuleSpec {
  inputs: Record<string, RuleInput>;
  /** Shape of the forward output (the seed R has it too). */
  outShape: number[];
  /** Builds forward output and the rule's gradient per differentiated input, given dOut. */
  build(g: GraphBuilder, dOut: Value): { out: Value; grads: Record<string, Value> };
  /** Inputs to check (each must have a gradient in build()). */
  wrt: string[];
  /** Check at most this many elements per input (spread deterministically), default all. */
  maxChecks?: number;
  seed?: number;
}

export interface RuleResult {
  /** max |analytic − fd| / max |fd| per checked input. */
  maxRel: Record<string, number>;
  checked: number;
}

export function randomF32(r: () => number, n: number, scale = 1): Float32Array {
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

export async function checkRule(spec: RuleSpec): Promise<RuleResult> {
  ort.env.wasm.numThreads = 1;
  const g = new GraphBuilder('rule');
  for (const [name, t] of Object.entries(spec.inputs)) {
    g.input(name, t.dtype ?? (t.data instanceof Int32Array ? 'int32' : 'float32'), t.shape);
  }
  const dOut = g.input('dOut', 'float32', spec.outShape);
  const built = spec.build(g, dOut);
  g.output(built.out, 'out', 'float32', spec.outShape);
  for (const name of spec.wrt) {
    g.output(built.grads[name], `grad.${name}`, 'float32', spec.inputs[name].shape);
  }
  const runner = await createGraphRunner(ort, g.toModel());
  const r = rand(spec.seed ?? 7);
  const outSize = spec.outShape.reduce((a, b) => a * b, 1);
  const seedR = randomF32(r, outSize);
  const feeds: Record<string, HostTensor> = { dOut: { data: seedR, shape: spec.outShape } };
  for (const [name, t] of Object.entries(spec.inputs))
    feeds[name] = { data: t.data, shape: t.shape };
  const objective = async (): Promise<number> => {
    const out = (await runner.run(feeds, ['out'])).out.data;
    let sum = 0;
    for (let i = 0; i < out.length; i++) sum += out[i] * seedR[i];
    return sum;
  };
  const analytic = await runner.run(feeds);
  const maxRel: Record<string, number> = {};
  let checked = 0;
  for (const name of spec.wrt) {
    const base = spec.inputs[name].data as Float32Array;
    const grad = analytic[`grad.${name}`].data;
    const count = Math.min(base.length, spec.maxChecks ?? base.length);
    const stride = base.length / count;
    let maxDiff = 0;
    let maxRef = 0;
    for (let j = 0; j < count; j++) {
      const i = Math.floor(j * stride);
      const x = base[i];
      const h = 1e-2 * (1 + Math.abs(x));
      const perturbed = Float32Array.from(base);
      feeds[name] = { data: perturbed, shape: spec.inputs[name].shape };
      perturbed[i] = x + h;
      const up = await objective();
      perturbed[i] = x - h;
      const down = await objective();
      // Divide by the f32-representable step actually taken.
      const fd = (up - down) / (Math.fround(x + h) - Math.fround(x - h));
      maxDiff = Math.max(maxDiff, Math.abs(grad[i] - fd));
      maxRef = Math.max(maxRef, Math.abs(fd));
      checked++;
    }
    feeds[name] = { data: base, shape: spec.inputs[name].shape };
    maxRel[name] = maxDiff / maxRef;
  }
  await runner.release();
  return { maxRel, checked };
}
