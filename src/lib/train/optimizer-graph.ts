// AdamW step for all LoRA tensors as one ordinary ONNX graph (onnxruntime-web.md §3.4), with
// global-norm gradient clipping and decoupled weight decay (Loshchilov & Hutter; PyTorch AdamW):
//   g  = grad · grad_scale                      (grad_scale = 1 / Σ token_count: mean gradient)
//   n  = √(Σ_all ‖g‖²)  → output grad_norm       (pre-clip, like torch clip_grad_norm_)
//   g ← g · min(1, max_grad_norm / (n + 1e-6))
//   m' = β1·m + (1−β1)·g,  v' = β2·v + (1−β2)·g²
//   p' = p − lr·( (m'/bc1) / (√(v'/bc2) + ε) + wd·p ),   bc1 = 1−β1ᵗ, bc2 = 1−β2ᵗ (from JS)
// Tensors stay separate (one p/g/m/v quadruple each, named after the train graph's outputs),
// so the trainer can feed grad.* outputs straight in; the chain is a few elementwise ops each.
import type { DecoderConfig } from '../engines/onnx/config';
import { GraphBuilder, type Value } from '../engines/onnx/graph';
import { IoRecorder } from './io-spec';
import { gradName, loraParams, type LoraConfig } from './lora-config';
import type { BuiltGraph } from './train-graph';

export const OPTIMIZER_SCALARS = [
  'lr',
  'beta1',
  'beta2',
  'eps',
  'weight_decay',
  'max_grad_norm',
  'bc1',
  'bc2',
  'grad_scale',
] as const;
export type OptimizerScalar = (typeof OPTIMIZER_SCALARS)[number];

export const adamMName = (param: string): string => `adam.m.${param}`;
export const adamVName = (param: string): string => `adam.v.${param}`;
/** Output name of the updated value of input `name` (param or moment). */
export const nextName = (name: string): string => `next.${name}`;
export const GRAD_NORM_OUTPUT = 'grad_norm';

const SCALAR_DOCS: Record<OptimizerScalar, string> = {
  lr: 'learning rate of this step',
  beta1: 'Adam β1',
  beta2: 'Adam β2',
  eps: 'Adam ε',
  weight_decay: 'decoupled weight decay (method.md §6: 0.1)',
  max_grad_norm: 'global-norm clip threshold',
  bc1: '1 − β1^t, t = 1-based step',
  bc2: '1 − β2^t',
  grad_scale: '1 / accumulated token_count',
};

export function buildOptimizerGraph(config: DecoderConfig, lora: LoraConfig): BuiltGraph {
  const params = loraParams(config, lora);
  return buildAdamWGraph(params);
}

/** AdamW over an arbitrary list of f32 tensors (exposed for tests). */
export function buildAdamWGraph(params: { name: string; shape: readonly number[] }[]): BuiltGraph {
  const g = new GraphBuilder('lora-adamw');
  const rec = new IoRecorder(g);
  const s = Object.fromEntries(
    OPTIMIZER_SCALARS.map((k) => [k, rec.input(k, 'float32', [1], SCALAR_DOCS[k])]),
  ) as Record<OptimizerScalar, Value>;
  const slots = params.map((p) => {
    const shape = [...p.shape];
    return {
      ...p,
      shape,
      p: rec.input(p.name, 'float32', shape, 'LoRA tensor'),
      g: rec.input(gradName(p.name), 'float32', shape, 'accumulated ∂loss_sum/∂p'),
      m: rec.input(adamMName(p.name), 'float32', shape, 'Adam first moment'),
      v: rec.input(adamVName(p.name), 'float32', shape, 'Adam second moment'),
    };
  });

  const one = g.scalar(1);
  const scaled = slots.map((t) => g.mul(t.g, s.grad_scale));
  const squares = scaled.map((x) => g.reduceSum(g.reshape(g.mul(x, x), [-1]), [0]));
  const sumSquares = squares.length === 1 ? squares[0] : g.reduceSum(g.concat(squares, 0), [0]);
  const norm = g.sqrt(sumSquares);
  rec.output(
    norm,
    GRAD_NORM_OUTPUT,
    'float32',
    [1],
    'global L2 norm of the mean gradient, pre-clip',
  );
  const ratio = g.div(s.max_grad_norm, g.add(norm, g.scalar(1e-6)));
  const clip = g.where(g.less(ratio, one), ratio, one);
  const oneMinusB1 = g.sub(one, s.beta1);
  const oneMinusB2 = g.sub(one, s.beta2);

  slots.forEach((t, i) =>
    g.scope(t.name, () => {
      const grad = g.mul(scaled[i], clip);
      const m = g.add(g.mul(s.beta1, t.m), g.mul(oneMinusB1, grad));
      const v = g.add(g.mul(s.beta2, t.v), g.mul(oneMinusB2, g.mul(grad, grad)));
      const mHat = g.div(m, s.bc1);
      const denom = g.add(g.sqrt(g.div(v, s.bc2)), s.eps);
      const update = g.add(g.div(mHat, denom), g.mul(s.weight_decay, t.p));
      const p = g.sub(t.p, g.mul(s.lr, update));
      rec.output(p, nextName(t.name), 'float32', t.shape, 'updated LoRA tensor');
      rec.output(m, nextName(adamMName(t.name)), 'float32', t.shape, 'updated first moment');
      rec.output(v, nextName(adamVName(t.name)), 'float32', t.shape, 'updated second moment');
    }),
  );
  return {
    model: g.toModel(),
    io: rec.io,
    nodeCount: g.nodeCount,
    opTypes: [...g.opTypes()].sort(),
  };
}
