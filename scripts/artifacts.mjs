#!/usr/bin/env node
// Writes the LoRA training artifacts for a Hugging Face checkpoint folder:
//   npm run artifacts -- --model <dir> --out <dir> [--rank 8 --alpha 16 --dropout 0.1
//        --batch 1 --seq 64 --targets q_proj,v_proj --seed 0 --vocab-chunk 8192]
// Node 20 cannot run TypeScript, so the (pure) graph builders are loaded through Vite's
// module runner (runnerImport), the same transform the app and tests use.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { runnerImport } from 'vite';

const { values } = parseArgs({
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
  console.error(
    'usage: npm run artifacts -- --model <hf-checkpoint-dir> --out <dir> [--rank 8 ...]',
  );
  process.exit(2);
}

const load = async (path) =>
  (
    await runnerImport(new URL(path, import.meta.url).pathname, {
      configFile: false,
      logLevel: 'error',
    })
  ).module;
const { parseDecoderConfig } = await load('../src/lib/engines/onnx/config.ts');
const { LORA_MODULES } = await load('../src/lib/engines/onnx/llama-graph.ts');
const { writeSafetensors } = await load('../src/lib/engines/onnx/safetensors.ts');
const { buildTrainingArtifacts, artifactsReadme } = await load('../src/lib/train/artifacts.ts');
const { initLora } = await load('../src/lib/train/lora-init.ts');

/** Tensor names of the checkpoint (header only), to detect a missing lm_head (tied). */
function checkpointNames(dir) {
  const index = join(dir, 'model.safetensors.index.json');
  if (existsSync(index)) return Object.keys(JSON.parse(readFileSync(index, 'utf8')).weight_map);
  const file = join(dir, 'model.safetensors');
  if (!existsSync(file)) return null;
  const bytes = readFileSync(file);
  const n = Number(bytes.readBigUInt64LE(0));
  return Object.keys(JSON.parse(bytes.subarray(8, 8 + n).toString('utf8')));
}

let config = parseDecoderConfig(readFileSync(join(values.model, 'config.json'), 'utf8'));
const names = checkpointNames(values.model);
if (names && !config.tieWordEmbeddings && !names.includes('lm_head.weight')) {
  config = { ...config, tieWordEmbeddings: true };
}
const lora = {
  rank: Number(values.rank),
  alpha: Number(values.alpha),
  dropout: Number(values.dropout),
  targetModules: values.targets
    ? values.targets.split(',').map((s) => s.trim())
    : [...LORA_MODULES],
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
const write = (name, data) => writeFileSync(join(values.out, name), data);
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
const kb = (b) => `${(b.length / 1024).toFixed(0)} KiB`;
console.log(
  `wrote ${values.out}: train.onnx ${kb(artifacts.train)} (${artifacts.io.nodeCounts.train} nodes), ` +
    `eval.onnx ${kb(artifacts.eval)}, optimizer.onnx ${kb(artifacts.optimizer)} ` +
    `in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
