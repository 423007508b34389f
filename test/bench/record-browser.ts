// Browser benchmarks write through Vitest's server-side file command. Paths given to
// `commands.writeFile` resolve against the project root (vitest 4), not the test file.
import { commands } from 'vitest/browser';
import { benchOutDir, type BenchResult } from './result';
import type { ThreadCpu } from './thread-cpu';

export type { ThreadCpu };

declare module 'vitest/browser' {
  interface BrowserCommands {
    threadCpu: () => Promise<ThreadCpu>;
  }
}

/** CPU seconds so far of each thread group of this browser (thread-cpu.ts); {} off Linux. */
export function browserThreadCpu(): Promise<ThreadCpu> {
  return commands.threadCpu();
}

/** What a run consumed: `after − before`, groups that used under 10 ms left out. */
export function cpuDelta(before: ThreadCpu, after: ThreadCpu): ThreadCpu {
  const out: ThreadCpu = {};
  for (const [key, s] of Object.entries(after)) {
    const d = s - (before[key] ?? 0);
    if (d >= 0.01) out[key] = d;
  }
  return out;
}

export async function record(file: string, results: BenchResult[]): Promise<void> {
  await commands.writeFile(`${benchOutDir}/${file}.json`, JSON.stringify(results, null, 2));
  for (const r of results) console.log(`[bench] ${r.name}: ${r.value} ${r.unit}`);
}

/** Current JS heap in MB (Chromium; precise with --enable-precise-memory-info). */
export function heapMB(): number {
  const mem = (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory;
  return mem ? mem.usedJSHeapSize / 2 ** 20 : NaN;
}
