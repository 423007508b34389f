// `npm run artifacts -- --model <dir> --out <dir> [--rank 8 --alpha 16 --dropout 0.1
//   --batch 1 --seq 64 --targets q_proj,v_proj --seed 0 --vocab-chunk 8192]`
// Writes the LoRA training artifacts for a Hugging Face checkpoint folder: train.onnx,
// eval.onnx, optimizer.onnx, lora_init.safetensors, io.json (every input and output with
// dtype, shape and meaning) and a README, so other ONNX runtimes can run them.
// Run through scripts/run-ts.mjs (Node 20 cannot run TypeScript itself).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseDecoderConfig } from '../src/lib/engines/onnx/config';
import { LORA_MODULES, type LoraModule } from '../src/lib/engines/onnx/llama-graph';
import { writeSafetensors } from '../src/lib/engines/onnx/safetensors';
import { InputError } from '../src/lib/protocol/errors';
import { artifactsReadme, buildTrainingArtifacts } from '../src/lib/train/artifacts';
import { initLora } from '../src/lib/train/lora-init';

/** Tensor names of the checkpoint (header only), to detect a missing lm_head (tied). */
function checkpointNames(dir: string): string[] | null {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return Object.keys(JSON.parse(readFileSync(index, 'utf8')).weight_map);
  const file = join(dir, 'model.safetensors');
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return Object.keys(JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')));
}

export async function main(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      model: { type: 'string' },
      out: { type: 'string' },
      rank: { type: 'string', default: '8' },
      alpha: { type: 'string', default: '16' },
      dropout: { type: 'string', default: '0.1' },
      batch: { type: 'string', default: '1' },
      seq: { type: 'string', default: '64' },
      targets: { type: 'string' },
      seed: { type: 'string', default: '0' },
      'vocab-chunk': { type: 'string', default: '8192' },
    },
  });
  if (!values.model || !values.out) {
    throw new InputError(
      'usage: npm run artifacts -- --model <hf-checkpoint-dir> --out <dir> [--rank 8 ...]',
    );
  }
  const configPath = join(values.model, 'config.json');
  if (!existsSync(configPath)) throw new InputError('config.json not found', { file: configPath });
  let config = parseDecoderConfig(readFileSync(configPath, 'utf8'));
  const names = checkpointNames(values.model);
  if (names && !config.tieWordEmbeddings && !names.includes('lm_head.weight')) {
    config = { ...config, tieWordEmbeddings: true };
  }
  const targets = values.targets
    ? values.targets.split(',').map((s) => s.trim())
    : [...LORA_MODULES];
  for (const t of targets) {
    if (!(LORA_MODULES as readonly string[]).includes(t)) {
      throw new InputError(`unknown target module "${t}" (use ${LORA_MODULES.join(', ')})`, {
        field: '--targets',
      });
    }
  }
  const lora = {
    rank: Number(values.rank),
    alpha: Number(values.alpha),
    dropout: Number(values.dropout),
    targetModules: targets as LoraModule[],
  };
  const shape = {
    batch: Number(values.batch),
    seq: Number(values.seq),
    vocabChunk: Number(values['vocab-chunk']),
  };
  const started = performance.now();
  const artifacts = buildTrainingArtifacts(config, lora, shape);
  const init = initLora(config, lora, Number(values.seed));

  mkdirSync(values.out, { recursive: true });
  const write = (name: string, data: string | Uint8Array) =>
    writeFileSync(join(values.out!, name), data);
  write('train.onnx', artifacts.train);
  write('eval.onnx', artifacts.eval);
  write('optimizer.onnx', artifacts.optimizer);
  write(
    'lora_init.safetensors',
    writeSafetensors(
      Object.fromEntries(Object.entries(init).map(([k, t]) => [k, { dtype: 'F32', ...t }])),
    ),
  );
  write('io.json', JSON.stringify(artifacts.io, null, 2));
  write('README.md', artifactsReadme(artifacts.io));
  const kb = (b: Uint8Array) => `${(b.length / 1024).toFixed(0)} KiB`;
  console.log(
    `wrote ${values.out}: train.onnx ${kb(artifacts.train)} (${artifacts.io.nodeCounts.train} nodes), ` +
      `eval.onnx ${kb(artifacts.eval)}, optimizer.onnx ${kb(artifacts.optimizer)} ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}
