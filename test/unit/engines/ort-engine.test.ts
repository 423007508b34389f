// OrtEngine generation on the wasm EP (the app's /webgpu entry under Node) with tiny random
// Llama and Qwen2 checkpoints and real tokenizers: KV-cache decoding against full
// recomputation, batching against single runs, seeds, stops, limits, streaming, cancel.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { argmax } from '../../../src/lib/engines/generation/sampler';
import type { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { OrtEngine as Engine } from '../../../src/lib/engines/onnx/ort-engine';
import { checkFits } from '../../../src/lib/engines/onnx/device';
import { CancelledError, InputError, ModelLoadError } from '../../../src/lib/protocol/errors';
import {
  loadTinyEngine,
  nodeOrt,
  tinyModel,
  tinyModelFileList,
  type EngineArch,
} from './ort-fixtures';
import { loadFolder } from '../../helpers/model-folder';

// Two shared cores: the first ORT session (wasm compile) alone can take seconds under load.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const PROMPTS = [
  'The quick brown fox jumps over the lazy dog because',
  'Hello',
  'In 1492, a sailor',
];

/** Greedy decoding by running the whole sequence again for every token (no KV cache). */
async function greedyByRecompute(engine: OrtEngine, prompt: string, maxTokens: number) {
  const { runner, tokenizer, noAdapter } = engine.loaded;
  const ids = Array.from(engine.loaded.tokenize(prompt));
  const out: number[] = [];
  const V = runner.config.vocabSize;
  while (out.length < maxTokens) {
    const seq = ids.length;
    const r = await runner.run({
      batch: 1,
      seq,
      inputIds: Int32Array.from(ids),
      attentionMask: new Int32Array(seq).fill(1),
      lora: noAdapter,
      logits: 'last',
    });
    const next = argmax(r.logits.subarray(0, V));
    if (tokenizer.isEos(next)) break;
    out.push(next);
    ids.push(next);
  }
  return out;
}

describe.each(['llama', 'qwen2'] as EngineArch[])('OrtEngine %s', (arch) => {
  let engine: OrtEngine;
  beforeAll(async () => {
    engine = await loadTinyEngine(arch);
  });
  afterAll(() => engine.unload());

  it('greedy generation with the KV cache equals full recomputation token for token', async () => {
    const [r] = await engine.generateBatch([{ prompt: PROMPTS[0], maxTokens: 10, temperature: 0 }]);
    const reference = await greedyByRecompute(engine, PROMPTS[0], 10);
    expect(r.tokenIds.length).toBeGreaterThan(3);
    expect(r.tokenIds).toEqual(reference);
  });

  it('a left-padded batch of different lengths equals one request at a time', async () => {
    const reqs = PROMPTS.map((prompt) => ({ prompt, maxTokens: 8, temperature: 0 }));
    const batched = await engine.generateBatch(reqs);
    expect(new Set(reqs.map((q) => engine.loaded.tokenize(q.prompt).length)).size).toBe(3);
    for (const [i, req] of reqs.entries()) {
      const [alone] = await engine.generateBatch([req]);
      expect(batched[i].tokenIds).toEqual(alone.tokenIds);
      expect(batched[i].text).toBe(alone.text);
    }
  });

  it('chat prompts go through the chat template with the generation prompt', async () => {
    const messages = [{ role: 'user' as const, content: 'Name a colour.' }];
    const r = await engine.generate({ prompt: messages, maxTokens: 3, temperature: 0 });
    const rendered = engine.loaded.render(messages);
    expect(rendered).toContain('Name a colour.');
    expect(rendered).toMatch(arch === 'llama' ? /\[\/INST\]$/ : /<\|im_start\|>assistant\n$/);
    expect(r.promptTokens).toBe(engine.loaded.tokenize(messages).length);
  });
});

