// The exported ONNX folder (scripts/export-onnx.ts → engines/onnx/export.ts) loaded by
// transformers.js itself (@huggingface/transformers 4.3.1 with its default Node backend,
// onnxruntime-node on the CPU EP) must decode the same greedy tokens as our OrtEngine on the
// same tiny random Llama checkpoint with the real Llama-2 tokenizer, and give the same prompt
// logits — for the base model (embedded and external-data weights), with a LoRA adapter
// merged into the export vs our engine running it unmerged, and with the adapter kept
// unmerged in the export. The int4 export must equal fp32 on JS-dequantized weights.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  env,
  Tensor,
  type PreTrainedModel,
} from '@huggingface/transformers';
import type { AdapterSpec } from '../../../src/lib/engines/engine';
import { adapterToLoraInputs, loraTensorsToAdapter } from '../../../src/lib/engines/onnx/adapters';
import { exportOnnx, type ExportOptions } from '../../../src/lib/engines/onnx/export';
import { isQuantizable } from '../../../src/lib/engines/onnx/export-graph';
import { dequantizeInt4, quantizeInt4 } from '../../../src/lib/engines/onnx/int4';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import type { F32Tensor } from '../../../src/lib/engines/onnx/safetensors';
import type { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { writeExport } from '../../../scripts/export-onnx';
import { maxRelError } from '../../helpers/rel-error';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { removeTempDirs, tempDir } from '../../helpers/tiny-checkpoint-fs';
import { loadTinyEngine, tinyModel } from './ort-fixtures';

const PROMPT = 'The quick brown fox jumps over the lazy dog because';
const NEW_TOKENS = 12;

env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = '/';

/** Exports the tiny Llama (with options) into a temp folder that transformers.js can load. */
function exportTiny(options: ExportOptions, weights?: Map<string, F32Tensor>): string {
  const { ckpt, files } = tinyModel('llama');
  const dir = tempDir('humpback-export-');
  writeExport(dir, exportOnnx(ckpt.config, weights ?? ckpt.tensors, options), ckpt.configJson);
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
  // Only bos/eos: transformers.js would apply any sampling defaults found here.
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }),
  );
  return dir;
}

async function loadExport(dir: string, dtype: 'fp32' | 'q4' = 'fp32'): Promise<PreTrainedModel> {
  return AutoModelForCausalLM.from_pretrained(dir, {
    local_files_only: true,
    device: 'cpu',
    dtype,
    session_options: { intraOpNumThreads: 1 },
  });
}

const int64 = (ids: Int32Array) =>
  new Tensor(
    'int64',
    BigInt64Array.from(ids, (x) => BigInt(x)),
    [1, ids.length],
  );

async function transformersGreedy(model: PreTrainedModel, ids: Int32Array): Promise<number[]> {
  const mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  const out = (await model.generate({
    input_ids: int64(ids),
    attention_mask: mask,
    max_new_tokens: NEW_TOKENS,
    do_sample: false,
  })) as Tensor;
  return (out.tolist() as bigint[][])[0].slice(ids.length).map(Number);
}

async function transformersLogits(model: PreTrainedModel, ids: Int32Array): Promise<Float32Array> {
  const mask = new Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]);
  const out = (await model({ input_ids: int64(ids), attention_mask: mask })) as {
    logits: Tensor;
  };
  return out.logits.data as Float32Array;
}

async function engineLogits(engine: OrtEngine, ids: Int32Array, adapter?: AdapterSpec) {
  const { runner, noAdapter } = engine.loaded;
  const lora = adapter ? adapterToLoraInputs(adapter, runner.config) : noAdapter;
  const r = await runner.run({
    batch: 1,
    seq: ids.length,
    inputIds: ids,
    attentionMask: new Int32Array(ids.length).fill(1),
    lora,
    logits: 'all',
  });
  return r.logits;
}

async function engineGreedy(engine: OrtEngine, adapterId?: string): Promise<number[]> {
  const [r] = await engine.generateBatch([
    { prompt: PROMPT, maxTokens: NEW_TOKENS, temperature: 0, adapterId },
  ]);
  return r.tokenIds;
}

function argmaxRows(logits: Float32Array, vocab: number): number[] {
  const out: number[] = [];
  for (let row = 0; row * vocab < logits.length; row++) {
    let best = 0;
    for (let v = 1; v < vocab; v++)
      if (logits[row * vocab + v] > logits[row * vocab + best]) best = v;
    out.push(best);
  }
  return out;
}

