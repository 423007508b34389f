// The Llama/Qwen2 forward graph on onnxruntime-web (wasm EP, the app's /webgpu entry) against
// an independent NumPy reference (test/reference/llama_ref.py) reading the same files.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { parseDecoderConfig, ropeInvFreq } from '../../../src/lib/engines/onnx/config';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import {
  LlamaForward,
  positionIdsFromMask,
  type ForwardInputs,
} from '../../../src/lib/engines/onnx/llama-session';
import { loadFloat32Tensors, parseSafetensors } from '../../../src/lib/engines/onnx/safetensors';
import { makeTinyCheckpoint, makeTinyLora, type TinyArch } from '../../helpers/tiny-checkpoint';
import {
  removeTempDirs,
  writeCheckpointDir,
  writeLoraFile,
} from '../../helpers/tiny-checkpoint-fs';
import { findPythonWithNumpy, runReference } from '../../helpers/python-ref';
import { maxRelError } from '../../helpers/rel-error';

const TOL = 1e-4;

// The first session instantiates ORT's 27 MB wasm: seconds, or tens of seconds on a loaded box.
const COLD_START_TIMEOUT = 120_000;

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
  findPythonWithNumpy(); // fail fast, with a clear message, when NumPy is missing
});
afterAll(removeTempDirs);

/**
 * Loads the checkpoint the way the engine will: from the files' bytes. Sessions use ORT's
 * 'basic' graph optimisation (≈0.1 s to create vs ≈1.4 s for 'all' on this 2-core box);
 * the Llama test keeps the default 'all' so both paths are checked against the reference.
 */
async function loadForward(
  files: Record<string, Uint8Array>,
  options: Parameters<typeof LlamaForward.create>[3] = {},
  graphOptimizationLevel: 'basic' | 'all' = 'basic',
): Promise<LlamaForward> {
  const config = parseDecoderConfig(new TextDecoder().decode(files['config.json']));
  const weights = loadFloat32Tensors(parseSafetensors(files['model.safetensors']));
  return LlamaForward.create(ort, config, weights, {
    ...options,
    sessionOptions: { graphOptimizationLevel, ...options.sessionOptions },
  });
}

function rows<T extends ArrayLike<number>>(flat: T, batch: number): number[][] {
  const width = flat.length / batch;
  return Array.from({ length: batch }, (_, b) =>
    Array.from(flat).slice(b * width, (b + 1) * width),
  );
}

function tokens(batch: number, seq: number, vocab: number, seed: number): Int32Array {
  return Int32Array.from({ length: batch * seq }, (_, i) => (i * 7919 + seed * 104729) % vocab);
}

function fullInputs(batch: number, seq: number, vocab: number, positionOffset = 0): ForwardInputs {
  const attentionMask = new Int32Array(batch * seq).fill(1);
  const positionIds = Int32Array.from(
    { length: batch * seq },
    (_, i) => (i % seq) + positionOffset,
  );
  return { batch, seq, inputIds: tokens(batch, seq, vocab, 3), attentionMask, positionIds };
}

async function compareWithReference(
  arch: TinyArch,
  dtype: 'F32' | 'F16' | 'BF16',
  positionOffset = 0,
) {
  const ckpt = makeTinyCheckpoint({ arch, dtype });
  const dir = writeCheckpointDir(ckpt);
  const tCreate = performance.now();
  const forward = await loadForward(
    ckpt.files,
    {},
    arch === 'llama' && dtype === 'F32' ? 'all' : 'basic',
  );
  const inputs = fullInputs(2, 7, ckpt.config.vocabSize, positionOffset);
  const t0 = performance.now();
  await forward.run(inputs); // warm-up
  const t1 = performance.now();
  const out = await forward.run(inputs);
  const t2 = performance.now();
  const ref = runReference(dir, {
    inputIds: rows(inputs.inputIds, 2),
    attentionMask: rows(inputs.attentionMask, 2),
    positionIds: rows(inputs.positionIds, 2),
  });
  expect(out.logitsDims).toEqual(ref.shape);
  const err = maxRelError(out.logits, ref.logits);
  console.log(
    `[forward] ${arch} ${dtype}: max rel err ${err.toExponential(2)}; session ${(t0 - tCreate).toFixed(0)} ms, ` +
      `first run ${(t1 - t0).toFixed(1)} ms, run ${(t2 - t1).toFixed(1)} ms (B=2, T=7); NumPy ref ${(performance.now() - t2).toFixed(0)} ms`,
  );
  await forward.release();
  return { err, ref, ckpt };
}

