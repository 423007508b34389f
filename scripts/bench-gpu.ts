// `npm run bench:gpu -- [--size tiny|500m] [--gpu h200|h100|a100|l4|rtx4090|rtx3060]
//   [--bandwidth <GB/s> --tflops <f32 TFLOP/s>] [--no-transformers] [--out <file>]`
// The GPU benchmark (issue 14 item 3): writes a random Llama checkpoint of the chosen size
// (safetensors + the transformers.js export of it) under reports/bench-gpu/model, runs
// test/bench/gpu/gpu.bench.ts in headless Chromium on WebGPU (Vite serves the folder), and
// reports every figure against the bound the GPU's bandwidth / f32 FLOP rate allows
// (test/bench/gpu/bounds.ts). `--size tiny` runs anywhere (SwiftShader in CI) in a minute.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDecoderConfig, type DecoderConfig } from '../src/lib/engines/onnx/config';
import { exportOnnx } from '../src/lib/engines/onnx/export';
import { checkpointTensorNames, checkpointTensorShape } from '../src/lib/engines/onnx/llama-graph';
import { writeSafetensors, type TensorToWrite } from '../src/lib/engines/onnx/safetensors';
import { mulberry32, normalArray } from '../test/helpers/tiny-checkpoint';
import { llamaFiles } from '../test/unit/engines/hf-fixtures';
import {
  decodeBound,
  prefillBound,
  resolveGpu,
  trainBound,
  type GpuSpec,
  type ModelShape,
} from '../test/bench/gpu/bounds';
import { writeExport } from './export-onnx';

const BASE = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 32000, // the Llama-2 tokenizer of the fixtures
  max_position_embeddings: 2048,
  rms_norm_eps: 1e-5,
  rope_theta: 10000,
  tie_word_embeddings: false,
  bos_token_id: 1,
  eos_token_id: 2,
};
const SIZES = {
  // ~506M parameters: the shape of scripts/gpu/config-500m.json (gpu_reference.py's model)
  '500m': {
    config: {
      ...BASE,
      hidden_size: 1024,
      intermediate_size: 4096,
      num_hidden_layers: 28,
      num_attention_heads: 16,
      num_key_value_heads: 8,
    },
    plan: { prefill: 512, decode: 32, trainBatch: 4, trainSeq: 256 },
  },
  tiny: {
    config: {
      ...BASE,
      hidden_size: 64,
      intermediate_size: 128,
      num_hidden_layers: 2,
      num_attention_heads: 4,
      num_key_value_heads: 2,
    },
    // A smoke run of every step (test/unit/bench/bench-gpu-script.test.ts checks the report's
    // shape): one cold run each (rounds 0), two decode steps over the one-token run.
    plan: { prefill: 16, decode: 2, trainBatch: 1, trainSeq: 8, rounds: 0 },
  },
} as const;

export interface GpuBenchRow {
  name: string;
  value: number;
  unit: 'tokens/s';
  bound: number;
  ofBound: number;
  detail?: string;
}

export interface GpuBenchReport {
  gpu: GpuSpec;
  adapter: string;
  size: string;
  params: number;
  rows: GpuBenchRow[];
  /** ours / transformers.js, where both ran. */
  versusTransformers: { prefill?: number; decode?: number };
}

