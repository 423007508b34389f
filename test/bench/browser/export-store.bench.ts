// Export throughput through the store path in headless Chromium (issue 11 item 5): a run of
// generated candidates (instruction ~115 and output ~1,660 characters, the paper's A_5 means,
// v1 Table 2; a rating each, every 20th edited by a person) in real IndexedDB, exported as the
// Export step does it: paged out of the store (pipeline/export-service.ts), selected, through
// the writer, into a Blob built from the chunks. Side by side in one run, alternated twice,
// median reported: the store read alone (no writer), JSONL (Alpaca, tagged), Parquet (tagged),
// and the statistics pass; the ratios say what the store costs and Parquet against JSONL.
// BENCH_EXPORT_PAIRS (VITE_ env) changes the size (default 20,000).
import { it } from 'vitest';
import type { Candidate } from '../../../src/lib/domain';
import type { ExportOptions } from '../../../src/lib/method/export';
import { exportRunChunks, runPairs, runStatistics } from '../../../src/lib/pipeline/export-service';
import { openStore } from '../../../src/lib/store';
import { pageByIndex } from '../../../src/lib/store/cursor';
import { openDatabase } from '../../../src/lib/store/db';
import { newId } from '../../../src/lib/util/ids';
import { heapMB, record } from '../record-browser';
import { measure, type BenchResult } from '../result';

const PAIRS = Number(import.meta.env.VITE_BENCH_EXPORT_PAIRS ?? 20_000);
const MB = 1_000_000;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ka', 'lo', 'mi', 'ter', 'san', 'vel', 'dro', 'pun', 'est', 'gra', 'ion', 'ül'];
function text(r: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) {
    let w = '';
    for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++)
      w += SYLLABLES[Math.floor(r() * SYLLABLES.length)];
    out += (out ? ' ' : '') + w;
  }
  return out;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

it('export throughput through the store: JSONL vs Parquet', async () => {
  const dbName = `bench-export-${newId()}`;
  const store = await openStore(dbName);
  const ws = (await store.workspaces.create('bench')).id;
  const run = await store.runs.create(ws, { name: 'bench', config: {} });
  const r = rng(11);
  for (let start = 0; start < PAIRS; start += 1000) {
    const batch: Candidate[] = [];
    for (let i = start; i < Math.min(PAIRS, start + 1000); i++) {
      const instruction = text(r, 60 + Math.floor(r() * 110));
      batch.push({
        id: newId(),
        workspaceId: ws,
        runId: run.id,
        segmentId: `s${i}`,
        documentId: 'd',
        headerPath: ['Doc', `Part ${i}`],
        output: text(r, 1000 + Math.floor(r() * 1300)),
        rawInstruction: instruction,
        instruction,
        producedBy: 'bench',
        ratings: [{ rater: 'M0', iteration: 1, mode: 'paper', score: 1 + (i % 5), ratedAt: i }],
        ...(i % 20 === 0 ? { override: { verdict: 'accept', instruction: 'edited', at: i } } : {}),
      });
    }
    await store.candidates.putBatch(batch);
  }

  const all: ExportOptions['selection'] = { rule: { by: 'all' }, origins: ['augmented'] };
  const kinds: Record<string, () => Promise<{ bytes: number }>> = {
    // The same pages read record by record with a cursor (what candidates.page did before).
    'store read (cursor)': async () => {
      const db = await openDatabase(dbName);
      let n = 0;
      let after: string | undefined;
      do {
        const tx = db.transaction('candidates');
        const page = await pageByIndex(tx.store.index('byRun'), run.id, after, 500);
        for (const c of page.items) n += c.output.length;
        after = page.next;
      } while (after !== undefined);
      db.close();
      return { bytes: n };
    },
    'store read': async () => {
      let n = 0;
      for await (const p of runPairs(store, run, { seeds: false })) n += p.output.length;
      return { bytes: n };
    },
    jsonl: () => toBlob({ format: 'alpaca', selection: all, systemTags: true }),
    parquet: () => toBlob({ format: 'parquet', selection: all, systemTags: true }),
    statistics: async () => {
      await runStatistics(store, run);
      return { bytes: 0 };
    },
  };
  let peakHeap = 0;
  async function toBlob(opts: ExportOptions) {
    const parts: Uint8Array<ArrayBuffer>[] = [];
    for await (const c of exportRunChunks(store, run, opts)) {
      parts.push(c);
      peakHeap = Math.max(peakHeap, heapMB());
    }
    return { bytes: new Blob(parts).size };
  }

  const seconds: Record<string, number[]> = {};
  const bytes: Record<string, number> = {};
  for (let round = 0; round < 2; round++) {
    for (const [name, go] of Object.entries(kinds)) {
      const t0 = performance.now();
      bytes[name] = (await go()).bytes;
      (seconds[name] ??= []).push((performance.now() - t0) / 1000);
    }
  }
  store.close();
  const rate = (name: string) => PAIRS / median(seconds[name]);
  const detail = (name: string) =>
    `${PAIRS} stored candidates, page 500, median of 2 alternated` +
    (bytes[name] ? `; ${(bytes[name] / MB).toFixed(1)} MB out` : '');
  const results: BenchResult[] = Object.keys(kinds).map((name) =>
    measure(`export via store ${name}: pairs/s`, rate(name), 'pairs/s', undefined, detail(name)),
  );
  results.push(
    measure('export via store parquet/jsonl speed ratio', rate('parquet') / rate('jsonl'), 'x'),
    measure(
      'export via store bulk pages / cursor pages (read alone)',
      rate('store read') / rate('store read (cursor)'),
      'x',
      undefined,
      'same pages, same run, alternated',
    ),
    measure(
      'export via store jsonl / store read alone',
      rate('jsonl') / rate('store read'),
      'x',
      undefined,
      'below 1: the writer costs on top of paging candidates out of IndexedDB',
    ),
    measure(
      'export via store peak JS heap',
      peakHeap,
      'MB',
      undefined,
      'performance.memory at each chunk; the Blob parts are counted while held',
    ),
  );
  await record('export-store', results);
});
