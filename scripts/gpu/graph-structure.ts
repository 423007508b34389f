// `node scripts/run-ts.mjs scripts/gpu/graph-structure.ts <config.json> <out-dir>`: writes the
// transformers.js-layout decoder graph that `npm run export-onnx` produces (export-graph.ts),
// WITHOUT its weights (model.onnx, a few hundred kB), plus weights.json listing every
// initializer it needs (name, dtype, dims). gpu_reference.py fills them with random values on
// the GPU machine, so a ~500M-parameter model travels as kilobytes instead of 2 GB.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDecoderConfig } from '../../src/lib/engines/onnx/config';
import { buildExportGraph } from '../../src/lib/engines/onnx/export-graph';

export function main(args: string[]): number {
  const [configPath, outDir] = args;
  if (!configPath || !outDir) {
    console.error('usage: graph-structure.ts <config.json> <out-dir>');
    return 2;
  }
  const raw = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
  const config = parseDecoderConfig(raw);
  const graph = buildExportGraph(config);
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'model.onnx'), graph.model);
  const params = graph.weights
    .filter((w) => !w.name.startsWith('rope.'))
    .reduce((n, w) => n + w.dims.reduce((a, b) => a * b, 1), 0);
  writeFileSync(
    join(outDir, 'weights.json'),
    JSON.stringify(
      { config: raw, headDim: config.headDim, params, weights: graph.weights },
      null,
      1,
    ),
  );
  console.log(`${graph.weights.length} initializers, ${(params / 1e6).toFixed(1)}M parameters`);
  return 0;
}
