// Issue 8 item 7: exported adapters keep their scale. An rsLoRA adapter (PEFT use_rslora,
// scale alpha/√r) exported by `npm run export-onnx -- --adapter` (merged and unmerged) must
// give the logits our runtime gives with the same PEFT files loaded unmerged — and those must
// differ from the plain-LoRA (alpha/r) logits, or the comparison could not catch the bug. The
// merged weight is checked against an independent NumPy merge (test/reference/
// peft_merge_ref.py), and adapter options the runtime refuses are refused by the CLI too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoModelForCausalLM, Tensor } from '@huggingface/transformers';
import type { AdapterSpec } from '../../../src/lib/engines/engine';
import { adapterToLoraInputs } from '../../../src/lib/engines/onnx/adapters';
import { mergeLora } from '../../../src/lib/engines/onnx/export';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  readPeftAdapter,
} from '../../../src/lib/engines/onnx/peft-format';
import type { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { InputError } from '../../../src/lib/protocol/errors';
import type { LoraConfig } from '../../../src/lib/train/lora-config';
import { exportPeftAdapter } from '../../../src/lib/train/peft';
import { main as exportOnnxCli } from '../../../scripts/export-onnx';
import { findPythonWithNumpy } from '../../helpers/python-ref';
import { maxRelError } from '../../helpers/rel-error';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { removeTempDirs, tempDir, writeCheckpointDir } from '../../helpers/tiny-checkpoint-fs';
import { loadTinyEngine, tinyModel } from './ort-fixtures';

const PROMPT = 'The quick brown fox jumps over the lazy dog because';
const REFERENCE = join(import.meta.dirname, '..', '..', 'reference', 'peft_merge_ref.py');
// rank 16: alpha/√r = 2 vs alpha/r = 0.5, a 4x difference in every LoRA delta.
const RS_LORA: LoraConfig = {
  rank: 16,
  alpha: 8,
  dropout: 0,
  targetModules: LORA_MODULES,
  useRslora: true,
};

/** Writes PEFT files (as the Train step's download does) into a new folder. */
function writeAdapterDir(files: Record<string, Uint8Array>): string {
  const dir = tempDir('humpback-peft-');
  for (const [name, bytes] of Object.entries(files)) writeFileSync(join(dir, name), bytes);
  return dir;
}

/** The same folder with adapter_config.json fields patched. */
function patchedAdapterDir(dir: string, patch: Record<string, unknown>): string {
  const cfg = JSON.parse(readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8'));
  return writeAdapterDir({
    [ADAPTER_CONFIG_FILE]: new TextEncoder().encode(JSON.stringify({ ...cfg, ...patch })),
    [ADAPTER_WEIGHTS_FILE]: readFileSync(join(dir, ADAPTER_WEIGHTS_FILE)),
  });
}

function readSpec(id: string, dir: string): AdapterSpec {
  const { ckpt } = tinyModel('llama');
  return readPeftAdapter(
    id,
    ckpt.config,
    readFileSync(join(dir, ADAPTER_CONFIG_FILE), 'utf8'),
    new Uint8Array(readFileSync(join(dir, ADAPTER_WEIGHTS_FILE))),
  );
}

/** Runs the export CLI into a new folder; returns it. */
async function cliExport(modelDir: string, adapterDir: string, merge: boolean): Promise<string> {
  const out = tempDir('humpback-export-');
  mkdirSync(out, { recursive: true });
  const args = ['--model', modelDir, '--out', out, '--adapter', adapterDir];
  expect(await exportOnnxCli(merge ? [...args, '--merge'] : args)).toBe(0);
  // Only bos/eos: transformers.js would apply any sampling defaults found here.
  writeFileSync(
    join(out, 'generation_config.json'),
    JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }),
  );
  return out;
}

async function exportedLogits(dir: string, ids: Int32Array): Promise<Float32Array> {
  const model = await AutoModelForCausalLM.from_pretrained(dir, {
    local_files_only: true,
    device: 'cpu',
    dtype: 'fp32',
    session_options: { intraOpNumThreads: 1 },
  });
  const int64 = (xs: ArrayLike<number>) =>
    new Tensor('int64', BigInt64Array.from(Array.from(xs), BigInt), [1, xs.length]);
  const out = (await model({
    input_ids: int64(ids),
    attention_mask: int64(new Array<number>(ids.length).fill(1)),
  })) as { logits: Tensor };
  const logits = Float32Array.from(out.logits.data as Float32Array);
  await model.dispose();
  return logits;
}

async function runtimeLogits(engine: OrtEngine, ids: Int32Array, adapter: AdapterSpec) {
  const { runner } = engine.loaded;
  const r = await runner.run({
    batch: 1,
    seq: ids.length,
    inputIds: ids,
    attentionMask: new Int32Array(ids.length).fill(1),
    lora: adapterToLoraInputs(adapter, runner.config),
    logits: 'all',
  });
  return r.logits;
}