describe('Llama-family forward graph vs NumPy reference', { timeout: COLD_START_TIMEOUT }, () => {
  it('Llama (GQA 4/2, untied) matches', async () => {
    const { err } = await compareWithReference('llama', 'F32');
    expect(err).toBeLessThan(TOL);
  });

  it('Qwen2 (q/k/v bias, tied embeddings, GQA 4/1) matches', async () => {
    const { err, ckpt } = await compareWithReference('qwen2', 'F32');
    expect(ckpt.config.tieWordEmbeddings).toBe(true);
    expect(ckpt.tensors.has('model.layers.0.self_attn.q_proj.bias')).toBe(true);
    expect(err).toBeLessThan(TOL);
  });

  it('llama3 RoPE scaling and explicit head_dim match (inv_freq and logits)', async () => {
    const { err, ref, ckpt } = await compareWithReference('llama3', 'F32', 40);
    expect(err).toBeLessThan(TOL);
    const ours = ropeInvFreq(ckpt.config);
    expect(maxRelError(ours, ref.invFreq)).toBeLessThan(1e-6);
    // The scaling must actually change some frequencies (else this test proves nothing).
    const unscaled = ropeInvFreq({ ...ckpt.config, ropeScaling: null });
    const changed = ours.filter((f, i) => Math.abs(f - unscaled[i]) > 1e-3 * unscaled[i]).length;
    expect(changed).toBeGreaterThan(2);
    expect(changed).toBeLessThan(ours.length);
  });

  it.each(['BF16', 'F16'] as const)(
    'loads a %s checkpoint (widened to f32) and matches',
    async (dtype) => {
      const { err } = await compareWithReference('llama', dtype);
      expect(err).toBeLessThan(TOL);
    },
  );
});

