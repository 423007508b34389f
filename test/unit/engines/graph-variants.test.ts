// Graph variants by LoRA module set (issue 14 item 2; runner-variants.ts): the base model runs
// a graph with no LoRA inputs, an adapter a graph with LoRA sites on exactly its target modules.
// Each variant's logits equal the old all-module graph (LoRA on all seven projections, zero
// factors where the adapter has none) to ~1e-5, for full and last-position logits; the engine
// picks the variant that fits each request, switches back and forth without changing any
// result, and keeps one embedded (weights-holding) decode session on wasm.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import type { AdapterSpec } from '../../../src/lib/engines/engine';
import {
  adapterToLoraInputs,
  loraTensorsToAdapter,
  NO_ADAPTER,
  padLoraInputs,
  zeroLoraInputs,
  type LoraInputs,
} from '../../../src/lib/engines/onnx/adapters';
import { LORA_MODULES, type LoraModule } from '../../../src/lib/engines/onnx/llama-graph';
import { LlamaForward, positionIdsFromMask } from '../../../src/lib/engines/onnx/llama-session';
import type { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { maxRelError } from '../../helpers/rel-error';
import { loadTinyEngine, nodeOrt, tinyModel } from './ort-fixtures';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PROMPT = 'The quick brown fox jumps over the lazy dog because';
const QV: LoraModule[] = ['q_proj', 'v_proj'];

let engine: OrtEngine;
/** The graph every request ran before: LoRA inputs on all seven projections. */
let allModules: { all: LlamaForward; last: LlamaForward };
let qv: AdapterSpec;
let seven: AdapterSpec;

beforeAll(async () => {
  engine = await loadTinyEngine('llama');
  const { ckpt } = tinyModel('llama');
  await nodeOrt();
  const create = (lastLogitsOnly: boolean) =>
    LlamaForward.create(ort, engine.loaded.config, ckpt.tensors, {
      loraModules: LORA_MODULES,
      lastLogitsOnly,
    });
  allModules = { all: await create(false), last: await create(true) };
  const config = engine.loaded.config;
  qv = loraTensorsToAdapter('qv', config, makeTinyLora(config, QV, 8, 7), QV, 8, 16);
  seven = loraTensorsToAdapter(
    'seven',
    config,
    makeTinyLora(config, LORA_MODULES, 4, 11),
    LORA_MODULES,
    4,
    8,
  );
  await engine.addAdapter(qv);
  await engine.addAdapter(seven);
});

afterAll(async () => {
  await engine.unload();
  await allModules.all.release();
  await allModules.last.release();
});

function ids(): Int32Array {
  return engine.loaded.tokenize(PROMPT);
}

/** Logits of the runner (the variant it picks) and which variant ran. */
async function ours(lora: LoraInputs, which: 'all' | 'last') {
  const input = ids();
  const r = await engine.loaded.runner.run({
    batch: 1,
    seq: input.length,
    inputIds: input,
    attentionMask: new Int32Array(input.length).fill(1),
    lora,
    logits: which,
  });
  for (let i = 0; i < r.present.keys.length; i++) {
    r.present.keys[i].dispose();
    r.present.values[i].dispose();
  }
  return r;
}

/** Logits of the all-module graph, fed `lora` padded with zero factors to all seven. */
async function reference(lora: LoraInputs, which: 'all' | 'last') {
  const forward = allModules[which];
  const padded = padLoraInputs(lora, forward.config, LORA_MODULES);
  forward.setLora({ scale: padded.scale, tensors: padded.tensors });
  const input = ids();
  const mask = new Int32Array(input.length).fill(1);
  const r = await forward.run({
    batch: 1,
    seq: input.length,
    inputIds: input,
    attentionMask: mask,
    positionIds: positionIdsFromMask(mask, 1, input.length),
  });
  return r.logits;
}

describe('graph variants by LoRA module set', () => {
  for (const which of ['all', 'last'] as const) {
    it(`base model (${which} logits): the LoRA-free graph equals zero LoRA on all seven`, async () => {
      const r = await ours(NO_ADAPTER, which);
      expect(r.variant).toBe(`${which}:none`);
      const zero = await reference(zeroLoraInputs(engine.loaded.config), which);
      expect(r.logits.length).toBe(zero.length);
      expect(maxRelError(r.logits, zero)).toBeLessThan(1e-5);
    });

    it(`q,v adapter (${which} logits): LoRA on q,v only equals the all-module graph`, async () => {
      const lora = adapterToLoraInputs(qv, engine.loaded.config);
      expect(lora.modules).toEqual(QV);
      const r = await ours(lora, which);
      expect(r.variant).toBe(`${which}:q_proj,v_proj`);
      const ref = await reference(lora, which);
      expect(maxRelError(r.logits, ref)).toBeLessThan(1e-5);
      // The adapter changes the output, so the comparison above is not base vs base.
      const base = await ours(NO_ADAPTER, which);
      expect(maxRelError(r.logits, base.logits)).toBeGreaterThan(1e-3);
    });
  }

  it('an adapter on all seven projections runs the seven-module variant', async () => {
    const lora = adapterToLoraInputs(seven, engine.loaded.config);
    const r = await ours(lora, 'last');
    expect(r.variant).toBe(`last:${LORA_MODULES.join(',')}`);
    expect(maxRelError(r.logits, await reference(lora, 'last'))).toBeLessThan(1e-5);
  });

  it('the base-model graphs have no LoRA inputs; an adapter graph has exactly its modules', async () => {
    const names = (which: 'all' | 'last', lora: LoraInputs) =>
      engine.loaded.runner.run({
        batch: 1,
        seq: 1,
        inputIds: Int32Array.of(1),
        attentionMask: Int32Array.of(1),
        lora,
        logits: which,
      });
    await names('all', NO_ADAPTER);
    const keys = engine.loaded.runner.variants.keys;
    expect(keys).toContain('all:none');
    const inputs = await engine.loaded.runner.variants.use('all', [], async (v) =>
      v.graph.inputNames.filter((n) => n.startsWith('lora.')),
    );
    expect(inputs).toEqual([]);
    const qvInputs = await engine.loaded.runner.variants.use('all', QV, async (v) =>
      v.graph.inputNames.filter((n) => n.startsWith('lora.')),
    );
    const layers = engine.loaded.config.numLayers;
    expect(qvInputs).toHaveLength(layers * 4 + 1); // A and B of q and v per layer, and the scale
    expect(qvInputs.every((n) => /\.(q_proj|v_proj)\.|^lora\.scale$/.test(n))).toBe(true);
  });

  it('wasm keeps one embedded decode variant: switching adapters rebuilds it', async () => {
    const runner = engine.loaded.runner;
    await ours(adapterToLoraInputs(qv, runner.config), 'last');
    await ours(NO_ADAPTER, 'last');
    const last = runner.variants.keys.filter((k) => k.startsWith('last:'));
    expect(last).toEqual(['last:none']);
    // Fed-weight variants (full logits) hold no weights, so several stay compiled.
    await ours(adapterToLoraInputs(qv, runner.config), 'all');
    await ours(NO_ADAPTER, 'all');
    expect(runner.variants.keys.filter((k) => k.startsWith('all:')).length).toBeGreaterThan(1);
  });

  it('switching adapters back and forth through the engine changes no result', async () => {
    const prompts = [PROMPT];
    const score = async (adapterId?: string) =>
      (await engine.score({ prompts, continuations: [' and', ' the sky'], adapterId })).logprobs[0];
    const generate = async (adapterId?: string) =>
      (await engine.generate({ prompt: PROMPT, maxTokens: 3, temperature: 0, adapterId })).text;
    const first = new Map<string, { s: number[]; g: string }>();
    for (const id of [undefined, 'qv', undefined, 'seven', 'qv']) {
      const got = { s: await score(id), g: await generate(id) };
      const key = id ?? 'base';
      const seen = first.get(key);
      if (!seen) first.set(key, got);
      else {
        expect(got.g).toBe(seen.g);
        for (const [i, v] of got.s.entries()) expect(v).toBeCloseTo(seen.s[i], 5);
      }
    }
    // Three different models were really run.
    const base = first.get('base')!.s;
    expect(Math.abs(first.get('qv')!.s[1] - base[1])).toBeGreaterThan(1e-4);
    expect(Math.abs(first.get('seven')!.s[1] - base[1])).toBeGreaterThan(1e-4);
  });
});
