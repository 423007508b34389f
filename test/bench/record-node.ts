// Node benchmarks append their results here; run.mjs merges every file in reports/bench.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchOutDir, type BenchResult } from './result';

export function record(file: string, results: BenchResult[]): void {
  mkdirSync(benchOutDir, { recursive: true });
  writeFileSync(join(benchOutDir, `${file}.json`), JSON.stringify(results, null, 2));
  for (const r of results) console.log(`[bench] ${r.name}: ${r.value} ${r.unit}`);
}
