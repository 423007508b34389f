// The GPU benchmark's browser half (`npm run bench:gpu`, issue 14 item 3): in headless
// Chromium, on the model folder that scripts/bench-gpu.ts wrote and Vite serves, measures
//   * our ONNX engine on WebGPU: prefill (batch 1), decode at batch 1 and 8 (extra tokens over
//     extra time of a longer generation, so prefill cancels out), a LoRA training step
//     (train.onnx forward + backward, r 16 on the 7 projections);
//   * transformers.js 4 on the SAME exported model (onnx/model.onnx), on the same ORT module
//     (Symbol.for('onnxruntime')) and the WebGPU EP: prefill and decode at batch 1.
// Raw figures go to reports/bench-gpu/raw.json; the launcher adds the GPU's bounds.
import { expect, it } from 'vitest';
import { commands } from 'vitest/browser';
import * as ort from 'onnxruntime-web/webgpu';
import { parseDecoderConfig } from '../../../src/lib/engines/onnx/config';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { loadFloat32Tensors, parseSafetensors } from '../../../src/lib/engines/onnx/safetensors';
import { createGraphRunner } from '../../../src/lib/engines/onnx/train-session';
import { batchFeeds, buildTrainingArtifacts, staticFeeds } from '../../../src/lib/train/artifacts';
import type { LoraConfig } from '../../../src/lib/train/lora-config';
import { initLora } from '../../../src/lib/train/lora-init';
import { loadFolder } from '../../helpers/model-folder';

const dir = String(import.meta.env.VITE_BENCH_GPU_DIR ?? 'reports/bench-gpu/model');
const plan = JSON.parse(String(import.meta.env.VITE_BENCH_GPU_PLAN ?? '{}')) as {
  prefill?: number;
  decode?: number;
  trainBatch?: number;
  trainSeq?: number;
  skipTransformers?: boolean;
  /** Timed rounds after the warm-up (best is kept). */
  rounds?: number;
};
const PREFILL = plan.prefill ?? 512;
const DECODE = plan.decode ?? 32;
const TRAIN_B = plan.trainBatch ?? 4;
const TRAIN_T = plan.trainSeq ?? 256;
const ROUNDS = plan.rounds ?? 3;

interface Raw {
  name: string;
  kind: 'prefill' | 'decode' | 'train';
  batch: number;
  tokens: number;
  seconds: number;
  detail?: string;
}

const url = (file: string) => new URL(`/${dir}/${file}`, location.origin).href;
async function fetchOk(file: string): Promise<Response> {
  const res = await fetch(url(file));
  if (!res.ok) throw new Error(`${file}: HTTP ${res.status} (did scripts/bench-gpu.ts run?)`);
  return res;
}

/**
 * Best of `rounds` timings of `fn` after one warm-up (the first run compiles shaders). Rounds 0
 * (the tiny size, a smoke run of the whole pipeline: its figures on SwiftShader are no speeds)
 * times that single cold run, so the unit test behind it runs every step once, not twice.
 */
async function best(rounds: number, fn: () => Promise<unknown>): Promise<number> {
  if (rounds === 0) {
    const t = performance.now();
    await fn();
    return (performance.now() - t) / 1000;
  }
  await fn();
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await fn();
    min = Math.min(min, performance.now() - t);
  }
  return min / 1000;
}