describe('rsLoRA adapters: export-onnx keeps the alpha/√r scale', () => {
  let engine: OrtEngine;
  let ids: Int32Array;
  let modelDir: string;
  let rsDir: string;
  let rsSpec: AdapterSpec;
  let plainSpec: AdapterSpec;

  beforeAll(async () => {
    const { ckpt } = tinyModel('llama');
    engine = await loadTinyEngine('llama');
    ids = engine.loaded.tokenize(PROMPT);
    modelDir = writeCheckpointDir(ckpt);
    const tensors = makeTinyLora(ckpt.config, RS_LORA.targetModules, RS_LORA.rank, 5);
    rsDir = writeAdapterDir(exportPeftAdapter(ckpt.config, RS_LORA, tensors, 'tiny-llama'));
    rsSpec = readSpec('rs', rsDir);
    plainSpec = readSpec('plain', patchedAdapterDir(rsDir, { use_rslora: false }));
  }, 60_000);
  afterAll(async () => {
    await engine.unload();
    removeTempDirs();
  });
  const SLOW = 60_000;

  it('the runtime applies alpha/√r, so rsLoRA logits differ from plain LoRA', async () => {
    const { runner } = engine.loaded;
    expect(rsSpec.useRslora).toBe(true);
    expect(adapterToLoraInputs(rsSpec, runner.config).scale).toBeCloseTo(8 / 4, 12);
    expect(adapterToLoraInputs(plainSpec, runner.config).scale).toBeCloseTo(8 / 16, 12);
    const rs = await runtimeLogits(engine, ids, rsSpec);
    expect(maxRelError(await runtimeLogits(engine, ids, plainSpec), rs)).toBeGreaterThan(1e-2);
    // The engine's own adapter path (addAdapter → score) sees the difference as well.
    await engine.addAdapter(rsSpec);
    await engine.addAdapter(plainSpec);
    const req = { prompts: [PROMPT], continuations: [' and'] };
    const viaRs = (await engine.score({ ...req, adapterId: 'rs' })).logprobs[0][0];
    const viaPlain = (await engine.score({ ...req, adapterId: 'plain' })).logprobs[0][0];
    expect(Math.abs(viaRs - viaPlain)).toBeGreaterThan(1e-3);
  });

  it.each([
    ['unmerged', false],
    ['merged', true],
  ])(
    'export-onnx with the adapter %s gives the runtime rsLoRA logits',
    async (_, merge) => {
      const exported = await exportedLogits(await cliExport(modelDir, rsDir, merge), ids);
      const runtime = await runtimeLogits(engine, ids, rsSpec);
      const err = maxRelError(exported, runtime);
      console.info(
        `[export rsLoRA ${merge ? 'merged' : 'unmerged'}] max rel err ${err.toExponential(2)}`,
      );
      expect(err).toBeLessThan(1e-4);
    },
    SLOW,
  );

  it('the merged weight equals W + (alpha/√r)·B·A computed by NumPy from the PEFT files', () => {
    const { ckpt } = tinyModel('llama');
    const name = 'model.layers.1.self_attn.q_proj.weight';
    const merged = mergeLora(ckpt.config, ckpt.tensors, rsSpec).get(name)!;
    const out = join(tempDir('humpback-merge-ref-'), 'merged.bin');
    execFileSync(findPythonWithNumpy(), [REFERENCE, modelDir, rsDir, name, out], {
      stdio: 'pipe',
    });
    const bin = readFileSync(out);
    const ref = new Float64Array(bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.length));
    expect(ref.length).toBe(merged.data.length);
    expect(maxRelError(merged.data, ref)).toBeLessThan(1e-6);
    // And the reference itself tells rsLoRA apart: the plain merge is off by far more.
    const plain = mergeLora(ckpt.config, ckpt.tensors, plainSpec).get(name)!;
    expect(maxRelError(plain.data, ref)).toBeGreaterThan(1e-2);
  });

  it.each([
    ['use_dora', { use_dora: true }, /DoRA adapters are not supported/],
    ['bias', { bias: 'lora_only' }, /adapters with trained biases are not supported/],
    ['rank_pattern', { rank_pattern: { q_proj: 4 } }, /per-module rank_pattern is not supported/],
    ['alpha_pattern', { alpha_pattern: { v_proj: 2 } }, /per-module alpha_pattern/],
  ])('export-onnx refuses %s with the runtime’s message', async (field, patch, message) => {
    const dir = patchedAdapterDir(rsDir, patch);
    let runtimeError: unknown;
    try {
      readSpec('bad', dir);
    } catch (err) {
      runtimeError = err;
    }
    expect(runtimeError).toBeInstanceOf(InputError);
    const runtime = runtimeError as InputError;
    expect(runtime.field).toBe(field);
    expect(runtime.reason).toMatch(message);
    const cli = await exportOnnxCli(['--model', modelDir, '--out', tempDir(), '--adapter', dir])
      .then(() => undefined)
      .catch((err: unknown) => err);
    expect(cli).toBeInstanceOf(InputError);
    expect((cli as InputError).reason).toBe(runtime.reason);
    expect((cli as InputError).field).toBe(field);
    expect((cli as InputError).message).toContain(join(dir, ADAPTER_CONFIG_FILE));
  });
});