describe('KV cache, padding, LoRA, last-position logits', { timeout: COLD_START_TIMEOUT }, () => {
  it('prefill then one decode step with past equals full recomputation', async () => {
    const ckpt = makeTinyCheckpoint({ arch: 'llama' });
    const forward = await loadForward(ckpt.files);
    const full = fullInputs(2, 6, ckpt.config.vocabSize);
    const fullOut = await forward.run(full);
    const V = ckpt.config.vocabSize;
    const pick = (x: Int32Array, seq: number, from: number, to: number) =>
      Int32Array.from([0, 1].flatMap((b) => Array.from(x.slice(b * seq + from, b * seq + to))));
    const prefill = await forward.run({
      batch: 2,
      seq: 5,
      inputIds: pick(full.inputIds, 6, 0, 5),
      attentionMask: new Int32Array(10).fill(1),
      positionIds: pick(full.positionIds, 6, 0, 5),
    });
    expect(prefill.present?.pastLength).toBe(5);
    const step = await forward.run({
      batch: 2,
      seq: 1,
      inputIds: pick(full.inputIds, 6, 5, 6),
      attentionMask: new Int32Array(12).fill(1),
      positionIds: pick(full.positionIds, 6, 5, 6),
      past: prefill.present,
    });
    expect(step.logitsDims).toEqual([2, 1, V]);
    expect(step.present?.keys[0].dims).toEqual([2, ckpt.config.numKvHeads, 6, ckpt.config.headDim]);
    const fullLast = [0, 1].flatMap((b) =>
      Array.from(fullOut.logits.slice((b * 6 + 5) * V, (b * 6 + 6) * V)),
    );
    const err = maxRelError(step.logits, fullLast);
    console.log(`[forward] kv-cache decode vs full: max rel err ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-5);
    await forward.release();
  });

  it('a left-padded batch (prefill + cached decode, int32 or f32 mask) equals each sequence alone', async () => {
    const ckpt = makeTinyCheckpoint({ arch: 'qwen2' });
    const forward = await loadForward(ckpt.files);
    const floatMask = await loadForward(ckpt.files, { maskType: 'float32' });
    const V = ckpt.config.vocabSize;
    const long = [5, 17, 301, 42, 99, 7, 250];
    const short = [11, 480, 3, 64];
    const next = [77, 123];
    const T = long.length;
    const pad = T - short.length;
    const inputIds = Int32Array.from([...long, ...new Array(pad).fill(0), ...short]);
    const attentionMask = Int32Array.from([
      ...new Array(T).fill(1),
      ...new Array(pad).fill(0),
      ...new Array(short.length).fill(1),
    ]);
    const positionIds = positionIdsFromMask(attentionMask, 2, T);
    expect(Array.from(positionIds.slice(T))).toEqual([1, 1, 1, 0, 1, 2, 3]);
    const batched = await forward.run({ batch: 2, seq: T, inputIds, attentionMask, positionIds });
    const batchedF = await floatMask.run({
      batch: 2,
      seq: T,
      inputIds,
      attentionMask: Float32Array.from(attentionMask),
      positionIds,
    });
    expect(maxRelError(batchedF.logits, batched.logits)).toBeLessThan(1e-6);
    // One decode step for both rows on top of the padded cache.
    const stepMask = Int32Array.from([
      ...attentionMask.slice(0, T),
      1,
      ...attentionMask.slice(T),
      1,
    ]);
    const step = await forward.run({
      batch: 2,
      seq: 1,
      inputIds: Int32Array.from(next),
      attentionMask: stepMask,
      positionIds: positionIdsFromMask(stepMask, 2, 1),
      past: batched.present,
    });
    expect(Array.from(positionIdsFromMask(stepMask, 2, 1))).toEqual([T, short.length]);
    let worst = 0;
    for (const [row, ids] of [long, short].entries()) {
      const all = Int32Array.from([...ids, next[row]]);
      const alone = await forward.run({
        batch: 1,
        seq: all.length,
        inputIds: all,
        attentionMask: new Int32Array(all.length).fill(1),
        positionIds: Int32Array.from(all, (_, i) => i),
      });
      const offset = row === 0 ? 0 : pad;
      const fromBatch = batched.logits.slice((row * T + offset) * V, (row + 1) * T * V);
      worst = Math.max(worst, maxRelError(fromBatch, alone.logits.slice(0, ids.length * V)));
      const fromStep = step.logits.slice(row * V, (row + 1) * V);
      worst = Math.max(worst, maxRelError(fromStep, alone.logits.slice(ids.length * V)));
    }
    console.log(
      `[forward] left-padded batch + decode vs single: max rel err ${worst.toExponential(2)}`,
    );
    expect(worst).toBeLessThan(1e-5);
    await Promise.all([forward.release(), floatMask.release()]);
  });

  it('unmerged LoRA on all seven projections matches the reference', async () => {
    const ckpt = makeTinyCheckpoint({ arch: 'llama' });
    const dir = writeCheckpointDir(ckpt);
    const lora = makeTinyLora(ckpt.config, LORA_MODULES, 4);
    const scale = 8 / 4;
    const forward = await loadForward(ckpt.files, { loraModules: LORA_MODULES });
    forward.setLora({ scale, tensors: lora });
    const inputs = fullInputs(2, 5, ckpt.config.vocabSize);
    const out = await forward.run(inputs);
    const request = {
      inputIds: rows(inputs.inputIds, 2),
      attentionMask: rows(inputs.attentionMask, 2),
      positionIds: rows(inputs.positionIds, 2),
    };
    const ref = runReference(dir, { ...request, lora: { path: writeLoraFile(dir, lora), scale } });
    const err = maxRelError(out.logits, ref.logits);
    console.log(`[forward] LoRA x7: max rel err ${err.toExponential(2)}`);
    expect(err).toBeLessThan(TOL);
    // The adapter must matter: the base model's logits are far from the adapted ones.
    const base = runReference(dir, request);
    expect(maxRelError(base.logits, ref.logits)).toBeGreaterThan(1e-2);
    await forward.release();
  });

  it('lastLogitsOnly returns exactly the last position of the full logits', async () => {
    const ckpt = makeTinyCheckpoint({ arch: 'qwen2' });
    const full = await loadForward(ckpt.files);
    const last = await loadForward(ckpt.files, { lastLogitsOnly: true, withPresent: false });
    const inputs = fullInputs(2, 4, ckpt.config.vocabSize);
    const a = await full.run(inputs);
    const b = await last.run(inputs);
    const V = ckpt.config.vocabSize;
    expect(b.logitsDims).toEqual([2, 1, V]);
    expect(b.present).toBeUndefined();
    const expected = [0, 1].flatMap((r) =>
      Array.from(a.logits.slice((r * 4 + 3) * V, (r * 4 + 4) * V)),
    );
    expect(maxRelError(b.logits, expected)).toBeLessThan(1e-6);
    await Promise.all([full.release(), last.release()]);
  });
});
