import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/lib/protocol/errors';
import { decodeText } from '../../../src/lib/corpus/decode';
import { JsonRecordScanner } from '../../../src/lib/corpus/readers/json';
import { enc, file, readAllDocs, readError } from './helpers';

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

describe('JSONL reader', () => {
  it('detects the text field and picks up title and url', async () => {
    const r = await readAllDocs(
      file(
        'd.jsonl',
        jsonl([
          { content: 'First doc', title: 'T1', url: 'https://a.example/1' },
          { content: 'Second', id: 2 },
        ]),
      ),
    );
    expect(r.docs).toEqual([
      {
        source: 'd.jsonl',
        offset: 0,
        format: 'text',
        content: 'First doc',
        title: 'T1',
        url: 'https://a.example/1',
      },
      { source: 'd.jsonl', offset: 1, format: 'text', content: 'Second' },
    ]);
    expect(r.stats.records).toBe(2);
  });

  it('uses the chosen field and format, and skips malformed lines with their line number', async () => {
    const text = '{"body":"a","html":"<h1>A</h1>"}\r\n\n{"html": broken\n{"html":"<p>C</p>"}\n';
    const r = await readAllDocs(file('d.ndjson', text), { textField: 'html', textFormat: 'html' });
    expect(r.docs.map((d) => [d.offset, d.content, d.format])).toEqual([
      [0, '<h1>A</h1>', 'html'],
      [2, '<p>C</p>', 'html'],
    ]);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ source: 'd.ndjson', line: 3, record: 2 });
    expect(r.issues[0].message).toMatch(/malformed JSON/);
    expect(r.stats.skipped['malformed-json']).toBe(1);
  });

  it('reports a missing text field with the record number and the available fields', async () => {
    const r = await readAllDocs(
      file(
        'm.jsonl',
        jsonl([{ text: 'ok' }, { txt: 'typo', meta: 1 }, { text: 42 }, { text: '  ' }]),
      ),
    );
    expect(r.docs).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ line: 2, record: 2, field: 'text' });
    expect(r.issues[0].message).toBe('missing text field "text"; available fields: "txt", "meta"');
    expect(r.issues[1].message).toMatch(/field "text" is a number, not text/);
    expect(r.stats.skipped['empty-text']).toBe(1);
  });

  it('throws when no text field can be detected, suggesting the available fields', async () => {
    const err = await readError(file('x.jsonl', jsonl([{ question: 'q', answer: 'a' }])));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /x\.jsonl: no text field found.*available fields: "question", "answer"/,
    );
  });

  it('reassembles lines and multi-byte characters split across stream chunks', async () => {
    const bytes = enc(jsonl([{ text: 'naïve café ☕' }, { text: 'second line' }]));
    const parts = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const r = await readAllDocs(file('split.jsonl', ...parts));
    expect(r.docs.map((d) => d.content)).toEqual(['naïve café ☕', 'second line']);
    expect(r.stats.replacementChars).toBe(0);
  });

  it('resumes at a record index', async () => {
    const rows = Array.from({ length: 5 }, (_, i) => ({ text: `doc ${i}` }));
    const r = await readAllDocs(file('r.jsonl', jsonl(rows)), { startOffset: 3 });
    expect(r.docs.map((d) => d.offset)).toEqual([3, 4]);
  });

  it('honours cancellation between records', async () => {
    const ac = new AbortController();
    const rows = Array.from({ length: 10 }, (_, i) => ({ text: `doc ${i}` }));
    const { readFile } = await import('../../../src/lib/corpus/read-file');
    const got: number[] = [];
    await expect(async () => {
      for await (const d of readFile(file('c.jsonl', jsonl(rows)), { signal: ac.signal })) {
        got.push(d.offset);
        if (got.length === 3) ac.abort();
      }
    }).rejects.toThrow(/cancelled/i);
    expect(got).toEqual([0, 1, 2]);
  });
});