describe('OrtEngine sampling, stops, streaming, cancel (llama)', () => {
  let engine: OrtEngine;
  beforeAll(async () => {
    engine = await loadTinyEngine('llama');
  });
  afterAll(() => engine.unload());
  const sampled = { prompt: PROMPTS[2], maxTokens: 12, temperature: 1, topP: 0.95, topK: 200 };

  it('the same seed gives the same text, another seed another text', async () => {
    const a = await engine.generate({ ...sampled, seed: 7 });
    const b = await engine.generate({ ...sampled, seed: 7 });
    const c = await engine.generate({ ...sampled, seed: 8 });
    expect(a.text.length).toBeGreaterThan(0);
    expect(b.text).toBe(a.text);
    expect(c.text).not.toBe(a.text);
  });

  it('streamed pieces concatenate to the final text; maxTokens ends with "length"', async () => {
    const pieces: string[] = [];
    const r = await engine.generate({ ...sampled, seed: 3 }, { onToken: (p) => pieces.push(p) });
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.join('')).toBe(r.text);
    expect(r.completionTokens).toBe(12);
    expect(r.finishReason).toBe('length');
  });

  it('a stop string ends generation before it, and is not emitted', async () => {
    const full = await engine.generate({ ...sampled, seed: 5 });
    const stop = full.text.slice(
      Math.floor(full.text.length / 2),
      Math.floor(full.text.length / 2) + 3,
    );
    expect(stop.length).toBe(3);
    const pieces: string[] = [];
    const r = await engine.generate(
      { ...sampled, seed: 5, stop: [stop] },
      { onToken: (p) => pieces.push(p) },
    );
    expect(r.finishReason).toBe('stop');
    expect(r.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
    expect(pieces.join('')).toBe(r.text);
    expect(r.completionTokens).toBeLessThan(full.completionTokens);
  });

  it('a prompt longer than the context is refused with InputError', async () => {
    const long = 'word '.repeat(600);
    await expect(engine.generate({ prompt: long, maxTokens: 1, temperature: 0 })).rejects.toThrow(
      /context is 512/,
    );
    await expect(
      engine.generate({ prompt: long, maxTokens: 1, temperature: 0 }),
    ).rejects.toBeInstanceOf(InputError);
  });

  it('cancellation between tokens rejects with CancelledError', async () => {
    const ac = new AbortController();
    let pieces = 0;
    const run = engine.generate(
      { ...sampled, maxTokens: 50, seed: 1 },
      { signal: ac.signal, onToken: () => ++pieces === 2 && ac.abort() },
    );
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    expect(pieces).toBeLessThan(4);
    // The engine still works afterwards.
    expect((await engine.generate({ ...sampled, maxTokens: 2, seed: 1 })).completionTokens).toBe(2);
  });
});

describe('OrtEngine loading', () => {
  it('loads a local folder (File objects) and reports the model', async () => {
    const engine = new Engine({ ort: nodeOrt });
    const info = await engine.load({
      id: 'tiny',
      source: 'local',
      files: tinyModelFileList('llama'),
      device: 'wasm',
    });
    expect(info).toMatchObject({
      engine: 'onnx',
      device: 'wasm',
      dtype: 'fp32',
      contextLength: 512,
    });
    expect(info.parameters).toBeGreaterThan(4_000_000);
    await engine.unload();
  });

  it('refuses unsupported architectures with ModelLoadError', async () => {
    const { files } = tinyModel('llama');
    const engine = new Engine({ ort: nodeOrt });
    const bad = { ...files, config: { ...files.config, architectures: ['GPT2LMHeadModel'] } };
    await expect(loadFolder(engine, bad, 'wasm')).rejects.toThrow(
      /Unsupported architecture GPT2LMHeadModel/,
    );
  });

  it('refuses weights bigger than the device allows per buffer or in total', () => {
    const device = {
      kind: 'webgpu' as const,
      shaderF16: false,
      maxBufferSize: 2 ** 28,
      maxStorageBufferBindingSize: 2 ** 27,
    };
    expect(() => checkFits('m', [['lm_head.weight', 2 ** 28]], device)).toThrow(ModelLoadError);
    expect(() => checkFits('m', [['lm_head.weight', 2 ** 28]], device)).toThrow(
      /lm_head.weight.*256 MB.*128 MB/,
    );
    expect(
      checkFits(
        'm',
        [
          ['a', 2 ** 20],
          ['b', 2 ** 20],
        ],
        device,
      ),
    ).toBe(2 ** 21);
    const wasm = {
      ...device,
      kind: 'wasm' as const,
      maxBufferSize: 2 ** 31,
      maxStorageBufferBindingSize: 2 ** 31,
    };
    const many = Array.from({ length: 20 }, (_, i): [string, number] => [`w${i}`, 2 ** 27]);
    expect(() => checkFits('m', many, wasm)).toThrow(/too big for the wasm backend/);
  });
});