describe('export → transformers.js', () => {
  let engine: OrtEngine;
  let ids: Int32Array;
  let adapter: AdapterSpec;

  beforeAll(async () => {
    engine = await loadTinyEngine('llama');
    ids = engine.loaded.tokenize(PROMPT);
    const { ckpt } = tinyModel('llama');
    const rank = 4;
    adapter = loraTensorsToAdapter(
      'tiny-lora',
      ckpt.config,
      makeTinyLora(ckpt.config, LORA_MODULES, rank),
      LORA_MODULES,
      rank,
      8,
    );
    await engine.addAdapter(adapter);
  }, 60_000);
  afterAll(async () => {
    await engine.unload();
    removeTempDirs();
  });
  // transformers.js loads a session per export: seconds each on a shared 2-core machine.
  const SLOW = 60_000;

  it(
    'the copied tokenizer encodes the prompt as ours does',
    async () => {
      const tokenizer = await AutoTokenizer.from_pretrained(exportTiny({}), {
        local_files_only: true,
      });
      expect(tokenizer.encode(PROMPT)).toEqual(Array.from(ids));
    },
    SLOW,
  );

  it.each([
    ['embedded initializers', false],
    ['external data file', true],
  ])(
    'fp32 with %s: same greedy tokens and prompt logits',
    async (_, externalData) => {
      const model = await loadExport(exportTiny({ externalData }));
      const ours = await engineGreedy(engine);
      expect(ours.length).toBe(NEW_TOKENS);
      expect(await transformersGreedy(model, ids)).toEqual(ours);
      const err = maxRelError(
        await transformersLogits(model, ids),
        await engineLogits(engine, ids),
      );
      expect(err).toBeLessThan(1e-4);
      await model.dispose();
    },
    SLOW,
  );

  it.each([
    ['merged', true],
    ['unmerged', false],
  ])(
    'LoRA %s in the export matches our engine running it unmerged',
    async (_, merge) => {
      const model = await loadExport(exportTiny({ adapter, merge }));
      const ours = await engineGreedy(engine, adapter.id);
      expect(ours).not.toEqual(await engineGreedy(engine)); // the adapter changes the output
      expect(await transformersGreedy(model, ids)).toEqual(ours);
      const err = maxRelError(
        await transformersLogits(model, ids),
        await engineLogits(engine, ids, adapter),
      );
      expect(err).toBeLessThan(1e-4);
      await model.dispose();
    },
    SLOW,
  );

  it(
    'int4 export (MatMulNBits, block 32) equals fp32 on the dequantized weights',
    async () => {
      const { ckpt } = tinyModel('llama');
      // The same int4 round trip in JS: if MatMulNBits read our packing differently (nibble
      // order, block axis, zero points) the two exports would disagree.
      const dequantized = new Map(ckpt.tensors);
      for (const [name, t] of ckpt.tensors) {
        if (!isQuantizable(name)) continue;
        const [n, k] = t.shape;
        dequantized.set(name, { shape: t.shape, data: dequantizeInt4(quantizeInt4(t.data, n, k)) });
      }
      const reference = exportTiny({}, dequantized);
      const q4Model = await loadExport(exportTiny({ quantize: 'int4' }), 'q4');
      const refModel = await loadExport(reference);
      const q4 = await transformersLogits(q4Model, ids);
      const fp32 = await engineLogits(engine, ids);
      expect(maxRelError(q4, await transformersLogits(refModel, ids))).toBeLessThan(1e-4);
      expect(maxRelError(q4, fp32)).toBeGreaterThan(1e-3); // int4 really changed the weights
      const vocab = ckpt.config.vocabSize;
      const top1 = argmaxRows(fp32, vocab);
      const agree = argmaxRows(q4, vocab).filter((t, i) => t === top1[i]).length;
      expect(agree / ids.length).toBeGreaterThanOrEqual(0.5);
      await q4Model.dispose();
      await refModel.dispose();
    },
    SLOW,
  );
});

describe('export → transformers.js, Qwen2 shape (q/k/v bias, tied embeddings)', () => {
  it('same greedy tokens and prompt logits as our engine', async () => {
    const engine = await loadTinyEngine('qwen2');
    const { ckpt, files } = tinyModel('qwen2');
    const dir = tempDir('humpback-export-');
    const config = engine.loaded.runner.config; // tie resolved from the checkpoint
    writeExport(dir, exportOnnx(config, ckpt.tensors), ckpt.configJson);
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(files.tokenizerJson));
    writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(files.tokenizerConfig));
    writeFileSync(join(dir, 'generation_config.json'), JSON.stringify({ eos_token_id: 151643 }));
    const model = await loadExport(dir);
    const ids = engine.loaded.tokenize(PROMPT);
    const [ours] = await engine.generateBatch([{ prompt: PROMPT, maxTokens: 8, temperature: 0 }]);
    expect(ours.tokenIds.length).toBe(8);
    expect((await transformersGreedy(model, ids)).slice(0, 8)).toEqual(ours.tokenIds);
    const err = maxRelError(await transformersLogits(model, ids), await engineLogits(engine, ids));
    expect(err).toBeLessThan(1e-4);
    await model.dispose();
    await engine.unload();
    removeTempDirs();
  }, 120_000);
});
