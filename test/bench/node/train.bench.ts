// LoRA training throughput: our trainer (train graph + AdamW graph on onnxruntime-web's wasm
// EP, 1 thread, Node) against plain PyTorch on the CPU (test/bench/torch_lora_train.py, Debian
// python3-torch, 1 thread) on the SAME shape: a random ~57M-parameter Llama (hidden 512, 8
// layers, 8 heads / 4 kv heads, intermediate 1408, vocab 32000), batch 4 × seq 128 (all
// tokens real, loss on every position), LoRA r = 16, alpha 32, all 7 modules, no dropout
// (PyTorch's dropout is nearly free; ours draws masks in JS — measured separately below),
// AdamW + clip 1.0. Throughput = real tokens per second of full optimizer steps after one
// warm-up step; peak RSS of each process.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { parseDecoderConfig } from '../../../src/lib/engines/onnx/config';
import {
  checkpointTensorNames,
  checkpointTensorShape,
  LORA_MODULES,
} from '../../../src/lib/engines/onnx/llama-graph';
import type { F32Tensor } from '../../../src/lib/engines/onnx/safetensors';
import type { TrainExample } from '../../../src/lib/train/data';
import { DEFAULT_TRAIN_OPTIONS, train } from '../../../src/lib/train/trainer';
import { mulberry32, normalArray } from '../../helpers/tiny-checkpoint';
import { findPythonWithTorch } from '../../helpers/torch-ref';
import { nodeRunnerFactory } from '../../unit/train/train-fixtures';
import { measure, type BenchResult } from '../result';
import { record } from '../record-node';

const SHAPE = { hidden: 512, layers: 8, heads: 8, kv_heads: 4, intermediate: 1408, vocab: 32000 };
const BATCH = 4;
const SEQ = 128;
const RANK = 16;
const STEPS = 1; // measured steps after one warm-up step (a step takes ~10–30 s on 1 shared core)

const CONFIG = parseDecoderConfig({
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  hidden_size: SHAPE.hidden,
  intermediate_size: SHAPE.intermediate,
  num_hidden_layers: SHAPE.layers,
  num_attention_heads: SHAPE.heads,
  num_key_value_heads: SHAPE.kv_heads,
  vocab_size: SHAPE.vocab,
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
});

function randomWeights(): Map<string, F32Tensor> {
  const rand = mulberry32(42);
  const out = new Map<string, F32Tensor>();
  for (const name of checkpointTensorNames(CONFIG)) {
    const shape = checkpointTensorShape(CONFIG, name);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = name.endsWith('norm.weight')
      ? new Float32Array(n).fill(1)
      : normalArray(rand, n, 0.02);
    out.set(name, { shape, data });
  }
  return out;
}

function randomExamples(n: number): TrainExample[] {
  const rand = mulberry32(7);
  return Array.from({ length: n }, (_, i) => ({
    id: `x${i}`,
    origin: 'seed' as const,
    ids: Int32Array.from({ length: SEQ }, () => Math.floor(rand() * SHAPE.vocab)),
    lossStart: 1,
    lossEnd: SEQ,
    truncated: false,
  }));
}

async function ours(
  dropout: number,
): Promise<{ tokensPerSecond: number; stepMs: number; loss: number }> {
  const points: { tokensPerSecond: number; loss: number; tokens: number }[] = [];
  await train({
    config: CONFIG,
    weights: randomWeights(),
    train: randomExamples(BATCH * (STEPS + 1)),
    eval: [],
    buckets: [SEQ],
    options: {
      ...DEFAULT_TRAIN_OPTIONS,
      lora: { rank: RANK, alpha: 2 * RANK, dropout, targetModules: LORA_MODULES },
      batch: BATCH,
      accumulation: 1,
      maxSteps: STEPS + 1,
      evalEvery: 0,
      checkpointEvery: 0,
    },
    createRunner: nodeRunnerFactory(),
    onMetric: (p) => {
      if (p.kind === 'train')
        points.push({ tokensPerSecond: p.tokensPerSecond!, loss: p.loss, tokens: p.tokens! });
    },
  });
  const measured = points.slice(1); // the first step includes session creation
  const seconds = measured.reduce((s, p) => s + p.tokens / p.tokensPerSecond, 0);
  const tokens = measured.reduce((s, p) => s + p.tokens, 0);
  return {
    tokensPerSecond: tokens / seconds,
    stepMs: (seconds / measured.length) * 1000,
    loss: points.at(-1)!.loss,
  };
}

function torch(): {
  tokensPerSecond: number;
  stepMs: number;
  peakRssMB: number;
  torch: string;
  params: number;
} {
  const python = findPythonWithTorch();
  const script = join(import.meta.dirname, '..', 'torch_lora_train.py');
  const cfg = {
    ...SHAPE,
    batch: BATCH,
    seq: SEQ,
    rank: RANK,
    alpha: 2 * RANK,
    modules: LORA_MODULES,
    steps: STEPS,
    warmup: 1,
    threads: 1,
  };
  return JSON.parse(execFileSync(python, [script, JSON.stringify(cfg)], { encoding: 'utf8' }));
}

it(
  'LoRA training throughput: ours (wasm) vs PyTorch CPU, same model and batch',
  async () => {
    const load = loadavg()[0].toFixed(1);
    const mine = await ours(0);
    const peakRssMB = process.resourceUsage().maxRSS / 1024;
    const ref = torch();
    const ratio = mine.tokensPerSecond / ref.tokensPerSecond;
    const shape = `57M Llama, ${BATCH}×${SEQ} tokens, LoRA r${RANK} ×7 modules, 1 thread, load ${load}`;
    const results: BenchResult[] = [
      measure(
        'train: ours wasm tokens/s',
        mine.tokensPerSecond,
        'tokens/s',
        undefined,
        `${mine.stepMs.toFixed(0)} ms/step; ${shape}`,
      ),
      measure(
        'train: PyTorch CPU tokens/s',
        ref.tokensPerSecond,
        'tokens/s',
        undefined,
        `${ref.stepMs.toFixed(0)} ms/step; torch ${ref.torch}`,
      ),
      measure('train: ours / PyTorch throughput', ratio, 'x', { atLeast: 0.5 }, shape),
      measure(
        'train: ours peak RSS',
        peakRssMB,
        'MB',
        undefined,
        'vitest worker process (model f32 + graphs)',
      ),
      measure(
        'train: PyTorch peak RSS',
        ref.peakRssMB,
        'MB',
        undefined,
        `${ref.params} parameters`,
      ),
    ];
    record('train', results);
    expect(Number.isFinite(mine.loss)).toBe(true);
    expect(mine.tokensPerSecond).toBeGreaterThan(0);
  },
  15 * 60_000,
);
