// Ingest throughput and memory in headless Chromium: the real pipeline (readers → segmenter →
// MinHash-LSH dedup → batched IndexedDB transactions) on generated JSONL and HTML corpora,
// with 1 worker (everything on one thread) and with the pool of N real segmenter workers
// (N = hardwareConcurrency, at least 2), side by side in one run, and the scaling 1 → N.
// Targets (issue 14): ≥ 20 MB/s JSONL, ≥ 5 MB/s HTML, peak JS heap < 300 MB and flat as the
// input grows. Sizes: 50 MB at 1 and N workers, 200 MB at N; 1 GB when BENCH_INGEST_GB=1.
// The heap is this page's (reader + writer); the segmenter workers' heaps are not in it.
import { describe, expect, it } from 'vitest';
import { readFile } from '../../../src/lib/corpus/read-file';
import type { HtmlOptions } from '../../../src/lib/corpus/html';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { defaultLshOptions } from '../../../src/lib/corpus/minhash';
import { defaultSegmentOptions } from '../../../src/lib/corpus/types';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import { poolSizeFor, SegmenterPool } from '../../../src/lib/pipeline/segmenter-pool';
import type { IngestEvent } from '../../../src/lib/pipeline/ingest-protocol';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import type { CallContext } from '../../../src/lib/protocol';
import { openStore } from '../../../src/lib/store';
import { browserThreadCpu, cpuDelta, heapMB, record, type ThreadCpu } from '../record-browser';
import { measure, type BenchResult } from '../result';
import { htmlCorpus, jsonlCorpus } from './corpus-gen';

const MB = 1_000_000;
// VITE_BENCH_INGEST_SIZES="5,20" overrides the JSONL sizes (quick local runs).
const sizesMB = import.meta.env.VITE_BENCH_INGEST_SIZES
  ? String(import.meta.env.VITE_BENCH_INGEST_SIZES)
      .split(',')
      .map(Number)
  : [50, 200, ...(import.meta.env.VITE_BENCH_INGEST_GB ? [1000] : [])];
const htmlMB = Math.min(50, sizesMB[0]);

/** Workers of the pooled runs: the machine's cores, at least 2 (so scaling is measured). */
const poolWorkers = Math.max(2, poolSizeFor(navigator.hardwareConcurrency));
const spawnSegmenter = () =>
  new Worker(new URL('../../../workers/segmenter.worker.ts', import.meta.url), {
    type: 'module',
    name: 'segmenter',
  });

