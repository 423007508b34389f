// The AdamW graph (decoupled weight decay, bias correction, global-norm clipping, grad_scale)
// against a plain-TS float64 reference over 3 steps; step 1 clips, later steps do not.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { createGraphRunner, type HostTensor } from '../../../src/lib/engines/onnx/train-session';
import { gradName } from '../../../src/lib/train/lora-config';
import {
  adamMName,
  adamVName,
  buildAdamWGraph,
  GRAD_NORM_OUTPUT,
  nextName,
} from '../../../src/lib/train/optimizer-graph';
import { maxRelError } from '../../helpers/rel-error';
import { rand, randomF32 } from './fd-harness';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

interface Hyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  maxGradNorm: number;
  gradScale: number;
}

/** PyTorch AdamW + clip_grad_norm_ semantics, in f64. Mutates p/m/v; returns the pre-clip norm. */
function referenceStep(
  t: number,
  h: Hyper,
  tensors: { p: Float64Array; g: Float32Array; m: Float64Array; v: Float64Array }[],
): number {
  const grads = tensors.map((x) => Array.from(x.g, (gi) => gi * h.gradScale));
  const norm = Math.sqrt(grads.flat().reduce((a, b) => a + b * b, 0));
  const clip = Math.min(1, h.maxGradNorm / (norm + 1e-6));
  const bc1 = Math.fround(1 - h.beta1 ** t);
  const bc2 = Math.fround(1 - h.beta2 ** t);
  tensors.forEach((x, k) => {
    for (let i = 0; i < x.p.length; i++) {
      const g = grads[k][i] * clip;
      x.p[i] -= h.lr * h.weightDecay * x.p[i];
      x.m[i] = h.beta1 * x.m[i] + (1 - h.beta1) * g;
      x.v[i] = h.beta2 * x.v[i] + (1 - h.beta2) * g * g;
      x.p[i] -= (h.lr * (x.m[i] / bc1)) / (Math.sqrt(x.v[i] / bc2) + h.eps);
    }
  });
  return norm;
}

describe('AdamW optimizer graph', () => {
  it('matches the reference over 3 steps incl. clipping and weight decay', async () => {
    const r = rand(31);
    const params = [
      { name: 'lora.0.q_proj.A', shape: [6, 2] },
      { name: 'lora.0.q_proj.B', shape: [2, 5] },
      { name: 'lora.1.down_proj.A', shape: [7, 2] },
    ];
    const graph = buildAdamWGraph(params);
    const runner = await createGraphRunner(ort, graph.model);
    const state = params.map((p) => {
      const n = p.shape[0] * p.shape[1];
      return {
        p: Float64Array.from(randomF32(r, n)),
        g: new Float32Array(n),
        m: new Float64Array(n),
        v: new Float64Array(n),
      };
    });
    const f32 = (x: Float64Array): Float32Array => Float32Array.from(x);
    let onGraph = state.map((s) => ({ p: f32(s.p), m: f32(s.m), v: f32(s.v) }));
    // Hyper-parameters as the graph sees them (f32 inputs): 1 − f32(0.999) differs from 0.001
    // by 1.3e-5 relative, which would otherwise dominate the comparison of v.
    const h: Hyper = {
      lr: 0.05,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0.1,
      maxGradNorm: 1,
      gradScale: 1 / 8,
    };
    for (const k of Object.keys(h) as (keyof Hyper)[]) h[k] = Math.fround(h[k]);
    const norms: number[] = [];
    for (let t = 1; t <= 3; t++) {
      // Step 1: big accumulated loss_sum gradients (norm ≫ 1, clipped); later: small ones.
      const gradSpread = t === 1 ? 40 : 2;
      state.forEach((s) => s.g.set(randomF32(r, s.g.length, gradSpread)));
      const scalar = (v: number): HostTensor => ({ data: Float32Array.of(v), shape: [1] });
      const feeds: Record<string, HostTensor> = {
        lr: scalar(h.lr),
        beta1: scalar(h.beta1),
        beta2: scalar(h.beta2),
        eps: scalar(h.eps),
        weight_decay: scalar(h.weightDecay),
        max_grad_norm: scalar(h.maxGradNorm),
        bc1: scalar(Math.fround(1 - h.beta1 ** t)),
        bc2: scalar(Math.fround(1 - h.beta2 ** t)),
        grad_scale: scalar(h.gradScale),
      };
      params.forEach((p, k) => {
        feeds[p.name] = { data: onGraph[k].p, shape: p.shape };
        feeds[gradName(p.name)] = { data: state[k].g, shape: p.shape };
        feeds[adamMName(p.name)] = { data: onGraph[k].m, shape: p.shape };
        feeds[adamVName(p.name)] = { data: onGraph[k].v, shape: p.shape };
      });
      const out = await runner.run(feeds);
      const norm = referenceStep(t, h, state);
      norms.push(norm);
      expect(Math.abs(out[GRAD_NORM_OUTPUT].data[0] - norm) / norm).toBeLessThan(1e-5);
      onGraph = params.map((p) => ({
        p: out[nextName(p.name)].data as Float32Array,
        m: out[nextName(adamMName(p.name))].data as Float32Array,
        v: out[nextName(adamVName(p.name))].data as Float32Array,
      }));
      params.forEach((_, k) => {
        expect(maxRelError(onGraph[k].p, state[k].p)).toBeLessThan(1e-5);
        expect(maxRelError(onGraph[k].m, state[k].m)).toBeLessThan(1e-5);
        expect(maxRelError(onGraph[k].v, state[k].v)).toBeLessThan(1e-5);
      });
    }
    expect(norms[0]).toBeGreaterThan(h.maxGradNorm); // clipping exercised
    expect(norms[2]).toBeLessThan(h.maxGradNorm); // and the unclipped path too
    await runner.release();
  }, 120_000);
});
