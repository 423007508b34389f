// Every reverse-mode rule of the LoRA trainer (src/lib/train/backward) against central finite
// differences on tiny shapes, run in onnxruntime-web (wasm, f32). Tolerance: fd-harness.ts.
import { describe, expect, it } from 'vitest';
import { attentionBias } from '../../../src/lib/engines/onnx/llama-blocks';
import { applyRotary } from '../../../src/lib/engines/onnx/llama-blocks';
import {
  attentionBackward,
  attentionForward,
  rotaryBackward,
  type AttentionShape,
  type RotaryPair,
} from '../../../src/lib/train/backward/attention';
import { decoderLayerBackward, decoderLayerForward } from '../../../src/lib/train/backward/layer';
import { linearBackward, linearForward } from '../../../src/lib/train/backward/linear';
import { lmLossBackward, lmLossForward } from '../../../src/lib/train/backward/lm-loss';
import { swiGluBackward, swiGluForward } from '../../../src/lib/train/backward/mlp';
import { rmsNormBackward, rmsNormForward } from '../../../src/lib/train/backward/norm';
import type { GraphBuilder } from '../../../src/lib/engines/onnx/graph';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import { checkRule, rand, randomF32 } from './fd-harness';

const TOL = 1e-2;
const r = rand(2024);

function expectClose(result: { maxRel: Record<string, number> }): void {
  const summary = Object.entries(result.maxRel).map(([k, v]) => `${k}=${v.toExponential(2)}`);
  console.info(`max rel error vs FD: ${summary.join(' ')}`);
  for (const [name, rel] of Object.entries(result.maxRel)) {
    expect(rel, `${name}: max rel error ${rel}`).toBeLessThan(TOL);
  }
}

/** RoPE tables [1, 1, T, D] for positions 0..T-1 (θ = 10000). */
function rotaryInputs(T: number, D: number): { cos: Float32Array; sin: Float32Array } {
  const half = D / 2;
  const cos = new Float32Array(T * D);
  const sin = new Float32Array(T * D);
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < D; i++) {
      const angle = t * 10000 ** (-(2 * (i % half)) / D);
      cos[t * D + i] = Math.cos(angle);
      sin[t * D + i] = Math.sin(angle);
    }
  }
  return { cos, sin };
}

function rotaryPair(g: GraphBuilder): RotaryPair {
  return { cos: 'cos', sin: 'sin', negSin: g.neg('sin') };
}

