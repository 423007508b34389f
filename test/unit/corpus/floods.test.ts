// Issue 13 item 2: a compressed flood of blank or tiny lines notices cancel, and the caps on
// line length hold whatever the chunk size (each completed line is checked, not each chunk).
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../src/lib/corpus/decode';
import { readFile } from '../../../src/lib/corpus/read-file';
import { file, readAllDocs, readError } from './helpers';

describe('floods and caps', () => {
  it('cancels a gzipped flood of blank lines between documents', async () => {
    // 16 MiB of newlines inflate from ~16 KB: the reader must stop when told, not at the end.
    const flood = new Uint8Array(16 * 1024 * 1024).fill(0x0a);
    flood.set(new TextEncoder().encode('{"text":"first"}\n'));
    const controller = new AbortController();
    let bytes = 0;
    const docs: string[] = [];
    const read = async () => {
      for await (const d of readFile(file('flood.jsonl.gz', gzipSync(flood)), {
        signal: controller.signal,
        onBytes: (n) => {
          bytes = n;
        },
      })) {
        docs.push(d.content);
        controller.abort();
      }
    };
    await expect(read()).rejects.toMatchObject({ name: 'CancelledError' });
    expect(docs).toEqual(['first']);
    expect(bytes).toBeGreaterThan(0);
  });

  it('refuses a too-long line inside one chunk, naming its line', async () => {
    async function* oneChunk() {
      yield `short\n${'x'.repeat(5000)}\nshort again\n`;
    }
    const lines: number[] = [];
    const run = async () => {
      for await (const l of splitLines(oneChunk(), 'one.jsonl', 1000)) lines.push(l.line);
    };
    await expect(run()).rejects.toThrow(/one\.jsonl, line 2: line is longer than 1000 characters/);
    expect(lines).toEqual([1]);
  });

  it('applies the record cap to a JSONL line that arrives in a single chunk', async () => {
    const err = await readError(file('big.jsonl', `{"text":"${'y'.repeat(4000)}"}\n`), {
      maxRecordChars: 1000,
    });
    expect(err.message).toMatch(/big\.jsonl, line 1: line is longer than 1000 characters/);
  });
});

describe('record caps inside one chunk', () => {
  it('reports a CSV row over the cap even when the whole row arrives at once', async () => {
    const csv = `text\nshort\n"${'z'.repeat(3000)}"\nafter\n`;
    const r = await readAllDocs(file('wide.csv', csv), { maxRecordChars: 1000 });
    expect(r.docs.map((d) => d.content)).toEqual(['short', 'after']);
    expect(r.issues[0]).toMatchObject({ source: 'wide.csv', line: 3, record: 2 });
    expect(r.issues[0].message).toMatch(/row is longer than 1000 characters/);
  });

  it('refuses a JSON record over the cap even when it arrives in one chunk', async () => {
    const err = await readError(file('wide.json', `[{"text":"${'w'.repeat(3000)}"}]`), {
      maxRecordChars: 1000,
    });
    expect(err.message).toMatch(/wide\.json, line 1: record is longer than 1000 characters/);
  });
});
