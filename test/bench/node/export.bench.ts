// Export throughput (issue 11 item 5): the same 50,000 generated pairs (instruction ~115 and
// output ~1,660 characters, the paper's A_5 means, v1 Table 2) through the JSONL (Alpaca,
// tagged) and Parquet writers, alternated twice in one run so the comparison is side by side;
// the median of each is reported with the Parquet/JSONL ratio. Pairs are generated lazily, so
// the heap figure (peak heapUsed above the start, sampled at every chunk) shows what the
// writer holds, not the data set (the 4,096-text pool, about 7 MB, is made before).
import { loadavg } from 'node:os';
import { it } from 'vitest';
import { jsonlChunks } from '../../../src/lib/method/export/jsonl';
import { parquetChunks } from '../../../src/lib/method/export/parquet';
import type { Chunk, ExportRow } from '../../../src/lib/method/export/types';
import { measure, type BenchResult } from '../result';
import { record } from '../record-node';

const PAIRS = 50_000;
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

const WORDS = Array.from({ length: 4000 }, (_, i) => {
  const r = rng(i + 1);
  const syl = ['ka', 'lo', 'mi', 'ter', 'san', 'vel', 'dro', 'pun', 'est', 'gra', 'ion', 'ül'];
  let w = '';
  for (let k = 0, n = 1 + Math.floor(r() * 3); k < n; k++) w += syl[Math.floor(r() * syl.length)];
  return w;
});

function text(r: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + WORDS[Math.floor(WORDS.length * r() ** 2)];
  return out;
}

// A pool of texts, drawn from per row: generating text inside the timed loop would be
// measured as export time.
const POOL = (() => {
  const r = rng(7);
  return Array.from({ length: 4096 }, () => ({
    instruction: text(r, 60 + Math.floor(r() * 110)),
    output: text(r, 1000 + Math.floor(r() * 1300)),
  }));
})();

function* rows(): Generator<ExportRow> {
  const r = rng(42);
  for (let i = 0; i < PAIRS; i++) {
    const a = POOL[Math.floor(r() * POOL.length)];
    const b = POOL[Math.floor(r() * POOL.length)];
    yield {
      instruction: a.instruction,
      output: b.output,
      origin: i % 16 === 0 ? 'seed' : 'augmented',
      rater: 'M1',
      iteration: 2,
      score: 5,
      expected: 4 + r(),
    };
  }
}

async function run(make: () => AsyncGenerator<Chunk>) {
  globalThis.gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  let peak = 0;
  let bytes = 0;
  let chunks = 0;
  const t0 = performance.now();
  for await (const c of make()) {
    bytes += c.byteLength;
    chunks++;
    peak = Math.max(peak, process.memoryUsage().heapUsed - heap0);
  }
  const s = (performance.now() - t0) / 1000;
  return { s, bytes, chunks, peak };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

it('export throughput: JSONL vs Parquet', async () => {
  const kinds = {
    jsonl: () => jsonlChunks(rows(), 'alpaca', { systemTags: true }),
    parquet: () => parquetChunks(rows(), { systemTags: true }),
  };
  const runs: Record<string, Awaited<ReturnType<typeof run>>[]> = { jsonl: [], parquet: [] };
  for (let round = 0; round < 2; round++) {
    for (const [name, make] of Object.entries(kinds)) runs[name].push(await run(make));
  }
  const load = loadavg()[0].toFixed(1);
  const results: BenchResult[] = [];
  const pairsPerS: Record<string, number> = {};
  for (const [name, rs] of Object.entries(runs)) {
    const s = median(rs.map((r) => r.s));
    const { bytes, chunks } = rs[0];
    const peak = Math.max(...rs.map((r) => r.peak));
    pairsPerS[name] = PAIRS / s;
    const detail = `${PAIRS} pairs, ${(bytes / MB).toFixed(1)} MB out in ${chunks} chunks; median of 2; load ${load}`;
    results.push(measure(`export ${name}: pairs/s`, PAIRS / s, 'pairs/s', undefined, detail));
    results.push(
      measure(`export ${name}: MB/s (output)`, bytes / MB / s, 'MB/s', undefined, detail),
    );
    results.push(
      measure(
        `export ${name}: peak heap above start`,
        peak / MB,
        'MB',
        undefined,
        "sampled at each chunk; rows reuse pooled strings, so a group's text is not new memory; includes garbage not yet collected",
      ),
    );
  }
  results.push(
    measure(
      'export parquet/jsonl speed ratio',
      pairsPerS.parquet / pairsPerS.jsonl,
      'x',
      undefined,
      'same pairs, same run, alternated',
    ),
  );
  record('export', results);
});
