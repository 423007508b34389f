// Issue 13 item 4: a CSV row with an unbalanced or misplaced quote is reported with its line
// and record, and the rows after it are still read (Papa alone swallows them into one cell).
import { describe, expect, it } from 'vitest';
import { CsvRowSplitter } from '../../../src/lib/corpus/readers/csv-rows';
import { file, readAllDocs } from './helpers';

describe('CSV rows with broken quoting', () => {
  it('skips a row with an unclosed quote, names it, and reads the rows after it', async () => {
    const csv =
      'id,text\n1,first row\n2,"broken, never closed\n3,third row\n4,"fine, quoted"\n5,"multi\nline"\n';
    const r = await readAllDocs(file('q.csv', csv));
    expect(r.docs.map((d) => d.content)).toEqual([
      'first row',
      'third row',
      'fine, quoted',
      'multi\nline',
    ]);
    expect(r.issues).toEqual([
      {
        source: 'q.csv',
        line: 3,
        record: 2,
        message: expect.stringMatching(/^row skipped: unbalanced or misplaced quote/),
      },
    ]);
    expect(r.docs.map((d) => d.offset)).toEqual([0, 2, 3, 4]);
  });

  it('recovers from a quote left open at the very end of the file', async () => {
    const csv = 'text\nalpha\n"open to the end\nbeta\ngamma';
    const r = await readAllDocs(file('end.csv', csv));
    expect(r.docs.map((d) => d.content)).toEqual(['alpha', 'beta', 'gamma']);
    expect(r.issues.map((i) => i.line)).toEqual([3]);
  });

  it('keeps line numbers right across chunks and multi-line fields in a large file', async () => {
    const rows = ['id,text'];
    const bad = new Set([1000, 4000, 7000]);
    for (let i = 0; i < 8000; i++) {
      if (bad.has(i)) rows.push(`${i},"broken row ${i}`);
      else if (i % 3 === 0) rows.push(`${i},"row ${i}\nsecond line"`);
      else rows.push(`${i},row ${i} ${'x'.repeat(40)}`);
    }
    const r = await readAllDocs(file('big.csv', rows.join('\n') + '\n'));
    expect(r.docs).toHaveLength(8000 - bad.size);
    // Row i starts on line 2 + i + (multi-line rows before it).
    const lineOf = (i: number) => 2 + i + Math.ceil(i / 3);
    expect(r.issues.map((x) => x.line)).toEqual([...bad].map(lineOf));
    expect(r.issues.map((x) => x.record)).toEqual([...bad].map((i) => i + 1));
  });

  it('bounds the re-parsing work by the input size, however many rows are broken', () => {
    const lines: string[] = ['text'];
    for (let i = 0; i < 20_000; i++) lines.push(i % 10 === 0 ? `"bad ${i}` : `good ${i}`);
    const input = lines.join('\n');
    const splitter = new CsvRowSplitter(',', 'many.csv', 1 << 20);
    let rows = 0;
    let bad = 0;
    try {
      for (let at = 0; at < input.length; at += 65536) {
        for (const row of splitter.feed(input.slice(at, at + 65536))) {
          if (row.bad) bad++;
          else rows++;
        }
      }
      for (const row of splitter.finish()) {
        if (row.bad) bad++;
        else rows++;
      }
      expect(bad).toBe(2000);
      expect(rows).toBe(18_001);
    } catch (err) {
      // Giving up is allowed, but only with the budget spent, never past it.
      expect((err as Error).message).toMatch(/too many rows with broken quoting/);
    }
    expect(splitter.parsedChars).toBeLessThanOrEqual(32 * (input.length + 65536));
  });
});
