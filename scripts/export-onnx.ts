// `npm run export-onnx -- --model <dir> --out <dir> [--adapter <peft-dir> [--merge]]
//   [--quantize int4] [--external-data]`
// Writes the folder transformers.js loads for a text-generation model: onnx/model.onnx (or
// onnx/model_q4.onnx) with the weights as initializers (+ model.onnx_data when external),
// config.json (with "transformers.js_config"), generation_config.json and the tokenizer files.
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { closeSync, openSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AdapterSpec } from '../src/lib/engines/engine';
import { parseDecoderConfig, type DecoderConfig } from '../src/lib/engines/onnx/config';
import { exportOnnx, type ExportedModel, type ExportOptions } from '../src/lib/engines/onnx/export';
import { resolveTiedEmbeddings } from '../src/lib/engines/onnx/llama-session';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  readPeftAdapter,
} from '../src/lib/engines/onnx/peft-format';
import {
  parseSafetensors,
  shardFileNames,
  toFloat32,
  type F32Tensor,
  type SafetensorsIndex,
} from '../src/lib/engines/onnx/safetensors';
import { InputError } from '../src/lib/protocol/errors';

const COPIED = [
  'generation_config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
];

const readJson = (path: string): Record<string, unknown> => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    throw new InputError(`${path}: ${(err as Error).message}`, { file: path });
  }
};

/** Reads config.json and the (possibly sharded) safetensors checkpoint of a HF folder. */
export function readCheckpoint(dir: string): {
  configJson: Record<string, unknown>;
  config: DecoderConfig;
  weights: Map<string, F32Tensor>;
} {
  const configJson = readJson(join(dir, 'config.json'));
  const indexPath = join(dir, 'model.safetensors.index.json');
  const files = existsSync(indexPath)
    ? shardFileNames(readJson(indexPath) as unknown as SafetensorsIndex)
    : ['model.safetensors'];
  const weights = new Map<string, F32Tensor>();
  for (const file of files) {
    const path = join(dir, file);
    if (!existsSync(path)) throw new InputError(`${path} does not exist`, { file: path });
    const parsed = parseSafetensors(new Uint8Array(readFileSync(path)), file);
    for (const [name, raw] of parsed.tensors) weights.set(name, toFloat32(raw, name));
  }
  const config = resolveTiedEmbeddings(parseDecoderConfig(configJson), weights.keys());
  return { configJson, config, weights };
}

/**
 * A PEFT adapter folder (adapter_config.json + adapter_model.safetensors), read and checked by
 * the same code the runtime uses (engines/onnx/peft-format.ts): rsLoRA keeps its alpha/√r
 * scale, and what the graphs cannot compute (DoRA, trained biases, per-module ranks) is refused.
 */
export function readPeftAdapterDir(dir: string, config: DecoderConfig): AdapterSpec {
  const path = (file: string) => join(dir, file);
  for (const file of [ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE]) {
    if (!existsSync(path(file))) throw new InputError(`${path(file)} does not exist`, { file });
  }
  try {
    return readPeftAdapter(
      dir,
      config,
      readFileSync(path(ADAPTER_CONFIG_FILE), 'utf8'),
      new Uint8Array(readFileSync(path(ADAPTER_WEIGHTS_FILE))),
    );
  } catch (err) {
    // Same reason and field as the runtime's error, with the file's full path.
    if (!(err instanceof InputError)) throw err;
    throw new InputError(err.reason, {
      file: path(err.file ?? ''),
      field: err.field,
    });
  }
}

/** Writes an export plus the copied model files into `outDir`. */
export function writeExport(
  outDir: string,
  exported: ExportedModel,
  configJson: Record<string, unknown>,
  copyFrom?: string,
): void {
  mkdirSync(join(outDir, dirname(exported.modelPath)), { recursive: true });
  writeFileSync(join(outDir, exported.modelPath), exported.model);
  if (exported.data) {
    // Chunk by chunk: a large model's data file never sits in memory as one buffer.
    const fd = openSync(join(outDir, exported.data.path), 'w');
    try {
      for (const chunk of exported.data.chunks) writeSync(fd, chunk);
    } finally {
      closeSync(fd);
    }
  }
  const config = { ...configJson, 'transformers.js_config': exported.transformersJsConfig };
  writeFileSync(join(outDir, 'config.json'), JSON.stringify(config, null, 2));
  if (copyFrom) {
    for (const f of COPIED) {
      if (existsSync(join(copyFrom, f))) copyFileSync(join(copyFrom, f), join(outDir, f));
    }
  }
}

function parseArgs(args: string[]): {
  model: string;
  out: string;
  options: ExportOptions;
  adapter?: string;
} {
  const value = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const model = value('--model');
  const out = value('--out');
  if (!model || !out) {
    throw new InputError(
      'usage: npm run export-onnx -- --model <dir> --out <dir> [--adapter <peft-dir> [--merge]] [--quantize int4] [--external-data]',
      { field: !model ? '--model' : '--out' },
    );
  }
  const quantize = value('--quantize');
  if (quantize !== undefined && quantize !== 'int4') {
    throw new InputError(`--quantize ${quantize} is not supported (int4)`, { field: '--quantize' });
  }
  return {
    model,
    out,
    adapter: value('--adapter'),
    options: {
      merge: args.includes('--merge'),
      quantize,
      externalData: args.includes('--external-data') ? true : 'auto',
    },
  };
}

export async function main(args: string[]): Promise<number> {
  const { model, out, adapter, options } = parseArgs(args);
  const started = Date.now();
  const ckpt = readCheckpoint(model);
  const exported = exportOnnx(ckpt.config, ckpt.weights, {
    ...options,
    adapter: adapter ? readPeftAdapterDir(adapter, ckpt.config) : undefined,
  });
  writeExport(out, exported, ckpt.configJson, model);
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  console.log(
    `wrote ${join(out, exported.modelPath)}${exported.data ? ` + ${exported.data.path}` : ''}: ` +
      `weights ${mb(exported.weightBytes)} (f32 ${mb(exported.f32WeightBytes)}), ` +
      `${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}
