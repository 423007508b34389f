// The merged adapter mode (issue 14 item 2; merged-weights.ts): one adapter folded into the
// weights the runner's sessions read. Its logits equal the unmerged run and the reference
// graph (LoRA inputs on all seven projections, llama-session.ts) to 1e-4 for full and last
// logits; switching A → none → B → A restores the base EXACTLY (re-read from the checkpoint
// bytes, not subtracted); scores and greedy text agree with the unmerged mode; runs with
// another adapter while one is merged stay correct, and a merge waits for the run in flight
// (overlapping engine CALLS are not supported on wasm at all: onnxruntime-web runs one at a
// time); f16 weights merge too; int4 weights never merge.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import type { AdapterSpec } from '../../../src/lib/engines/engine';
import {
  loraTensorsToAdapter,
  NO_ADAPTER,
  padLoraInputs,
  type LoraInputs,
} from '../../../src/lib/engines/onnx/adapters';
import { LORA_MODULES, type LoraModule } from '../../../src/lib/engines/onnx/llama-graph';
import { LlamaForward, positionIdsFromMask } from '../../../src/lib/engines/onnx/llama-session';
import { addLoraDelta } from '../../../src/lib/engines/onnx/merged-weights';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { loadFolder } from '../../helpers/model-folder';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { maxRelError } from '../../helpers/rel-error';
import { loadTinyEngine, nodeOrt, tinyModel } from './ort-fixtures';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PROMPT = 'The quick brown fox jumps over the lazy dog because';
const QV: LoraModule[] = ['q_proj', 'v_proj'];

let engine: OrtEngine;
let reference: LlamaForward;
let a: AdapterSpec;
let b: AdapterSpec;

beforeAll(async () => {
  engine = await loadTinyEngine('llama');
  const config = engine.loaded.config;
  await nodeOrt();
  reference = await LlamaForward.create(ort, config, tinyModel('llama').ckpt.tensors, {
    loraModules: LORA_MODULES,
  });
  a = loraTensorsToAdapter(
    'a',
    config,
    makeTinyLora(config, LORA_MODULES, 8, 3),
    LORA_MODULES,
    8,
    16,
  );
  b = loraTensorsToAdapter('b', config, makeTinyLora(config, QV, 4, 5), QV, 4, 8);
  await engine.addAdapter(a);
  await engine.addAdapter(b);
});

afterAll(async () => {
  await engine.unload();
  await reference.release();
});

/** Logits of one run of the runner (whatever weights it holds) and the variant it took. */
async function run(e: OrtEngine, lora: LoraInputs, logits: 'all' | 'last') {
  const ids = e.loaded.tokenize(PROMPT);
  const r = await e.loaded.runner.run({
    batch: 1,
    seq: ids.length,
    inputIds: ids,
    attentionMask: new Int32Array(ids.length).fill(1),
    lora,
    logits,
  });
  for (const t of [...r.present.keys, ...r.present.values]) t.dispose();
  return r;
}

async function referenceLogits(lora: LoraInputs): Promise<Float32Array> {
  const padded = padLoraInputs(lora, reference.config, LORA_MODULES);
  reference.setLora({ scale: padded.scale, tensors: padded.tensors });
  const ids = engine.loaded.tokenize(PROMPT);
  const mask = new Int32Array(ids.length).fill(1);
  const r = await reference.run({
    batch: 1,
    seq: ids.length,
    inputIds: ids,
    attentionMask: mask,
    positionIds: positionIdsFromMask(mask, 1, ids.length),
  });
  return r.logits;
}