describe('backward rules vs finite differences (f32, wasm)', () => {
  it('linear with LoRA, bias and dropout mask: dX, dA, dB', async () => {
    const [N, IN, OUT, R] = [5, 6, 4, 3];
    const mask = Float32Array.from({ length: N * IN }, () => (r() < 0.25 ? 0 : 1 / 0.75));
    const res = await checkRule({
      inputs: {
        x: { shape: [N, IN], data: randomF32(r, N * IN) },
        w: { shape: [OUT, IN], data: randomF32(r, OUT * IN) },
        bias: { shape: [OUT], data: randomF32(r, OUT) },
        a: { shape: [IN, R], data: randomF32(r, IN * R) },
        b: { shape: [R, OUT], data: randomF32(r, R * OUT) },
        scale: { shape: [1], data: Float32Array.of(1.7) },
        drop: { shape: [N, IN], data: mask },
      },
      outShape: [N, OUT],
      wrt: ['x', 'a', 'b'],
      maxChecks: 16,
      build(g, dOut) {
        const lora = { a: 'a', b: 'b', scale: 'scale', dropoutMask: 'drop' };
        const f = linearForward(g, 'x', { weight: 'w', bias: 'bias', lora });
        const back = linearBackward(g, f.saved, dOut);
        return { out: f.y, grads: { x: back.dx!, a: back.dA!, b: back.dB! } };
      },
    });
    expectClose(res);
  });

  it('RMSNorm: dX', async () => {
    const [N, H] = [4, 8];
    const res = await checkRule({
      inputs: {
        x: { shape: [N, H], data: randomF32(r, N * H, 2) },
        w: { shape: [H], data: randomF32(r, H) },
      },
      outShape: [N, H],
      wrt: ['x'],
      build(g, dOut) {
        const f = rmsNormForward(g, 'x', 'w', 1e-5);
        return { out: f.y, grads: { x: rmsNormBackward(g, f.saved, dOut) } };
      },
    });
    expectClose(res);
  });

  it('RoPE: dX is the rotation by −angle', async () => {
    const [B, H, T, D] = [1, 2, 5, 8];
    const tables = rotaryInputs(T, D);
    const res = await checkRule({
      inputs: {
        x: { shape: [B, H, T, D], data: randomF32(r, B * H * T * D) },
        cos: { shape: [1, 1, T, D], data: tables.cos },
        sin: { shape: [1, 1, T, D], data: tables.sin },
      },
      outShape: [B, H, T, D],
      wrt: ['x'],
      build(g, dOut) {
        const rot = rotaryPair(g);
        return { out: applyRotary(g, 'x', rot, D), grads: { x: rotaryBackward(g, rot, dOut, D) } };
      },
    });
    expectClose(res);
  });

  it('GQA attention incl. softmax, RoPE, causal + padding mask: dQ, dK, dV', async () => {
    const s: AttentionShape = { batch: 2, seq: 4, numHeads: 4, numKvHeads: 2, headDim: 4 };
    const N = s.batch * s.seq;
    const tables = rotaryInputs(s.seq, s.headDim);
    const res = await checkRule({
      inputs: {
        q: { shape: [N, s.numHeads * s.headDim], data: randomF32(r, N * 16, 1.5) },
        k: { shape: [N, s.numKvHeads * s.headDim], data: randomF32(r, N * 8, 1.5) },
        v: { shape: [N, s.numKvHeads * s.headDim], data: randomF32(r, N * 8) },
        cos: { shape: [1, 1, s.seq, s.headDim], data: tables.cos },
        sin: { shape: [1, 1, s.seq, s.headDim], data: tables.sin },
        ids: { shape: [s.batch, s.seq], data: Int32Array.of(1, 2, 3, 4, 5, 6, 0, 0) },
        mask: { shape: [s.batch, s.seq], data: Float32Array.of(1, 1, 1, 1, 1, 1, 0, 0) },
      },
      outShape: [N, s.numHeads * s.headDim],
      wrt: ['q', 'k', 'v'],
      maxChecks: 20,
      build(g, dOut) {
        const bias = attentionBias(g, 'mask', 'ids');
        const f = attentionForward(g, s, { q2d: 'q', k2d: 'k', v2d: 'v' }, rotaryPair(g), bias);
        const back = attentionBackward(g, f.saved, dOut);
        return { out: f.context2d, grads: { q: back.dq2d, k: back.dk2d, v: back.dv2d } };
      },
    });
    expectClose(res);
  });

  it('SwiGLU: dGate, dUp', async () => {
    const [N, I] = [3, 6];
    const res = await checkRule({
      inputs: {
        gate: { shape: [N, I], data: randomF32(r, N * I, 3) },
        up: { shape: [N, I], data: randomF32(r, N * I) },
      },
      outShape: [N, I],
      wrt: ['gate', 'up'],
      build(g, dOut) {
        const f = swiGluForward(g, 'gate', 'up');
        const back = swiGluBackward(g, f.saved, dOut);
        return { out: f.y, grads: { gate: back.dGate, up: back.dUp } };
      },
    });
    expectClose(res);
  });

  it('chunked LM head + cross-entropy (3 uneven vocab chunks): dH of loss_sum', async () => {
    const [N, H, V] = [5, 6, 23];
    const hidden = randomF32(r, N * H, 2);
    const head = randomF32(r, V * H);
    const targets = Int32Array.of(0, 22, 7, 15, 9);
    const weights = Float32Array.of(1, 1, 0, 1, 1);
    const res = await checkRule({
      inputs: {
        h: { shape: [N, H], data: hidden },
        e: { shape: [V, H], data: head },
        t: { shape: [N], data: targets },
        w: { shape: [N, 1], data: weights },
      },
      outShape: [1],
      wrt: ['h'],
      build(g, dOut) {
        const f = lmLossForward(g, {
          hidden: 'h',
          head: 'e',
          targets: 't',
          weights: 'w',
          vocabSize: V,
          chunkSize: 10,
        });
        return { out: f.lossSum, grads: { h: g.mul(lmLossBackward(g, f.saved), dOut) } };
      },
    });
    expectClose(res);
  });

  it('a whole decoder layer (residuals + all blocks): dHidden and every LoRA dA, dB', async () => {
    const shape: AttentionShape = { batch: 1, seq: 4, numHeads: 4, numKvHeads: 2, headDim: 4 };
    const [H, I, R, N] = [16, 24, 2, 4];
    const kv = shape.numKvHeads * shape.headDim;
    const dims = {
      q_proj: [H, H],
      k_proj: [H, kv],
      v_proj: [H, kv],
      o_proj: [H, H],
      gate_proj: [H, I],
      up_proj: [H, I],
      down_proj: [I, H],
    };
    const tables = rotaryInputs(shape.seq, shape.headDim);
    const inputs: Parameters<typeof checkRule>[0]['inputs'] = {
      x: { shape: [N, H], data: randomF32(r, N * H, 2) },
      n1: { shape: [H], data: randomF32(r, H) },
      n2: { shape: [H], data: randomF32(r, H) },
      scale: { shape: [1], data: Float32Array.of(2) },
      cos: { shape: [1, 1, shape.seq, shape.headDim], data: tables.cos },
      sin: { shape: [1, 1, shape.seq, shape.headDim], data: tables.sin },
      ids: { shape: [1, shape.seq], data: Int32Array.of(1, 2, 3, 4) },
      mask: { shape: [1, shape.seq], data: Float32Array.of(1, 1, 1, 1) },
    };
    for (const m of LORA_MODULES) {
      const [i, o] = dims[m];
      inputs[`${m}.w`] = { shape: [o, i], data: randomF32(r, o * i, 0.4) };
      inputs[`${m}.a`] = { shape: [i, R], data: randomF32(r, i * R, 0.4) };
      inputs[`${m}.b`] = { shape: [R, o], data: randomF32(r, R * o, 0.4) };
    }
    const res = await checkRule({
      inputs,
      outShape: [N, H],
      wrt: ['x', ...LORA_MODULES.flatMap((m) => [`${m}.a`, `${m}.b`])],
      maxChecks: 6,
      build(g, dOut) {
        const proj = Object.fromEntries(
          LORA_MODULES.map((m) => [
            m,
            { weight: `${m}.w`, lora: { a: `${m}.a`, b: `${m}.b`, scale: 'scale' } },
          ]),
        ) as Parameters<typeof decoderLayerForward>[3]['proj'];
        const ctx = {
          shape,
          rmsNormEps: 1e-5,
          rotary: rotaryPair(g),
          bias: attentionBias(g, 'mask', 'ids'),
        };
        const f = decoderLayerForward(g, ctx, 'x', {
          inputNorm: 'n1',
          postAttentionNorm: 'n2',
          proj,
        });
        const back = decoderLayerBackward(g, f.saved, dOut, true);
        const grads: Record<string, string> = { x: back.dHidden! };
        for (const m of LORA_MODULES) {
          grads[`${m}.a`] = back.lora[m]!.dA;
          grads[`${m}.b`] = back.lora[m]!.dB;
        }
        return { out: f.hidden, grads };
      },
    });
    expectClose(res);
  });
});
