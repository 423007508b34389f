// Browser benchmarks write through Vitest's server-side file command. Paths given to
// `commands.writeFile` resolve against the project root (vitest 4), not the test file.
import { commands } from 'vitest/browser';
import { benchOutDir, type BenchResult } from './result';

export async function record(file: string, results: BenchResult[]): Promise<void> {
  await commands.writeFile(`${benchOutDir}/${file}.json`, JSON.stringify(results, null, 2));
  for (const r of results) console.log(`[bench] ${r.name}: ${r.value} ${r.unit}`);
}

/** Current JS heap in MB (Chromium; precise with --enable-precise-memory-info). */
export function heapMB(): number {
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return mem ? mem.usedJSHeapSize / 2 ** 20 : NaN;
}
