// Ingest throughput and memory in headless Chromium: the real pipeline (readers → segmenter →
// MinHash-LSH dedup → batched IndexedDB transactions) on generated JSONL and HTML corpora.
// Targets (issue): ≥ 20 MB/s JSONL, ≥ 5 MB/s HTML, peak JS heap < 300 MB and flat as the
// input grows. Sizes: 50 and 200 MB always; 1 GB when BENCH_INGEST_GB=1 (about a minute more).
import { describe, expect, it } from 'vitest';
import { readFile } from '../../../src/lib/corpus/read-file';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import type { IngestEvent } from '../../../src/lib/pipeline/ingest-protocol';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import type { CallContext } from '../../../src/lib/protocol';
import { openStore } from '../../../src/lib/store';
import { heapMB, record } from '../record-browser';
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
}

async function runIngest(name: string, files: File[]): Promise<RunResult> {
  const dbName = `bench-ingest-${name}`;
  await new Promise((r) => {
    const req = indexedDB.deleteDatabase(dbName);
    req.onsuccess = req.onerror = req.onblocked = r;
  });
  const store = await openStore(dbName);
  const ws = await store.workspaces.create(`bench ${name}`);
  // Time per stage: segment and dedup run on this thread; a batch commits while the next one
  // is read, so commit time overlaps them.
  const t = { commit: 0, segment: 0, dedup: 0 };
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
  const service = new IngestService({
    repo,
    read: readFile,
    segment: (doc, opts) => {
      const t0 = performance.now();
      const out = segmentDocument(doc, opts);
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
      return dedup;
    },
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
  const t0 = performance.now();
  try {
    const res = await service.ingest(
      { workspaceId: ws.id, files: files.map((file) => ({ file })) },
      ctx,
    );
    const seconds = (performance.now() - t0) / 1000;
    peakHeapMB = Math.max(peakHeapMB, heapMB());
    expect(res.counts.filesFailed).toBe(0);
    return {
      stages: `segment ${(t.segment / 1000).toFixed(1)} s, dedup ${(t.dedup / 1000).toFixed(1)} s, IndexedDB commits ${(t.commit / 1000).toFixed(1)} s (overlapping the others)`,
      seconds,
      bytes: files.reduce((n, f) => n + f.size, 0),
      segments: res.counts.segments,
      kept: res.counts.kept,
      peakHeapMB,
      baseHeapMB,
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
    `(${r.kept} kept), heap ${r.baseHeapMB.toFixed(0)} → peak ${r.peakHeapMB.toFixed(0)} MB; ${r.stages}`
  );
}

describe('ingest bench', () => {
  it('JSONL and HTML throughput, peak heap as input grows', async () => {
    const results: BenchResult[] = [];
    const peaks: number[] = [];
    for (const size of sizesMB) {
      const blob = jsonlCorpus(size * MB);
      const file = new File([blob], `corpus-${size}mb.jsonl`);
      const r = await runIngest(`jsonl-${size}`, [file]);
      console.log(`[bench] jsonl ${describeRun(r)}`);
      peaks.push(r.peakHeapMB);
      const detail = describeRun(r);
      if (size === sizesMB[0]) {
        results.push(
          measure(
            'ingest JSONL throughput',
            r.bytes / MB / r.seconds,
            'MB/s',
            { atLeast: 20 },
            detail,
          ),
        );
        results.push(
          measure(
            'ingest JSONL segments/s',
            r.segments / r.seconds,
            'segments/s',
            undefined,
            detail,
          ),
        );
      } else {
        results.push(
          measure(
            `ingest JSONL throughput (${size} MB)`,
            r.bytes / MB / r.seconds,
            'MB/s',
            undefined,
            detail,
          ),
        );
      }
      results.push(
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
    const h = await runIngest(`html-${htmlMB}`, pages);
    console.log(`[bench] html ${describeRun(h)} (${pages.length} pages)`);
    const hDetail = `${describeRun(h)}, ${pages.length} pages`;
    results.push(
      measure('ingest HTML throughput', h.bytes / MB / h.seconds, 'MB/s', { atLeast: 5 }, hDetail),
    );
    results.push(
      measure('ingest HTML segments/s', h.segments / h.seconds, 'segments/s', undefined, hDetail),
    );
    results.push(measure('ingest HTML peak heap', h.peakHeapMB, 'MB', { atMost: 300 }, hDetail));
    await record('ingest', results);
  });
});