describe('JSON reader', () => {
  it('reads a top-level array of objects', async () => {
    const r = await readAllDocs(
      file(
        'a.json',
        JSON.stringify([{ text: 'one [x] {y}' }, { text: 'two "quoted" \\ back' }], null, 2),
      ),
    );
    expect(r.docs.map((d) => d.content)).toEqual(['one [x] {y}', 'two "quoted" \\ back']);
    expect(r.docs.map((d) => d.offset)).toEqual([0, 1]);
  });

  it('reads {data:[...]} even after other keys, and concatenated objects', async () => {
    const wrapped = JSON.stringify({
      version: '1',
      meta: { data: [1] },
      data: [{ output: 'A' }, { output: 'B' }],
    });
    expect((await readAllDocs(file('w.json', wrapped))).docs.map((d) => d.content)).toEqual([
      'A',
      'B',
    ]);
    const concatenated = '{"text":"one"}\n{"text":"two"}\n';
    expect((await readAllDocs(file('c.json', concatenated))).docs.map((d) => d.content)).toEqual([
      'one',
      'two',
    ]);
  });

  it('reports non-object elements and truncated JSON', async () => {
    const r = await readAllDocs(file('p.json', '[{"text":"a"}, 5, "str", {"text":"b"}]'));
    expect(r.docs).toHaveLength(2);
    expect(r.issues.map((i) => i.record)).toEqual([2, 3]);
    const err = await readError(file('t.json', '[{"text":"a"}, {"text":"b'));
    expect(err.message).toMatch(/t\.json, line 1: JSON ends unexpectedly/);
  });

  it('rejects JSON whose top level is not an array or object', async () => {
    const err = await readError(file('n.json', '42'));
    expect(err.message).toMatch(/n\.json, line 1: JSON must be an array of objects/);
  });

  it('scans records split at any chunk boundary', () => {
    const source = '[ {"text": "a\\"}]{\\"}", "n": [1,2]},\n {"text":"b"} , 7 ]';
    for (let cut = 1; cut < source.length; cut++) {
      const scanner = new JsonRecordScanner('s.json', 1000);
      const texts = [...scanner.feed(source.slice(0, cut)), ...scanner.feed(source.slice(cut))].map(
        (r) => r.text,
      );
      expect(texts.map((t) => JSON.parse(t))).toEqual([
        { text: 'a"}]{"}', n: [1, 2] },
        { text: 'b' },
        7,
      ]);
      scanner.finish();
    }
  });
});

describe('CSV/TSV reader', () => {
  it('reads rows with a header, quoted newlines and detected text column', async () => {
    const csv =
      'id,title,body\r\n1,First,"Line one\r\nline two, with comma"\r\n2,Second,"He said ""hi"""\r\n';
    const r = await readAllDocs(file('t.csv', csv));
    expect(r.docs).toEqual([
      {
        source: 't.csv',
        offset: 0,
        format: 'text',
        content: 'Line one\r\nline two, with comma',
        title: 'First',
      },
      { source: 't.csv', offset: 1, format: 'text', content: 'He said "hi"', title: 'Second' },
    ]);
  });

  it('streams a large CSV across chunk boundaries and resumes by row', async () => {
    const rows = Array.from(
      { length: 3000 },
      (_, i) => `${i},"row ${i} text, with ""quotes""\nand a newline ${'x'.repeat(i % 50)}"`,
    );
    const csv = 'n,text\n' + rows.join('\n') + '\n';
    const r = await readAllDocs(file('big.csv', csv));
    expect(r.docs).toHaveLength(3000);
    expect(r.docs[2999].content).toBe(
      `row 2999 text, with "quotes"\nand a newline ${'x'.repeat(2999 % 50)}`,
    );
    const resumed = await readAllDocs(file('big.csv', csv), { startOffset: 2998 });
    expect(resumed.docs.map((d) => d.offset)).toEqual([2998, 2999]);
  });

  it('reads TSV and reports short rows', async () => {
    const r = await readAllDocs(file('t.tsv', 'text\tlabel\nalpha\t1\nbeta\n'));
    expect(r.docs.map((d) => d.content)).toEqual(['alpha']);
    expect(r.issues[0]).toMatchObject({ line: 3, record: 2 });
    expect(r.issues[0].message).toMatch(/1 columns, the header has 2/);
  });

  it('rejects a CSV without the chosen column, listing the columns', async () => {
    const err = await readError(file('c.csv', 'a,b\n1,2\n'), { textField: 'text' });
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe(
      'c.csv, line 1, field "text": column "text" not found; columns: "a", "b"',
    );
  });
});

describe('decodeText', () => {
  it('counts invalid bytes split across chunks and keeps multi-byte characters intact', async () => {
    async function* chunks() {
      yield new Uint8Array([...enc('a'), 0xc3]); // é split across chunks
      yield new Uint8Array([0xa9, 0xe2, 0x82]); // € cut short by an invalid byte
      yield new Uint8Array([0x41, 0xef, 0xbf]);
      yield new Uint8Array([0xbd]); // genuine U+FFFD split across chunks
    }
    const counters = { replacementChars: 0 };
    let text = '';
    for await (const t of decodeText(chunks(), 'x.txt', counters)) text += t;
    expect(text).toBe('aé\uFFFDA\uFFFD');
    expect(counters.replacementChars).toBe(1);
  });

  it('treats control-character-heavy data without NULs as binary', async () => {
    const bytes = new Uint8Array(200).map((_, i) => (i % 3 === 0 ? 0x01 : 0x41));
    const err = await readError(file('ctl.md', bytes));
    expect(err.message).toMatch(/ctl\.md: looks like a binary file/);
  });
});