it('GPU benchmark: our engine and transformers.js on WebGPU', async () => {
  expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
  const adapter = await navigator.gpu.requestAdapter();
  const info = adapter?.info;
  const gpuName = info ? `${info.vendor} ${info.architecture} ${info.description}`.trim() : '?';
  const config = (await (await fetchOk('config.json')).json()) as Record<string, unknown>;
  const tokenizerJson = await (await fetchOk('tokenizer.json')).json();
  const tokenizerConfig = await (await fetchOk('tokenizer_config.json')).json();
  const weightsBlob = await (await fetchOk('model.safetensors')).blob();
  const raw: Raw[] = [];
  const push = (r: Raw) => {
    raw.push(r);
    console.log(`[bench:gpu] ${r.name}: ${((r.batch * r.tokens) / r.seconds).toFixed(1)} tokens/s`);
  };

  // ---- our engine --------------------------------------------------------------------------
  const engine = new OrtEngine({ ort: async () => ort });
  await loadFolder(
    engine,
    {
      modelId: 'bench-gpu',
      config,
      tokenizerJson,
      tokenizerConfig,
      weights: [{ file: 'model.safetensors', blob: weightsBlob }],
      weightBytes: weightsBlob.size,
    },
    'webgpu',
  );
  const { runner, noAdapter, tokenizer } = engine.loaded;
  const vocab = parseDecoderConfig(config).vocabSize;
  const ids = Int32Array.from({ length: PREFILL }, (_, i) => 3 + ((i * 7919) % (vocab - 3)));
  const prefillS = await best(ROUNDS, () =>
    runner.run({
      batch: 1,
      seq: PREFILL,
      inputIds: ids,
      attentionMask: new Int32Array(PREFILL).fill(1),
      lora: noAdapter,
      logits: 'last',
    }),
  );
  push({ name: 'ours prefill', kind: 'prefill', batch: 1, tokens: PREFILL, seconds: prefillS });
  const prompt = tokenizer.decode(ids.subarray(0, 16));
  for (const batch of [1, 8]) {
    const gen = async (tokens: number) => {
      const reqs = Array.from({ length: batch }, (_, i) => ({
        prompt: `${i} ${prompt}`,
        maxTokens: tokens,
        temperature: 0,
      }));
      const out = await engine.generateBatch(reqs);
      return Math.min(...out.map((r) => r.completionTokens));
    };
    const short = await best(ROUNDS, () => gen(1));
    let produced = 0;
    const long = await best(ROUNDS, async () => (produced = await gen(DECODE + 1)));
    push({
      name: `ours decode batch ${batch}`,
      kind: 'decode',
      batch,
      tokens: Math.max(1, produced - 1),
      seconds: Math.max(1e-6, long - short),
      detail: `${produced} tokens generated per row (random weights may stop early at eos)`,
    });
  }
  await engine.unload();

  // ---- LoRA training step ------------------------------------------------------------------
  const parsed = loadFloat32Tensors(
    parseSafetensors(new Uint8Array(await weightsBlob.arrayBuffer())),
  );
  const dc = parseDecoderConfig(config);
  const lora: LoraConfig = { rank: 16, alpha: 32, dropout: 0, targetModules: LORA_MODULES };
  const artifacts = buildTrainingArtifacts(dc, lora, {
    batch: TRAIN_B,
    seq: TRAIN_T,
    vocabChunk: Math.min(dc.vocabSize, 8192),
  });
  const n = TRAIN_B * TRAIN_T;
  const trainIds = Int32Array.from({ length: n }, (_, i) => 3 + ((i * 104729) % (vocab - 3)));
  const feeds = batchFeeds(
    {
      batch: TRAIN_B,
      seq: TRAIN_T,
      inputIds: trainIds,
      attentionMask: new Int32Array(n).fill(1),
      lossMask: new Float32Array(n).fill(1),
    },
    staticFeeds(dc, lora, TRAIN_T),
    initLora(dc, lora, 1),
    parsed,
  );
  const train = await createGraphRunner(ort, artifacts.train, { executionProviders: ['webgpu'] });
  const trainS = await best(ROUNDS, () => train.run(feeds));
  await train.release();
  push({
    name: `ours LoRA train step r16x7 ${TRAIN_B}x${TRAIN_T}`,
    kind: 'train',
    batch: TRAIN_B,
    tokens: TRAIN_T,
    seconds: trainS,
    detail: 'train.onnx forward + backward; base weights fed from host memory each step',
  });

  // ---- transformers.js on the same exported model --------------------------------------------
  if (!plan.skipTransformers) {
    (globalThis as Record<symbol, unknown>)[Symbol.for('onnxruntime')] = ort;
    const tjs = await import('@huggingface/transformers');
    tjs.env.allowRemoteModels = false;
    tjs.env.allowLocalModels = true;
    tjs.env.localModelPath = `${location.origin}/`;
    tjs.env.useBrowserCache = false;
    const model = await tjs.AutoModelForCausalLM.from_pretrained(dir, {
      local_files_only: true,
      // no device list under Symbol.for('onnxruntime'): the EP goes in session_options
      device: 'auto',
      dtype: 'fp32',
      session_options: { executionProviders: ['webgpu'] },
    });
    const { Tensor } = tjs;
    const input = (n: number) => ({
      input_ids: new Tensor('int64', BigInt64Array.from(ids.subarray(0, n), BigInt), [1, n]),
      attention_mask: new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]),
    });
    const lastOnly = { num_logits_to_keep: new Tensor('int64', BigInt64Array.of(1n), []) };
    const tPrefill = await best(ROUNDS, () => model({ ...input(PREFILL), ...lastOnly }));
    push({
      name: 'transformers.js prefill',
      kind: 'prefill',
      batch: 1,
      tokens: PREFILL,
      seconds: tPrefill,
    });
    const gen = (tokens: number) =>
      model.generate({
        ...input(16),
        max_new_tokens: tokens,
        min_new_tokens: tokens,
        do_sample: false,
      });
    const short = await best(ROUNDS, () => gen(1));
    const long = await best(ROUNDS, () => gen(DECODE + 1));
    push({
      name: 'transformers.js decode batch 1',
      kind: 'decode',
      batch: 1,
      tokens: DECODE,
      seconds: Math.max(1e-6, long - short),
    });
    await model.dispose();
  }
  await commands.writeFile(
    'reports/bench-gpu/raw.json',
    JSON.stringify({ adapter: gpuName, plan: { PREFILL, DECODE, TRAIN_B, TRAIN_T }, raw }, null, 2),
  );
});
