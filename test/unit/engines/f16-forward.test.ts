// The float16-weight forward graph (f16 weight inputs, Cast to f32 where used) on ORT's wasm
// EP, which runs the same Cast on the CPU: logits against the NumPy reference reading the very
// same f16-rounded weights, and OrtEngine forced to fp16 against the fp32 engine.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import type { ModelInfo } from '../../../src/lib/engines/engine';
import { toFloat16, type WeightTensor } from '../../../src/lib/engines/onnx/half';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import { LlamaForward, type ForwardInputs } from '../../../src/lib/engines/onnx/llama-session';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import {
  loadFloat32Tensors,
  parseSafetensors,
  type SafetensorsFile,
} from '../../../src/lib/engines/onnx/safetensors';
import { ModelLoadError } from '../../../src/lib/protocol/errors';
import { makeTinyCheckpoint, makeTinyLora, type TinyArch } from '../../helpers/tiny-checkpoint';
import {
  removeTempDirs,
  writeCheckpointDir,
  writeLoraFile,
} from '../../helpers/tiny-checkpoint-fs';
import { findPythonWithNumpy, runReference } from '../../helpers/python-ref';
import { maxRelError } from '../../helpers/rel-error';
import { nodeOrt, tinyModel } from './ort-fixtures';
import { loadFolder } from '../../helpers/model-folder';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });
const TOL = 1e-4;

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  findPythonWithNumpy();
});
afterAll(removeTempDirs);

function halfWeights(file: SafetensorsFile): Map<string, WeightTensor> {
  const out = new Map<string, WeightTensor>();
  for (const [name, raw] of file.tensors) out.set(name, toFloat16(raw, name));
  return out;
}

function inputs(batch: number, seq: number, vocab: number): ForwardInputs {
  return {
    batch,
    seq,
    inputIds: Int32Array.from({ length: batch * seq }, (_, i) => (i * 7919 + 31) % vocab),
    attentionMask: new Int32Array(batch * seq).fill(1),
    positionIds: Int32Array.from({ length: batch * seq }, (_, i) => i % seq),
  };
}

const rows = (flat: ArrayLike<number>, batch: number): number[][] => {
  const width = flat.length / batch;
  return Array.from({ length: batch }, (_, b) =>
    Array.from(flat).slice(b * width, (b + 1) * width),
  );
};