/** Wall time spent in a reader's `next()` (decoding, and waiting for the file's bytes). */
async function* timed<T>(gen: AsyncGenerator<T>, add: (ms: number) => void): AsyncGenerator<T> {
  for (;;) {
    const t0 = performance.now();
    const r = await gen.next();
    add(performance.now() - t0);
    if (r.done) return;
    yield r.value;
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface RunResult {
  stages: string;
  seconds: number;
  bytes: number;
  segments: number;
  kept: number;
  peakHeapMB: number;
  baseHeapMB: number;
  /** CPU seconds the run took per browser thread group (thread-cpu.ts). */
  cpu: ThreadCpu;
}

/**
 * `html` picks the extraction's parser on this thread (1 worker only): `parser: 'linkedom'` is
 * the path before issue 14 item 1, measured beside the light tree in the same run.
 */
async function runIngest(
  name: string,
  files: File[],
  workers: number,
  html: HtmlOptions = {},
): Promise<RunResult> {
  const dbName = `bench-ingest-${name}-${workers}`;
  await new Promise((r) => {
    const req = indexedDB.deleteDatabase(dbName);
    req.onsuccess = req.onerror = req.onblocked = r;
  });
  const store = await openStore(dbName);
  const ws = await store.workspaces.create(`bench ${name}`);
  // Time per stage: segment (1 worker only: with the pool it runs in the workers) and dedup
  // decisions run on this thread; a batch commits while the next one is read, so commit time
  // overlaps them.
  const t = { commit: 0, segment: 0, dedup: 0, read: 0 };
  const repo = { ...store.ingest };
  const commit = repo.commitIngestBatch.bind(repo);
  repo.commitIngestBatch = async (b) => {
    const t0 = performance.now();
    try {
      return await commit(b);
    } finally {
      t.commit += performance.now() - t0;
    }
  };
  // The pool's workers are started and have loaded their modules before the clock starts
  // (under the bench's dev server a worker transforms and fetches each module, seconds on a
  // loaded machine; the built app loads one chunk). Their start time is reported apart.
  let pool: SegmenterPool | undefined;
  let startMs = 0;
  if (workers > 1) {
    const s0 = performance.now();
    pool = new SegmenterPool(spawnSegmenter, workers);
    const doc = { source: 'warm', offset: 0, format: 'text' as const, content: 'warm up' };
    const hashing = { minhash: {}, lsh: defaultLshOptions };
    await Promise.all(
      Array.from({ length: workers }, () => pool!.prepare([doc], defaultSegmentOptions, hashing)),
    );
    startMs = performance.now() - s0;
  }
  const service = new IngestService({
    repo,
    read: (file, opts) => timed(readFile(file, opts), (ms) => (t.read += ms)),
    segment: (doc, opts) => {
      const t0 = performance.now();
      const out = segmentDocument(doc, opts, html);
      t.segment += performance.now() - t0;
      return out;
    },
    dedupFor: async (id) => {
      const dedup = await WorkspaceDedup.open(store.dedupChunks, id);
      const check = dedup.check.bind(dedup);
      dedup.check = async (segmentId, text) => {
        const t0 = performance.now();
        try {
          return await check(segmentId, text);
        } finally {
          t.dedup += performance.now() - t0;
        }
      };
      const checkPrepared = dedup.checkPrepared.bind(dedup);
      dedup.checkPrepared = async (segmentId, hash, signature, keys) => {
        const t0 = performance.now();
        try {
          return await checkPrepared(segmentId, hash, signature, keys);
        } finally {
          t.dedup += performance.now() - t0;
        }
      };
      return dedup;
    },
    pool: () => pool,
    stage: false,
  });
  const ctx: CallContext<IngestEvent> = {
    signal: new AbortController().signal,
    throwIfCancelled: () => undefined,
    progress: () => undefined,
    emit: () => undefined,
  };
  gc();
  const baseHeapMB = heapMB();
  let peakHeapMB = baseHeapMB;
  const sampler = setInterval(() => (peakHeapMB = Math.max(peakHeapMB, heapMB())), 100);
  const cpu0 = await browserThreadCpu();
  const t0 = performance.now();
  try {
    const res = await service.ingest(
      { workspaceId: ws.id, files: files.map((file) => ({ file })) },
      ctx,
    );
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuDelta(cpu0, await browserThreadCpu());
    peakHeapMB = Math.max(peakHeapMB, heapMB());
    expect(res.counts.filesFailed).toBe(0);
    return {
      stages: `${workers} worker${workers > 1 ? 's' : ''}: segment ${pool ? `in the pool (started in ${startMs.toFixed(0)} ms, not timed; workers busy ${(pool.busyMs / 1000).toFixed(1)} s summed)` : `${(t.segment / 1000).toFixed(1)} s`}, read ${(t.read / 1000).toFixed(1)} s, dedup decisions ${(t.dedup / 1000).toFixed(1)} s, IndexedDB commits ${(t.commit / 1000).toFixed(1)} s (overlapping the others)`,
      seconds,
      bytes: files.reduce((n, f) => n + f.size, 0),
      segments: res.counts.segments,
      kept: res.counts.kept,
      peakHeapMB,
      baseHeapMB,
      cpu,
    };
  } finally {
    clearInterval(sampler);
    store.close();
    indexedDB.deleteDatabase(dbName);
  }
}

function describeRun(r: RunResult): string {
  return (
    `${(r.bytes / MB).toFixed(0)} MB in ${r.seconds.toFixed(1)} s, ${r.segments} segments ` +
    `(${r.kept} kept), heap ${r.baseHeapMB.toFixed(0)} → peak ${r.peakHeapMB.toFixed(0)} MB; ${r.stages}; ${describeCpu(r)}`
  );
}

/** Cores of the machine the bound is stated for (this one: 2). */
const cores = navigator.hardwareConcurrency;

/**
 * The throughput that the run's CPU time allows: its busiest thread bounds it on any number
 * of cores, and all its threads together on `cores` (IndexedDB's work in the browser process,
 * GC and the segmenter workers included). Unlike the wall clock it hardly moves with the
 * machine's other load, so it is the figure to compare across runs and the ceiling to state.
 */
function cpuCeiling(r: RunResult): {
  mbps: number;
  busiest: string;
  busiestS: number;
  totalS: number;
} {
  const entries = Object.entries(r.cpu);
  const totalS = entries.reduce((n, [, s]) => n + s, 0);
  const [busiest, busiestS] = entries.reduce((a, b) => (b[1] > a[1] ? b : a), ['none', 0]);
  const bound = Math.max(busiestS, totalS / cores);
  return { mbps: bound > 0 ? r.bytes / MB / bound : NaN, busiest, busiestS, totalS };
}

function describeCpu(r: RunResult): string {
  const c = cpuCeiling(r);
  if (!Number.isFinite(c.mbps)) return 'CPU per thread not measured';
  const top = Object.entries(r.cpu)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 5)
    .map(([k, s]) => `${k} ${s.toFixed(2)}`)
    .join(', ');
  return `CPU ${c.totalS.toFixed(2)} s (${top}), so at most ${c.mbps.toFixed(1)} MB/s on ${cores} cores`;
}

const mbps = (r: RunResult) => r.bytes / MB / r.seconds;

describe('ingest bench', () => {
  it('JSONL and HTML throughput at 1 and N workers, peak heap as input grows', async () => {
    const results: BenchResult[] = [];
    const peaks: number[] = [];
    // Warm this thread's JIT first (1 MB of each kind, untimed): otherwise the first timed run,
    // the serial one, pays for compiling the pipeline and the side-by-side favours the pool.
    await runIngest('warm-jsonl', [new File([jsonlCorpus(MB, 9)], 'warm.jsonl')], 1);
    await runIngest('warm-html', htmlCorpus(MB, 9), 1);
    await runIngest('warm-html-linkedom', htmlCorpus(MB, 9), 1, { parser: 'linkedom' });
    const N = poolWorkers;
    for (const size of sizesMB) {
      const blob = jsonlCorpus(size * MB);
      const file = new File([blob], `corpus-${size}mb.jsonl`);
      if (size === sizesMB[0]) {
        // Side by side: the serial path, then the pool, on the same bytes.
        const one = await runIngest(`jsonl-${size}`, [file], 1);
        const many = await runIngest(`jsonl-${size}`, [file], N);
        console.log(`[bench] jsonl ${describeRun(one)}\n[bench] jsonl ${describeRun(many)}`);
        expect(many.segments).toBe(one.segments);
        expect(many.kept).toBe(one.kept);
        peaks.push(many.peakHeapMB);
        const detail = `${describeRun(many)} | ${describeRun(one)}`;
        results.push(
          measure(
            `ingest JSONL throughput (${N} workers)`,
            mbps(many),
            'MB/s',
            { atLeast: 20 },
            detail,
          ),
          measure(
            'ingest JSONL throughput (1 worker)',
            mbps(one),
            'MB/s',
            undefined,
            describeRun(one),
          ),
          measure(
            `ingest JSONL CPU-time bound on ${cores} cores (1 worker)`,
            cpuCeiling(one).mbps,
            'MB/s',
            undefined,
            describeCpu(one),
          ),
          measure(
            `ingest JSONL CPU-time bound on ${cores} cores (${N} workers)`,
            cpuCeiling(many).mbps,
            'MB/s',
            undefined,
            describeCpu(many),
          ),
          measure(
            `ingest JSONL scaling 1 → ${N} workers`,
            mbps(many) / mbps(one),
            'x',
            undefined,
            detail,
          ),
          measure(
            `ingest JSONL segments/s (${N} workers)`,
            many.segments / many.seconds,
            'segments/s',
            undefined,
            detail,
          ),
          measure(
            `ingest JSONL peak heap (${size} MB input)`,
            many.peakHeapMB,
            'MB',
            { atMost: 300 },
            detail,
          ),
        );
        continue;
      }
      const r = await runIngest(`jsonl-${size}`, [file], N);
      console.log(`[bench] jsonl ${describeRun(r)}`);
      peaks.push(r.peakHeapMB);
      const detail = describeRun(r);
      results.push(
        measure(
          `ingest JSONL throughput (${size} MB, ${N} workers)`,
          mbps(r),
          'MB/s',
          undefined,
          detail,
        ),
        measure(
          `ingest JSONL peak heap (${size} MB input)`,
          r.peakHeapMB,
          'MB',
          { atMost: 300 },
          detail,
        ),
      );
    }
    // Flat: the biggest input may not need much more heap than the smallest.
    const growth = peaks[peaks.length - 1] - peaks[0];
    results.push(
      measure(
        'ingest peak heap growth (50 MB → largest input)',
        growth,
        'MB',
        { atMost: 100 },
        peaks.map((p) => p.toFixed(0)).join(' → '),
      ),
    );

    const pages = htmlCorpus(htmlMB * MB);
    const dom = await runIngest(`html-${htmlMB}-linkedom`, pages, 1, { parser: 'linkedom' });
    const one = await runIngest(`html-${htmlMB}`, pages, 1);
    const many = await runIngest(`html-${htmlMB}`, pages, N);
    console.log(
      `[bench] html (linkedom for every page) ${describeRun(dom)}\n[bench] html ${describeRun(one)}\n[bench] html ${describeRun(many)} (${pages.length} pages)`,
    );
    expect(one.segments).toBe(dom.segments);
    expect(one.kept).toBe(dom.kept);
    expect(many.segments).toBe(one.segments);
    expect(many.kept).toBe(one.kept);
    const hDetail = `${describeRun(many)}, ${pages.length} pages | ${describeRun(one)}`;
    results.push(
      measure(`ingest HTML throughput (${N} workers)`, mbps(many), 'MB/s', { atLeast: 5 }, hDetail),
      measure('ingest HTML throughput (1 worker)', mbps(one), 'MB/s', undefined, describeRun(one)),
      measure(
        `ingest HTML CPU-time bound on ${cores} cores (1 worker)`,
        cpuCeiling(one).mbps,
        'MB/s',
        undefined,
        describeCpu(one),
      ),
      measure(
        `ingest HTML CPU-time bound on ${cores} cores (1 worker, linkedom for every page)`,
        cpuCeiling(dom).mbps,
        'MB/s',
        undefined,
        `before issue 14 item 1, same run: ${describeCpu(dom)}`,
      ),
      measure(
        `ingest HTML CPU-time bound on ${cores} cores (${N} workers)`,
        cpuCeiling(many).mbps,
        'MB/s',
        undefined,
        describeCpu(many),
      ),
      measure(
        `ingest HTML scaling 1 → ${N} workers`,
        mbps(many) / mbps(one),
        'x',
        undefined,
        hDetail,
      ),
      measure(
        `ingest HTML segments/s (${N} workers)`,
        many.segments / many.seconds,
        'segments/s',
        undefined,
        hDetail,
      ),
      measure('ingest HTML peak heap', many.peakHeapMB, 'MB', { atMost: 300 }, hDetail),
    );
    await record('ingest', results);
  });
});