describe('merged adapter mode', () => {
  it('addLoraDelta adds s·(A·B)ᵀ in the [out, in] layout', () => {
    // in 2, out 3, rank 1: A [2, 1], B [1, 3].
    const w = new Float32Array(6);
    addLoraDelta(w, Float32Array.of(1, 2), Float32Array.of(1, 10, 100), 1, 2, 3, 0.5);
    expect([...w]).toEqual([0.5, 1, 5, 10, 50, 100]);
  });

  it('merged logits equal unmerged and the reference to 1e-4 (full and last logits)', async () => {
    const runner = engine.loaded.runner;
    const lora = engine.adapterInputs('a');
    await runner.mergeAdapter(null);
    const unmerged = await run(engine, lora, 'all');
    expect(unmerged.variant).toBe(`all:${LORA_MODULES.join(',')}`);
    const ref = await referenceLogits(lora);
    expect(maxRelError(unmerged.logits, ref)).toBeLessThan(1e-4);
    await runner.mergeAdapter(lora);
    expect(runner.mergedAdapter).toBe(lora);
    for (const which of ['all', 'last'] as const) {
      const merged = await run(engine, lora, which);
      expect(merged.variant).toBe(`${which}:none`); // no LoRA nodes run
      const want = which === 'all' ? ref : ref.subarray(ref.length - merged.logits.length);
      expect(maxRelError(merged.logits, want)).toBeLessThan(1e-4);
    }
    // The adapter really changes the model, so the agreement above is not base vs base.
    const base = await referenceLogits(NO_ADAPTER);
    expect(maxRelError(base, ref)).toBeGreaterThan(1e-3);
  });

  it('A → none → B → A: every step equals its unmerged run; the base comes back exactly', async () => {
    const runner = engine.loaded.runner;
    await runner.mergeAdapter(null);
    const la = engine.adapterInputs('a');
    const lb = engine.adapterInputs('b');
    const want = new Map<LoraInputs, Float32Array>();
    for (const lora of [NO_ADAPTER, la, lb])
      want.set(lora, (await run(engine, lora, 'all')).logits);
    for (const lora of [la, NO_ADAPTER, lb, la]) {
      await runner.mergeAdapter(lora === NO_ADAPTER ? null : lora);
      const got = (await run(engine, lora, 'all')).logits;
      if (lora === NO_ADAPTER)
        expect(maxRelError(got, want.get(lora)!)).toBe(0); // bit for bit
      else expect(maxRelError(got, want.get(lora)!)).toBeLessThan(1e-4);
    }
    // A run with another adapter while A is merged restores the base first.
    expect(runner.mergedAdapter).toBe(la);
    expect((await run(engine, NO_ADAPTER, 'last')).variant).toBe('last:none');
    expect(runner.mergedAdapter).toBeNull();
    expect(maxRelError((await run(engine, NO_ADAPTER, 'all')).logits, want.get(NO_ADAPTER)!)).toBe(
      0,
    );
  });

  it('scores and greedy text through the engine agree with the unmerged mode, in any order', async () => {
    const call = async (adapterId?: string) => ({
      s: (await engine.score({ prompts: [PROMPT], continuations: [' and', ' the sky'], adapterId }))
        .logprobs[0],
      g: (await engine.generate({ prompt: PROMPT, maxTokens: 3, temperature: 0, adapterId })).text,
    });
    const order = ['a', undefined, 'b', 'a'];
    engine.adapterMode = 'unmerged';
    await engine.loaded.runner.mergeAdapter(null);
    const unmerged = [];
    for (const id of order) unmerged.push(await call(id));
    expect(engine.loaded.runner.mergedAdapter).toBeNull();
    engine.adapterMode = 'merged';
    for (const [i, id] of order.entries()) {
      const got = await call(id);
      expect(engine.loaded.runner.mergedAdapter).toBe(id ? engine.adapterInputs(id) : null);
      expect(got.g).toBe(unmerged[i].g);
      for (const [j, v] of got.s.entries()) expect(v).toBeCloseTo(unmerged[i].s[j], 4);
    }
    engine.adapterMode = 'auto';
  });

  it('a merge asked for while a run is in flight waits for it (the run sees the base)', async () => {
    const runner = engine.loaded.runner;
    await runner.mergeAdapter(null);
    const base = (await run(engine, NO_ADAPTER, 'all')).logits;
    const la = engine.adapterInputs('a');
    const during = run(engine, NO_ADAPTER, 'all');
    const merging = runner.mergeAdapter(la);
    expect(maxRelError((await during).logits, base)).toBe(0);
    await merging;
    expect(runner.mergedAdapter).toBe(la);
  });

  it('auto merges a kept adapter on wasm; removing it restores the base', async () => {
    engine.adapterMode = 'auto';
    const once = (adapterId?: string) =>
      engine.generate({ prompt: PROMPT, maxTokens: 1, temperature: 0, adapterId });
    const runner = engine.loaded.runner;
    await once();
    await once('a'); // from the base: merged at once
    expect(runner.mergedAdapter).toBe(engine.adapterInputs('a'));
    await once('b'); // from another adapter: unmerged first ...
    expect(runner.mergedAdapter).toBeNull();
    await once('b'); // ... merged when kept
    const lb = engine.adapterInputs('b');
    expect(runner.mergedAdapter).toBe(lb);
    await engine.removeAdapter('b');
    expect(engine.loaded.runner.mergedAdapter).toBeNull();
    await engine.addAdapter(b);
  });

  it('re-adding a merged adapter under its id unfolds the old weights; the new one scores as unmerged', async () => {
    engine.adapterMode = 'merged';
    const runner = engine.loaded.runner;
    const req = { prompts: [PROMPT], continuations: [' cat', ' dog'] };
    await engine.score({ ...req, adapterId: 'b' });
    expect(runner.mergedAdapter).toBe(engine.adapterInputs('b'));
    const b2 = loraTensorsToAdapter(
      'b',
      engine.loaded.config,
      makeTinyLora(engine.loaded.config, QV, 4, 9),
      QV,
      4,
      8,
    );
    await engine.addAdapter(b2);
    expect(runner.mergedAdapter).toBeNull();
    const merged = (await engine.score({ ...req, adapterId: 'b' })).logprobs[0];
    engine.adapterMode = 'unmerged';
    const unmerged = (await engine.score({ ...req, adapterId: 'b' })).logprobs[0];
    expect(maxRelError(merged, unmerged)).toBeLessThan(1e-4);
    engine.adapterMode = 'auto';
    await engine.addAdapter(b);
  });

  it('f16 weights merge too (to f16 rounding) and restore exactly', async () => {
    const e = new OrtEngine({ ort: nodeOrt, adapterMode: 'unmerged' });
    await loadFolder(e, tinyModel('llama').files, { device: 'wasm', dtype: 'fp16' });
    try {
      await e.addAdapter(a);
      const lora = e.adapterInputs('a');
      const base = (await run(e, NO_ADAPTER, 'all')).logits;
      const unmerged = (await run(e, lora, 'all')).logits;
      await e.loaded.runner.mergeAdapter(lora);
      const merged = (await run(e, lora, 'all')).logits;
      // W + ΔW is rounded to f16 once instead of W alone: about f16's 2^-11 relative step.
      expect(maxRelError(merged, unmerged)).toBeLessThan(5e-3);
      expect(maxRelError(base, unmerged)).toBeGreaterThan(1e-2);
      await e.loaded.runner.mergeAdapter(null);
      expect(maxRelError((await run(e, NO_ADAPTER, 'all')).logits, base)).toBe(0);
    } finally {
      await e.unload();
    }
  });

  it('int4 weights never merge: the adapter runs unmerged even in merged mode', async () => {
    const e = new OrtEngine({ ort: nodeOrt, adapterMode: 'merged' });
    await loadFolder(e, tinyModel('llama').files, { device: 'wasm', dtype: 'int4' });
    try {
      await e.addAdapter(b);
      expect(e.loaded.runner.canMerge).toBe(false);
      await e.generate({ prompt: PROMPT, maxTokens: 1, temperature: 0, adapterId: 'b' });
      expect(e.loaded.runner.mergedAdapter).toBeNull();
      expect((await run(e, e.adapterInputs('b'), 'last')).variant).toBe('last:q_proj,v_proj');
      await expect(e.loaded.runner.mergeAdapter(e.adapterInputs('b'))).rejects.toThrow(/int4/);
    } finally {
      await e.unload();
    }
  });
});