interface Raw {
  name: string;
  kind: 'prefill' | 'decode' | 'train';
  batch: number;
  tokens: number;
  seconds: number;
  detail?: string;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

function randomCheckpoint(c: DecoderConfig): {
  tensors: Map<string, { shape: number[]; data: Float32Array }>;
  params: number;
} {
  const rand = mulberry32(7);
  const tensors = new Map<string, { shape: number[]; data: Float32Array }>();
  let params = 0;
  for (const name of checkpointTensorNames(c)) {
    const shape = checkpointTensorShape(c, name);
    const n = shape.reduce((a, b) => a * b, 1);
    params += n;
    const data = name.endsWith('norm.weight')
      ? new Float32Array(n).fill(1)
      : normalArray(rand, n, 0.02);
    tensors.set(name, { shape, data });
  }
  return { tensors, params };
}

/** Adds the bounds to the browser's raw timings. */
export function report(
  gpu: GpuSpec,
  shape: ModelShape,
  size: string,
  browser: { adapter: string; raw: Raw[] },
): GpuBenchReport {
  const rows = browser.raw.map((r): GpuBenchRow => {
    const value = (r.batch * r.tokens) / r.seconds;
    const bound =
      r.kind === 'prefill'
        ? prefillBound(gpu, shape, r.tokens)
        : r.kind === 'decode'
          ? decodeBound(gpu, shape, r.batch, 16 + r.tokens / 2)
          : trainBound(gpu, shape, r.batch, r.tokens);
    return {
      name: r.name,
      value,
      unit: 'tokens/s',
      bound,
      ofBound: value / bound,
      detail: r.detail,
    };
  });
  const rate = (name: string) => rows.find((r) => r.name === name)?.value;
  const ratio = (a?: number, b?: number) => (a && b ? a / b : undefined);
  return {
    gpu,
    adapter: browser.adapter,
    size,
    params: shape.params,
    rows,
    versusTransformers: {
      prefill: ratio(rate('ours prefill'), rate('transformers.js prefill')),
      decode: ratio(rate('ours decode batch 1'), rate('transformers.js decode batch 1')),
    },
  };
}

export function main(args: string[]): number {
  const size = (flag(args, 'size') ?? '500m') as keyof typeof SIZES;
  if (!(size in SIZES)) throw new Error(`--size must be one of ${Object.keys(SIZES).join(', ')}`);
  const bw = flag(args, 'bandwidth');
  const tf = flag(args, 'tflops');
  const gpu = resolveGpu(
    flag(args, 'gpu') ?? (bw ? 'custom' : size === 'tiny' ? 'l4' : undefined),
    bw === undefined ? undefined : Number(bw),
    tf === undefined ? undefined : Number(tf),
  );
  const out = flag(args, 'out') ?? 'reports/bench-gpu/results.json';
  const { config: configJson, plan } = SIZES[size];
  const config = parseDecoderConfig(configJson);
  const dir = 'reports/bench-gpu/model';
  rmSync('reports/bench-gpu', { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });

  console.log(`[bench:gpu] writing a random ${size} checkpoint and its transformers.js export…`);
  const { tensors, params } = randomCheckpoint(config);
  const toWrite: Record<string, TensorToWrite> = {};
  for (const [name, t] of tensors) toWrite[name] = { dtype: 'F32', ...t };
  writeFileSync(join(dir, 'model.safetensors'), writeSafetensors(toWrite));
  writeExport(dir, exportOnnx(config, tensors), configJson);
  const tok = llamaFiles();
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig));
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({ bos_token_id: 1, eos_token_id: 2 }),
  );
  tensors.clear();

  const env = {
    ...process.env,
    VITE_BENCH_GPU_DIR: dir,
    VITE_BENCH_GPU_PLAN: JSON.stringify({
      ...plan,
      skipTransformers: args.includes('--no-transformers'),
    }),
  };
  const r = spawnSync('npx', ['vitest', 'run', '--config', 'vitest.bench-gpu.config.ts'], {
    stdio: 'inherit',
    env,
  });
  if (r.status !== 0) {
    console.error('[bench:gpu] the browser run failed (see above)');
    return 1;
  }
  const browser = JSON.parse(readFileSync('reports/bench-gpu/raw.json', 'utf8')) as {
    adapter: string;
    raw: Raw[];
  };
  const shape: ModelShape = {
    params,
    layers: config.numLayers,
    kvHeads: config.numKvHeads,
    heads: config.numHeads,
    headDim: config.headDim,
    // f16 weights where the adapter has shader-f16 (every discrete NVIDIA GPU does); a bound
    // for f32 weights is half of it
    weightBytes: 2,
  };
  const result = report(gpu, shape, size, browser);
  if (size !== 'tiny' && /swiftshader/i.test(browser.adapter)) {
    console.warn(
      '[bench:gpu] WARNING: Chromium ran WebGPU on SwiftShader (a CPU), not on the GPU: see the README, "GPU benchmark"',
    );
  }
  rmSync(dir, { recursive: true, force: true });
  writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(
    `\nGPU benchmark on ${browser.adapter} (bounds for ${gpu.name}: ${gpu.bandwidthGBs} GB/s, ${gpu.tflopsF32} f32 TFLOP/s), ${(params / 1e6).toFixed(1)}M parameters`,
  );
  for (const row of result.rows) {
    console.log(
      `${row.name.padEnd(40)} ${row.value.toFixed(1).padStart(10)} tokens/s   bound ${row.bound.toFixed(0).padStart(10)}   ${(row.ofBound * 100).toPrecision(3)} %`,
    );
  }
  const v = result.versusTransformers;
  if (v.prefill)
    console.log(
      `ours / transformers.js: prefill ${v.prefill.toFixed(2)}x, decode ${v.decode?.toFixed(2)}x`,
    );
  console.log(`written to ${out}`);
  return 0;
}
