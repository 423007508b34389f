// The artifacts working together on the tiny Qwen2 checkpoint (wasm): micro-batch gradient
// accumulation is exact (token-weighted), eval.onnx agrees with train.onnx, and train →
// optimizer steps fed with each other's outputs lower the loss from PEFT's initialisation.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import type { F32Tensor } from '../../../src/lib/engines/onnx/safetensors';
import {
  createGraphRunner,
  type GraphRunner,
  type HostTensor,
} from '../../../src/lib/engines/onnx/train-session';
import {
  batchFeeds,
  buildTrainingArtifacts,
  staticFeeds,
  type TrainBatch,
} from '../../../src/lib/train/artifacts';
import { gradName, loraParams, type LoraConfig } from '../../../src/lib/train/lora-config';
import { initLora } from '../../../src/lib/train/lora-init';
import { adamMName, adamVName, nextName } from '../../../src/lib/train/optimizer-graph';
import { makeTinyCheckpoint } from '../../helpers/tiny-checkpoint';
import { maxRelError } from '../../helpers/rel-error';

const ckpt = makeTinyCheckpoint({ arch: 'qwen2' });
const lora: LoraConfig = { rank: 4, alpha: 8, dropout: 0, targetModules: LORA_MODULES };
const SEQ = 8;
const rowIds = [
  [3, 41, 59, 26, 53, 58, 97, 93],
  [23, 84, 62, 64, 33, 83, 0, 0],
];
const rowMask = [
  [1, 1, 1, 1, 1, 1, 1, 1],
  [1, 1, 1, 1, 1, 1, 0, 0],
];
const rowLoss = [
  [0, 0, 0, 1, 1, 1, 1, 1],
  [0, 0, 1, 1, 1, 1, 0, 0],
];
const batchOf = (rows: number[]): TrainBatch => ({
  batch: rows.length,
  seq: SEQ,
  inputIds: Int32Array.from(rows.flatMap((r) => rowIds[r])),
  attentionMask: Int32Array.from(rows.flatMap((r) => rowMask[r])),
  lossMask: Float32Array.from(rows.flatMap((r) => rowLoss[r])),
});

let train2: GraphRunner;
let train1: GraphRunner;
let evalGraph: GraphRunner;
let optimizer: GraphRunner;
const constants = staticFeeds(ckpt.config, lora, SEQ);
// B ≠ 0 so every gradient (incl. dA) is non-zero for the accumulation check.
const trained = initLora(ckpt.config, lora, 1);
for (const p of loraParams(ckpt.config, lora)) {
  if (p.name.endsWith('.B'))
    trained[p.name].data.forEach((_, i, d) => (d[i] = Math.sin(i + 1) * 0.05));
}

beforeAll(async () => {
  ort.env.wasm.numThreads = 1;
  const two = buildTrainingArtifacts(ckpt.config, lora, { batch: 2, seq: SEQ, vocabChunk: 128 });
  const one = buildTrainingArtifacts(ckpt.config, lora, { batch: 1, seq: SEQ, vocabChunk: 128 });
  train2 = await createGraphRunner(ort, two.train);
  train1 = await createGraphRunner(ort, one.train);
  evalGraph = await createGraphRunner(ort, two.eval);
  optimizer = await createGraphRunner(ort, two.optimizer);
}, 180_000);

describe('train / eval / optimizer artifacts together', () => {
  it('accumulating loss_sum grads over micro-batches equals the full batch exactly', async () => {
    const full = await train2.run(batchFeeds(batchOf([0, 1]), constants, trained, ckpt.tensors));
    const parts = [
      await train1.run(batchFeeds(batchOf([0]), constants, trained, ckpt.tensors)),
      await train1.run(batchFeeds(batchOf([1]), constants, trained, ckpt.tensors)),
    ];
    expect(parts[0].token_count.data[0] + parts[1].token_count.data[0]).toBe(
      full.token_count.data[0],
    );
    expect(full.token_count.data[0]).toBe(9); // row 0: targets at 3..7 → 5; row 1: 2..5 → 4 (pads excluded)
    const lossSum = parts[0].loss_sum.data[0] + parts[1].loss_sum.data[0];
    expect(Math.abs(lossSum - full.loss_sum.data[0]) / lossSum).toBeLessThan(1e-6);
    for (const p of loraParams(ckpt.config, lora)) {
      const name = gradName(p.name);
      const summed = parts[0][name].data.map((x, i) => x + parts[1][name].data[i]);
      expect(maxRelError(summed, full[name].data), name).toBeLessThan(1e-5);
    }
  });

  it('eval.onnx gives the same loss as train.onnx', async () => {
    const feeds = batchFeeds(batchOf([0, 1]), constants, trained, ckpt.tensors);
    const [t, e] = [await train2.run(feeds), await evalGraph.run(feeds)];
    expect(e.token_count.data[0]).toBe(t.token_count.data[0]);
    expect(Math.abs(e.loss.data[0] - t.loss.data[0])).toBeLessThan(1e-6 * t.loss.data[0]);
    expect(Object.keys(e).sort()).toEqual(['loss', 'loss_sum', 'token_count']);
  });

  it('train → AdamW steps from PEFT init lower the loss', async () => {
    const params = loraParams(ckpt.config, lora);
    let state: Record<string, F32Tensor> = initLora(ckpt.config, lora, 7);
    for (const p of params) {
      const zeros = (): F32Tensor => ({
        shape: p.shape,
        data: new Float32Array(p.shape[0] * p.shape[1]),
      });
      state[adamMName(p.name)] = zeros();
      state[adamVName(p.name)] = zeros();
    }
    const batch = batchOf([0, 1]);
    const losses: number[] = [];
    const [beta1, beta2] = [0.9, 0.999];
    for (let t = 1; t <= 6; t++) {
      const out = await train2.run(batchFeeds(batch, constants, state, ckpt.tensors));
      losses.push(out.loss.data[0]);
      const scalar = (v: number): HostTensor => ({ data: Float32Array.of(v), shape: [1] });
      const feeds: Record<string, HostTensor> = {
        ...state,
        lr: scalar(2e-2),
        beta1: scalar(beta1),
        beta2: scalar(beta2),
        eps: scalar(1e-8),
        weight_decay: scalar(0.1),
        max_grad_norm: scalar(1),
        bc1: scalar(1 - beta1 ** t),
        bc2: scalar(1 - beta2 ** t),
        grad_scale: scalar(1 / out.token_count.data[0]),
      };
      for (const p of params) feeds[gradName(p.name)] = out[gradName(p.name)];
      const next = await optimizer.run(feeds);
      expect(Number.isFinite(next.grad_norm.data[0])).toBe(true);
      const updated: Record<string, F32Tensor> = {};
      for (const name of [
        ...params.map((p) => p.name),
        ...params.flatMap((p) => [adamMName(p.name), adamVName(p.name)]),
      ]) {
        updated[name] = next[nextName(name)] as F32Tensor;
      }
      state = updated;
    }
    console.info(`loss over 6 steps: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
    expect(losses[5]).toBeLessThan(losses[0] - 0.05);
  });
});
