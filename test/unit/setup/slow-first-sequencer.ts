// Longest files first, so that the unit run has no long tail (two workers on CI's 2 cores).
// Vitest orders files by the durations it cached in node_modules/.vite/vitest; without that
// cache (CI starts from `npm ci`) it runs the LARGEST files first, and these are small files
// that spawn a browser or load real-tokenizer ONNX models: bench-gpu-script.test.ts (~80 s)
// came 123rd of 138 by size, so one worker ran it alone for about a minute while the other
// had nothing left. Files listed here go first, in this order; every other file keeps
// vitest's own order. Add a file when it takes more than ~15 s on a quiet run.
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The longest files of a measured run (JSON reporter, 2 workers, 2026-12-04), longest first. */
export const SLOW_UNIT_FILES = [
  'test/unit/bench/bench-gpu-script.test.ts',
  'test/unit/train/trainer.test.ts',
  'test/unit/engines/ort-rating-real.test.ts',
  'test/unit/engines/export-transformers.test.ts',
  'test/unit/engines/engine-contract.test.ts',
  'test/unit/engines/f16-forward.test.ts',
  'test/unit/train/adapter-import.test.ts',
  'test/unit/train/train-service.test.ts',
  'test/unit/train/adapter-to-engine.test.ts',
  'test/unit/engines/ort-engine-score.test.ts',
  'test/unit/engines/int4-engine.test.ts',
  'test/unit/engines/graph-variants.test.ts',
  'test/unit/engines/hf-model-files.test.ts',
  'test/unit/engines/model-service.test.ts',
  'test/unit/engines/onnx-io.test.ts',
  'test/unit/train/optimizer.test.ts',
  'test/unit/engines/llama-forward.test.ts',
  'test/unit/engines/ort-engine.test.ts',
  'test/unit/train/lora-grads-torch.test.ts',
  'test/unit/train/backward-rules.test.ts',
];

function rank(file: string): number {
  const normalised = file.replaceAll('\\', '/');
  const i = SLOW_UNIT_FILES.findIndex((slow) => normalised.endsWith(slow));
  return i < 0 ? SLOW_UNIT_FILES.length : i;
}

export default class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    // A stable sort: unlisted files keep the base order among themselves.
    return base
      .map((spec, i) => ({ spec, i, r: rank(spec.moduleId) }))
      .sort((a, b) => a.r - b.r || a.i - b.i)
      .map((x) => x.spec);
  }
}
