// Issue 11 item 5: a large export is streamed. 100,000 pairs go through the JSONL and Parquet
// writers while a counting source records how far the writer has read when each chunk comes
// out: what it holds at any moment is bounded by one chunk (JSONL) or one row group (Parquet),
// by construction, whatever the export's size.
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { jsonlChunks } from '../../../../src/lib/method/export/jsonl';
import { parquetChunks } from '../../../../src/lib/method/export/parquet';
import type { ExportRow } from '../../../../src/lib/method/export/types';

const N = 100_000;

/** A lazy source of N rows that counts how many the writer has pulled. */
function countingSource(n: number, row: (i: number) => ExportRow) {
  const counter = { pulled: 0 };
  async function* rows() {
    for (let i = 0; i < n; i++) {
      counter.pulled++;
      yield row(i);
    }
  }
  return { counter, rows: rows() };
}

const smallRow = (i: number): ExportRow => ({
  instruction: `Question ${i}: what is ${i} + ${i}?`,
  output: `The answer is ${2 * i}. — ünïcödé ${i % 7}`,
  origin: i % 10 === 0 ? 'seed' : 'augmented',
  score: (i % 5) + 1,
});

describe('streamed export of 100,000 pairs', () => {
  it('JSONL: every chunk is at most chunkBytes, and the writer reads at most one chunk ahead', async () => {
    const chunkBytes = 64 * 1024;
    const { counter, rows } = countingSource(N, smallRow);
    const minLineBytes = new TextEncoder().encode(
      JSON.stringify({
        instruction: smallRow(0).instruction,
        input: '',
        output: smallRow(0).output,
      }),
    ).length;
    let lines = 0;
    let chunks = 0;
    let maxAhead = 0;
    for await (const chunk of jsonlChunks(rows, 'alpaca', { chunkBytes })) {
      expect(chunk.length).toBeLessThanOrEqual(chunkBytes);
      chunks++;
      for (const b of chunk) if (b === 10) lines++;
      // Rows pulled but not yet in a chunk handed out: at most what fits in one chunk, + 1.
      maxAhead = Math.max(maxAhead, counter.pulled - lines);
    }
    expect(lines).toBe(N);
    expect(counter.pulled).toBe(N);
    expect(maxAhead).toBeLessThanOrEqual(Math.ceil(chunkBytes / minLineBytes) + 1);
    expect(maxAhead).toBeGreaterThan(0);
    expect(chunks).toBeGreaterThan(N / Math.ceil(chunkBytes / minLineBytes));
  });

  it('JSONL: a line longer than a chunk goes out alone, whole', async () => {
    const long = 'x'.repeat(5000);
    const rows: ExportRow[] = [
      { instruction: 'a', output: 'b', origin: 'seed' },
      { instruction: 'long', output: long, origin: 'seed' },
      { instruction: 'c', output: 'd', origin: 'seed' },
    ];
    const sizes: number[] = [];
    const texts: string[] = [];
    for await (const c of jsonlChunks(rows, 'alpaca', { chunkBytes: 1024 })) {
      sizes.push(c.length);
      texts.push(new TextDecoder().decode(c));
    }
    expect(sizes).toHaveLength(3);
    expect(sizes[0]).toBeLessThanOrEqual(1024);
    expect(JSON.parse(texts[1]).output).toBe(long);
    expect(texts.join('').split('\n').filter(Boolean)).toHaveLength(3);
  });

  it('Parquet: one chunk per row group of rowGroupRows, pulled only when the group is written', async () => {
    const rowGroupRows = 5000;
    const { counter, rows } = countingSource(N, smallRow);
    const pulledAtChunk: number[] = [];
    const parts: Uint8Array[] = [];
    for await (const chunk of parquetChunks(rows, { rowGroupRows })) {
      pulledAtChunk.push(counter.pulled);
      parts.push(chunk);
    }
    const groups = N / rowGroupRows;
    // Chunk k is row group k, handed out as soon as its last row is read; then the footer.
    expect(pulledAtChunk).toEqual([
      ...Array.from({ length: groups }, (_, k) => (k + 1) * rowGroupRows),
      N,
    ]);
    const bytes = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      bytes.set(p, at);
      at += p.length;
    }
    const metadata = parquetMetadata(bytes.buffer);
    expect(Number(metadata.num_rows)).toBe(N);
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual(
      Array(groups).fill(rowGroupRows),
    );
    // A group's chunk is about its rows' encoded size: far below the whole file.
    const largestGroup = Math.max(...parts.slice(0, -1).map((p) => p.length));
    expect(largestGroup).toBeLessThan(bytes.length / (groups / 2));
  });

  it('Parquet: long texts close a row group by characters before it reaches rowGroupRows', async () => {
    const big = 'y'.repeat(10_000);
    const { counter, rows } = countingSource(23, (i) => ({
      instruction: `q${i}`,
      output: big,
      origin: 'augmented',
    }));
    const pulledAtChunk: number[] = [];
    const parts: Uint8Array[] = [];
    for await (const chunk of parquetChunks(rows, { rowGroupRows: 1000, rowGroupChars: 50_000 })) {
      pulledAtChunk.push(counter.pulled);
      parts.push(chunk);
    }
    // 10,002–10,003 characters a row: the fifth row passes 50,000.
    expect(pulledAtChunk).toEqual([5, 10, 15, 20, 23, 23]);
    const total = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      total.set(p, at);
      at += p.length;
    }
    expect(parquetMetadata(total.buffer).row_groups.map((g) => Number(g.num_rows))).toEqual([
      5, 5, 5, 5, 3,
    ]);
  });
});