describe('float16-weight graph on wasm vs NumPy on the same f16 weights', () => {
  it.each([
    ['llama', 'F16'],
    ['qwen2', 'F16'],
    ['llama', 'BF16'],
  ] as [TinyArch, 'F16' | 'BF16'][])('%s from an %s checkpoint matches', async (arch, dtype) => {
    // The reference reads the file; converting F16 is the identity and BF16 → F16 is exact
    // for these values, so both sides use identical weights.
    const ckpt = makeTinyCheckpoint({ arch, dtype });
    const dir = writeCheckpointDir(ckpt);
    const file = parseSafetensors(ckpt.files['model.safetensors']);
    const sessionOptions = { graphOptimizationLevel: 'basic' as const };
    const half = await LlamaForward.create(ort, ckpt.config, halfWeights(file), {
      weightType: 'float16',
      sessionOptions,
    });
    const x = inputs(2, 6, ckpt.config.vocabSize);
    const out = await half.run(x);
    const ref = runReference(dir, {
      inputIds: rows(x.inputIds, 2),
      attentionMask: rows(x.attentionMask, 2),
      positionIds: rows(x.positionIds, 2),
    });
    const err = maxRelError(out.logits, ref.logits);
    // Same values widened on the CPU: the f32 graph must agree to f32 rounding.
    const full = await LlamaForward.create(ort, ckpt.config, loadFloat32Tensors(file), {
      sessionOptions,
    });
    const vsF32 = maxRelError(out.logits, (await full.run(x)).logits);
    console.log(
      `[f16 forward] ${arch} ${dtype}: vs NumPy ${err.toExponential(2)}, vs f32 graph ${vsF32.toExponential(2)}`,
    );
    expect(out.logitsDims).toEqual(ref.shape);
    expect(err).toBeLessThan(TOL);
    expect(vsF32).toBeLessThan(1e-6);
    await Promise.all([half.release(), full.release()]);
  });

  it('keeps LoRA A/B in f32 on top of f16 weights, and the KV cache f32', async () => {
    const ckpt = makeTinyCheckpoint({ arch: 'llama', dtype: 'F16' });
    const dir = writeCheckpointDir(ckpt);
    const lora = makeTinyLora(ckpt.config, LORA_MODULES, 4);
    const file = parseSafetensors(ckpt.files['model.safetensors']);
    const half = await LlamaForward.create(ort, ckpt.config, halfWeights(file), {
      weightType: 'float16',
      loraModules: LORA_MODULES,
      sessionOptions: { graphOptimizationLevel: 'basic' },
    });
    half.setLora({ scale: 2, tensors: lora });
    const x = inputs(2, 5, ckpt.config.vocabSize);
    const out = await half.run(x);
    const ref = runReference(dir, {
      inputIds: rows(x.inputIds, 2),
      attentionMask: rows(x.attentionMask, 2),
      positionIds: rows(x.positionIds, 2),
      lora: { path: writeLoraFile(dir, lora), scale: 2 },
    });
    const err = maxRelError(out.logits, ref.logits);
    console.log(`[f16 forward] LoRA x7 on f16 weights: vs NumPy ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
    expect(out.present?.keys[0].type).toBe('float32');
    expect(out.present?.keys[0].dims).toEqual([2, ckpt.config.numKvHeads, 5, ckpt.config.headDim]);
    await half.release();
  });

  it('refuses f32 tensors for a float16 graph with ModelLoadError', async () => {
    const ckpt = makeTinyCheckpoint({ arch: 'qwen2' });
    await expect(
      LlamaForward.create(ort, ckpt.config, ckpt.tensors, { weightType: 'float16' }),
    ).rejects.toThrow(ModelLoadError);
  });
});

describe('OrtEngine forced to fp16 on wasm (F32 checkpoint rounded to f16)', () => {
  const prompts = ['The quick brown fox jumps over the lazy dog because', 'In 1492, a sailor'];
  const reqs = prompts.map((prompt) => ({ prompt, maxTokens: 10, temperature: 0 }));
  const scoreReq = { prompts, continuations: ['1', '2', '3', ' good'] };
  let half: OrtEngine;
  let full: OrtEngine;
  let halfInfo: ModelInfo;
  let fullInfo: ModelInfo;
  beforeAll(async () => {
    half = new OrtEngine({ ort: nodeOrt });
    full = new OrtEngine({ ort: nodeOrt });
    const files = tinyModel('llama').files;
    halfInfo = await loadFolder(half, files, { device: 'wasm', dtype: 'fp16' });
    fullInfo = await loadFolder(full, files, { device: 'wasm' });
  });
  afterAll(async () => {
    await half.unload();
    await full.unload();
  });

  it('reports fp16 and the same parameter count; default on wasm stays fp32', () => {
    expect(halfInfo.dtype).toBe('fp16');
    expect(fullInfo.dtype).toBe('fp32');
    expect(halfInfo.parameters).toBe(fullInfo.parameters);
  });

  it('gives the fp32 greedy tokens; log-probabilities move only slightly', async () => {
    const h = await half.generateBatch(reqs);
    const f = await full.generateBatch(reqs);
    let same = 0;
    let total = 0;
    for (let i = 0; i < reqs.length; i++) {
      total += f[i].tokenIds.length;
      same += f[i].tokenIds.filter((t, k) => h[i].tokenIds[k] === t).length;
    }
    const hs = (await half.score(scoreReq)).logprobs.flat();
    const fs = (await full.score(scoreReq)).logprobs.flat();
    const diff = Math.max(...hs.map((x, i) => Math.abs(x - fs[i])));
    console.log(
      `[f16 engine] F32 checkpoint as fp16 vs fp32: greedy tokens ${same}/${total} equal, ` +
        `score max |Δ logprob| ${diff.toExponential(2)}`,
    );
    expect(total).toBeGreaterThan(6);
    expect(same).toBe(total);
    // Weight rounding (2^-11 relative) moves log-probabilities, but only slightly.
    expect(diff).toBeGreaterThan(0);
    expect(diff).toBeLessThan(0.05);
  });
});
