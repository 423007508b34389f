// Whole-model LoRA gradients of the training graph (onnxruntime-web, wasm, f32) against an
// independent PyTorch float64 autograd implementation (test/reference/lora_grads_torch.py)
// reading the same files: Llama shape (GQA, untied head, chunked vocab, dropout masks) and
// Qwen2 shape (q/k/v bias, tied embeddings, kvH = 1, LoRA on a module subset).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { LORA_MODULES, type LoraModule } from '../../../src/lib/engines/onnx/llama-graph';
import { writeSafetensors } from '../../../src/lib/engines/onnx/safetensors';
import { createGraphRunner } from '../../../src/lib/engines/onnx/train-session';
import {
  batchFeeds,
  buildTrainingArtifacts,
  staticFeeds,
  type TrainBatch,
} from '../../../src/lib/train/artifacts';
import { dropoutMasks } from '../../../src/lib/train/lora-init';
import type { LoraConfig } from '../../../src/lib/train/lora-config';
import { makeTinyCheckpoint, makeTinyLora, type TinyArch } from '../../helpers/tiny-checkpoint';
import { writeCheckpointDir, writeLoraFile } from '../../helpers/tiny-checkpoint-fs';
import { maxRelError } from '../../helpers/rel-error';
import { findPythonWithTorch, runTorchGrads } from '../../helpers/torch-ref';

const TOL = 1e-3;
// Session creation (wasm init + graph optimisation of ~500 nodes) and the torch import take
// seconds each on the shared 2-core machine.
const SLOW = 180_000;

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  findPythonWithTorch();
});

function rows(flat: ArrayLike<number>, batch: number): number[][] {
  const width = flat.length / batch;
  return Array.from({ length: batch }, (_, b) =>
    Array.from(flat).slice(b * width, (b + 1) * width),
  );
}

/** Two rows of 6 tokens; row 2 right-padded after 4; prompt tokens excluded from the loss. */
function makeBatch(vocab: number): TrainBatch {
  return {
    batch: 2,
    seq: 6,
    inputIds: Int32Array.from([5, 17, 300, 42, 7, 99, 8, 250, 31, 77, 0, 0].map((t) => t % vocab)),
    attentionMask: Int32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
    lossMask: Float32Array.of(0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 0, 0),
  };
}

async function compare(
  arch: TinyArch,
  dropout: number,
  targetModules: readonly LoraModule[],
  vocabChunk?: number,
): Promise<void> {
  const ckpt = makeTinyCheckpoint({ arch });
  const dir = writeCheckpointDir(ckpt);
  const lora: LoraConfig = { rank: 4, alpha: 8, dropout, targetModules };
  const loraTensors = makeTinyLora(ckpt.config, targetModules, lora.rank, 5);
  const batch = makeBatch(ckpt.config.vocabSize);
  const artifacts = buildTrainingArtifacts(ckpt.config, lora, { batch: 2, seq: 6, vocabChunk });
  const masks = dropout > 0 ? dropoutMasks(ckpt.config, lora, batch, 11, 1) : {};
  let dropoutPath: string | undefined;
  if (dropout > 0) {
    dropoutPath = join(dir, 'dropout.safetensors');
    // The reference applies x·D with D = keep/(1−p), i.e. what the graph computes from the
    // bool keep mask.
    const keep = 1 / (1 - dropout);
    const entries = Object.fromEntries(
      Object.entries(masks).map(([k, t]) => [
        k,
        { dtype: 'F32' as const, shape: t.shape, data: Float32Array.from(t.data, (x) => x * keep) },
      ]),
    );
    writeFileSync(dropoutPath, writeSafetensors(entries));
  }
  const refPromise = runTorchGrads(dir, {
    inputIds: rows(batch.inputIds, 2),
    attentionMask: rows(batch.attentionMask, 2),
    lossMask: rows(batch.lossMask, 2),
    lora: { path: writeLoraFile(dir, loraTensors), scale: lora.alpha / lora.rank },
    dropoutPath,
  });
  const runner = await createGraphRunner(ort, artifacts.train);
  const feeds = batchFeeds(
    batch,
    staticFeeds(ckpt.config, lora, 6),
    loraTensors,
    masks,
    ckpt.tensors,
  );
  const t0 = performance.now();
  const out = await runner.run(feeds);
  const firstMs = performance.now() - t0;
  const t1 = performance.now();
  await runner.run(feeds);
  const stepMs = performance.now() - t1;
  await runner.release();

  const ref = await refPromise;
  expect(out.token_count.data[0]).toBe(ref.tokenCount);
  expect(ref.tokenCount).toBe(7);
  expect(Math.abs(out.loss_sum.data[0] - ref.lossSum) / ref.lossSum).toBeLessThan(1e-5);
  expect(out.loss.data[0]).toBeCloseTo(ref.lossSum / ref.tokenCount, 4);
  let worst = 0;
  const names = Object.keys(ref.grads);
  expect(names.length).toBe(ckpt.config.numLayers * targetModules.length * 2);
  for (const name of names) {
    const rel = maxRelError(out[name].data, ref.grads[name]);
    worst = Math.max(worst, rel);
    expect(rel, name).toBeLessThan(TOL);
  }
  console.info(
    `${arch}: worst LoRA grad max rel error ${worst.toExponential(2)}, loss ${out.loss.data[0].toFixed(4)}, ` +
      `train nodes ${artifacts.io.nodeCounts.train}, step ${stepMs.toFixed(1)} ms (first ${firstMs.toFixed(0)} ms)`,
  );
}

describe('LoRA gradients of the train graph vs PyTorch autograd', () => {
  it(
    'Llama shape: GQA, untied head, 3 vocab chunks, dropout masks',
    async () => {
      await compare('llama', 0.1, LORA_MODULES, 200);
    },
    SLOW,
  );

  it(
    'Qwen2 shape: q/k/v bias, tied embeddings, one KV head, LoRA on q/v/down only',
    async () => {
      await compare('qwen2', 0, ['q_proj', 'v_proj', 'down_proj']);
    },
    SLOW,
  );
});
