// transformers.js on OUR onnxruntime-web module (the same runtime our engine uses, handed over
// through Symbol.for('onnxruntime'); its Node default would be onnxruntime-node, a different
// native CPU runtime), and the model folders it reads: shared by the node benches that compare
// our engine with it (transformers-compare, parity).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-web/webgpu';
import type { DecoderConfig } from '../../src/lib/engines/onnx/config';
import type { ExportedModel } from '../../src/lib/engines/onnx/export';
import {
  checkpointTensorNames,
  checkpointTensorShape,
} from '../../src/lib/engines/onnx/llama-graph';
import type { F32Tensor } from '../../src/lib/engines/onnx/safetensors';
import { writeExport } from '../../scripts/export-onnx';
import { mulberry32, normalArray } from '../helpers/tiny-checkpoint';
import { tempDir } from '../helpers/tiny-checkpoint-fs';
import { llamaFiles } from '../unit/engines/hf-fixtures';

/** f32 weights N(0, 0.02) (norms 1), seed 42: the same numbers as random-model.ts. */
export function randomWeights(config: DecoderConfig): Map<string, F32Tensor> {
  const rand = mulberry32(42);
  const weights = new Map<string, F32Tensor>();
  for (const name of checkpointTensorNames(config)) {
    const shape = checkpointTensorShape(config, name);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = name.endsWith('norm.weight')
      ? new Float32Array(n).fill(1)
      : normalArray(rand, n, 0.02);
    weights.set(name, { shape, data });
  }
  return weights;
}

/** transformers.js on our ORT module; file paths are read here (the browser entry cannot). */
export async function transformersOnOurOrt() {
  ort.env.wasm.numThreads = 1;
  const create = (model: string | Uint8Array, options: ort.InferenceSession.SessionOptions) =>
    ort.InferenceSession.create(typeof model === 'string' ? readFileSync(model) : model, options);
  (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = {
    ...ort,
    InferenceSession: { create },
  };
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  tjs.env.localModelPath = '/';
  tjs.env.useWasmCache = false;
  return tjs;
}
export type Tjs = Awaited<ReturnType<typeof transformersOnOurOrt>>;
export type TjsModel = Awaited<ReturnType<Tjs['AutoModelForCausalLM']['from_pretrained']>>;

/** A temporary model folder (our export + the Llama-2 tokenizer) transformers.js can open. */
export function writeModelDir(config: Record<string, unknown>, exported: ExportedModel): string {
  const dir = tempDir('humpback-bench-');
  writeExport(dir, exported, config);
  const tok = llamaFiles();
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig));
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }),
  );
  return dir;
}
