// Fast curation on realistic input, wasm EP (issue 10, Tests bullet 2): demo segments with
// instructions the model wrote, inside a real tokenizer's chat template (Llama-2's format
// with the Llama-2 tokenizer; Qwen3's own template with its tokenizer), scored after an
// assistant prefix ending in "Score:" on a tiny generated checkpoint whose context fits the
// 600-3,000-character segments. The WebGPU twin is in test/browser/engine-contract-webgpu.test.ts.
import { afterAll, describe, expect, it, vi } from 'vitest';
import type { ModelFiles } from '../../../src/lib/engines/hf/model-files';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { loadFolder } from '../../helpers/model-folder';
import { checkFastRating, demoRatingChats } from '../../helpers/rating-check';
import { makeTinyCheckpoint } from '../../helpers/tiny-checkpoint';
import { LLAMA2_TEMPLATE, llamaFiles, qwenFiles } from './hf-fixtures';
import { nodeOrt } from './ort-fixtures';

vi.setConfig({ testTimeout: 300_000 });

/** A tiny checkpoint with a context long enough for a rating prompt around a whole segment. */
function longContextModel(arch: 'llama' | 'qwen2'): ModelFiles {
  const ckpt = makeTinyCheckpoint({ arch, vocabSize: arch === 'llama' ? 32000 : 151936 });
  const tok = arch === 'llama' ? llamaFiles() : qwenFiles();
  const weights = ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>;
  return {
    modelId: `tiny-${arch}-4k`,
    // RoPE is computed, not stored: the same weights run at any context length.
    config: { ...ckpt.configJson, max_position_embeddings: 4096 },
    tokenizerJson: tok.tokenizerJson,
    // Llama-2's package ships no template: its published chat format; Qwen3's is its own.
    tokenizerConfig:
      arch === 'llama'
        ? { ...tok.tokenizerConfig, chat_template: LLAMA2_TEMPLATE }
        : tok.tokenizerConfig,
    weights: [{ file: 'model.safetensors', blob: new Blob([weights]) }],
    weightBytes: weights.length,
  };
}

const engines: OrtEngine[] = [];
afterAll(async () => {
  for (const e of engines) await e.unload();
});

describe('fast rating on demo segments (wasm)', () => {
  for (const arch of ['llama', 'qwen2'] as const) {
    it(`${arch}: the distribution over 1..5 equals one full decoding step's softmax`, async () => {
      const engine = new OrtEngine({ ort: nodeOrt });
      engines.push(engine);
      await loadFolder(engine, longContextModel(arch), 'wasm');
      const chats = await demoRatingChats(engine, 3);
      // Llama-2 also with a longer prefix ending in "Score: " (its "▁" token before the digit).
      const prefixes =
        arch === 'llama' ? ['Score:', 'The answer is on topic.\nScore: '] : ['Score:'];
      for (const prefix of prefixes) {
        const r = await checkFastRating(engine, chats, prefix, 1e-4);
        // The rating prompt around a whole segment: several hundred tokens each.
        for (const n of r.promptTokens) expect(n).toBeGreaterThan(400);
        console.log(
          `[rating ${arch}] prefix ${JSON.stringify(prefix)}: prompt tokens ${r.promptTokens.join(', ')}; ` +
            `max |Δp| ${r.maxDiff.toExponential(2)}; p(1..5) of pair 1 ${r.distributions[0].map((x) => x.toFixed(3)).join(' ')}`,
        );
      }
      // A string prompt with a prefix is refused before any work.
      await expect(
        engine.score({ prompts: ['raw'], continuations: ['1'], assistantPrefix: 'Score:' }),
      ).rejects.toMatchObject({ name: 'InputError', field: 'assistantPrefix' });
    });
  }
});
