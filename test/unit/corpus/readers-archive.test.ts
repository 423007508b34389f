import { gzipSync, zipSync } from 'fflate';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/lib/protocol/errors';
import { enc, file, readAllDocs, readError } from './helpers';

/** One WARC record with an HTTP response block (Content-Length counts the block bytes). */
function warcRecord(
  type: string,
  uri: string,
  httpContentType: string | null,
  body: string,
): Uint8Array {
  const block =
    httpContentType === null
      ? enc(body)
      : enc(
          `HTTP/1.1 200 OK\r\nContent-Type: ${httpContentType}\r\nContent-Length: ${enc(body).length}\r\n\r\n${body}`,
        );
  const head = enc(
    `WARC/1.0\r\nWARC-Type: ${type}\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n` +
      `WARC-Record-ID: <urn:uuid:${crypto.randomUUID()}>\r\n` +
      `Content-Type: ${type === 'warcinfo' ? 'application/warc-fields' : 'application/http; msgtype=response'}\r\n` +
      `Content-Length: ${block.length}\r\n\r\n`,
  );
  const out = new Uint8Array(head.length + block.length + 4);
  out.set(head);
  out.set(block, head.length);
  out.set(enc('\r\n\r\n'), head.length + block.length);
  return out;
}

const warcRecords = () => [
  warcRecord('warcinfo', 'urn:x', null, 'software: test\r\n'),
  warcRecord(
    'response',
    'https://a.example/',
    'text/html; charset=utf-8',
    '<html><title>A page</title><h1>A</h1></html>',
  ),
  warcRecord('response', 'https://a.example/logo.png', 'image/png', 'PNGDATA'),
  warcRecord('response', 'https://b.example/', 'text/html', '<html><h1>B</h1><p>café</p></html>'),
];

describe('WARC reader', () => {
  it('yields HTML responses with url, title and byte offsets; counts skipped records', async () => {
    const records = warcRecords();
    const r = await readAllDocs(file('crawl.warc', ...records));
    expect(r.docs.map((d) => [d.url, d.title, d.format])).toEqual([
      ['https://a.example/', 'A page', 'html'],
      ['https://b.example/', undefined, 'html'],
    ]);
    expect(r.docs[1].content).toContain('café');
    expect(r.docs[0].offset).toBe(records[0].length);
    expect(r.docs[1].offset).toBe(records[0].length + records[1].length + records[2].length);
    expect(r.stats.skipped).toEqual({ 'warc-not-response': 1, 'warc-not-html': 1 });
  });

  it('reads per-record gzipped .warc.gz with offsets in the compressed file and resumes there', async () => {
    const members = warcRecords().map((rec) => gzipSync(rec));
    const f = file('crawl.warc.gz', ...members);
    const r = await readAllDocs(f);
    expect(r.docs.map((d) => d.url)).toEqual(['https://a.example/', 'https://b.example/']);
    const bOffset = members[0].length + members[1].length + members[2].length;
    expect(r.docs.map((d) => d.offset)).toEqual([members[0].length, bOffset]);
    const resumed = await readAllDocs(f, { startOffset: bOffset });
    expect(resumed.docs.map((d) => [d.url, d.offset])).toEqual([['https://b.example/', bOffset]]);
  });

  it('rejects a file that is not a WARC', async () => {
    const err = await readError(file('x.warc', 'hello world, not a warc'));
    expect(err.message).toMatch(/x\.warc: not a WARC file/);
  });
});

describe('Parquet reader', () => {
  const buffer = parquetWriteBuffer({
    columnData: [
      { name: 'id', data: Array.from({ length: 25 }, (_, i) => i), type: 'INT32' },
      {
        name: 'text',
        data: Array.from({ length: 25 }, (_, i) => (i === 7 ? '' : `row ${i}`)),
        type: 'STRING',
      },
      {
        name: 'url',
        data: Array.from({ length: 25 }, (_, i) => `https://p.example/${i}`),
        type: 'STRING',
      },
    ],
    rowGroupSize: 10,
  });

  it('streams row groups with row indices, url and empty-text skips', async () => {
    const r = await readAllDocs(file('t.parquet', new Uint8Array(buffer)));
    expect(r.docs).toHaveLength(24);
    expect(r.docs[0]).toEqual({
      source: 't.parquet',
      offset: 0,
      format: 'text',
      content: 'row 0',
      url: 'https://p.example/0',
    });
    expect(r.docs.at(-1)?.offset).toBe(24);
    expect(r.stats.skipped['empty-text']).toBe(1);
  });

  it('resumes mid row group and reads parquet inside a zip', async () => {
    const resumed = await readAllDocs(file('t.parquet', new Uint8Array(buffer)), {
      startOffset: 18,
    });
    expect(resumed.docs.map((d) => d.offset)).toEqual([18, 19, 20, 21, 22, 23, 24]);
    const zipped = await readAllDocs(
      file('p.zip', zipSync({ 'in/t.parquet': new Uint8Array(buffer) })),
    );
    expect(zipped.docs).toHaveLength(24);
    expect(zipped.docs[0].source).toBe('p.zip/in/t.parquet');
  });

  it('rejects a missing chosen column and a corrupt file', async () => {
    const err = await readError(file('t.parquet', new Uint8Array(buffer)), { textField: 'body' });
    expect(err.message).toBe(
      't.parquet, field "body": column "body" not found; columns: "id", "text", "url"',
    );
    expect((await readError(file('bad.parquet', 'not parquet at all'))).message).toMatch(
      /bad\.parquet: not a readable Parquet file/,
    );
  });
});

describe('gzip and zip archives', () => {
  it('reads .gz around any format, naming the inner format from the name', async () => {
    const r = await readAllDocs(file('d.jsonl.gz', gzipSync(enc('{"text":"a"}\n{"text":"b"}\n'))));
    expect(r.docs.map((d) => [d.source, d.offset, d.content])).toEqual([
      ['d.jsonl.gz', 0, 'a'],
      ['d.jsonl.gz', 1, 'b'],
    ]);
    const md = await readAllDocs(file('n.md.gz', gzipSync(enc('# Hi'))));
    expect(md.docs[0].format).toBe('markdown');
  });

  it('reports progress in compressed bytes', async () => {
    const gz = gzipSync(enc('x'.repeat(100000)));
    let last = 0;
    await readAllDocs(file('big.txt.gz', gz), { onBytes: (n) => (last = n) });
    expect(last).toBe(gz.length);
  });

  it('rejects a truncated .gz', async () => {
    const gz = gzipSync(enc('{"text":"a"}\n'.repeat(2000)));
    const err = await readError(file('cut.jsonl.gz', gz.subarray(0, gz.length - 40)));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/cut\.jsonl\.gz: gzip data is truncated or corrupt/);
  });

  it('reads every supported entry of a zip, including a nested zip and a .gz entry', async () => {
    const inner = zipSync({ 'deep.txt': enc('inside inner zip') });
    const zip = zipSync({
      'docs/': {},
      'docs/a.html': enc('<h1>A</h1>'),
      'docs/b.jsonl': enc('{"text":"b1"}\n{"text":"b2"}\n'),
      'docs/c.txt.gz': gzipSync(enc('gz text')),
      'inner.zip': inner,
      'image.png': new Uint8Array([0x89, 0x50]),
      '__MACOSX/._a.html': new Uint8Array([0, 1]),
    });
    const r = await readAllDocs(file('crawl.zip', zip));
    expect(r.docs.map((d) => [d.source, d.content])).toEqual([
      ['crawl.zip/docs/a.html', '<h1>A</h1>'],
      ['crawl.zip/docs/b.jsonl', 'b1'],
      ['crawl.zip/docs/b.jsonl', 'b2'],
      ['crawl.zip/docs/c.txt.gz', 'gz text'],
      ['crawl.zip/inner.zip/deep.txt', 'inside inner zip'],
    ]);
    expect(r.issues).toEqual([
      {
        source: 'crawl.zip/image.png',
        message: 'skipped: unsupported file type inside the archive',
      },
    ]);
    expect(r.stats.archiveEntries).toBe(5);
  });

  it('continues past a bad entry, reporting it', async () => {
    const zip = zipSync({ 'bin.txt': new Uint8Array(100).fill(0), 'ok.txt': enc('fine') });
    const r = await readAllDocs(file('mixed.zip', zip));
    expect(r.docs.map((d) => d.content)).toEqual(['fine']);
    expect(r.issues[0].source).toBe('mixed.zip/bin.txt');
    expect(r.issues[0].message).toMatch(/binary file/);
  });

  it('reports a truncated .gz inside a zip and reads the other entries', async () => {
    const gz = gzipSync(enc('x'.repeat(5000)));
    const zip = zipSync({ 'cut.txt.gz': gz.subarray(0, 20), 'ok.md': enc('# ok') });
    const r = await readAllDocs(file('z.zip', zip));
    expect(r.docs.map((d) => d.source)).toEqual(['z.zip/ok.md']);
    expect(r.issues).toEqual([
      {
        source: 'z.zip/cut.txt.gz',
        message: expect.stringMatching(/^gzip data is truncated or corrupt/),
      },
    ]);
    expect(r.stats.skipped['bad-entry']).toBe(1);
  });

  it('rejects a zip inside a zip inside a zip', async () => {
    const level3 = zipSync({ 'x.txt': enc('too deep') });
    const level2 = zipSync({ 'l3.zip': level3 });
    const err = await readError(file('l1.zip', zipSync({ 'l2.zip': level2 })));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /l1\.zip\/l2\.zip\/l3\.zip: archive nested 3 levels deep \(e\.g\. a zip inside a zip inside a zip\)/,
    );
  });

  it('stops a zip bomb at the uncompressed-size cap', async () => {
    const zip = zipSync({ 'a.txt': new Uint8Array(2_000_000).fill(0x61), 'b.txt': enc('b') });
    expect(zip.length).toBeLessThan(20_000);
    const err = await readError(file('bomb.zip', zip), { maxUncompressedBytes: 1_000_000 });
    expect(err.message).toMatch(/bomb\.zip: expands to more than 976\.6 KiB; .*zip bomb/);
    const gzErr = await readError(
      file('bomb.txt.gz', gzipSync(new Uint8Array(2_000_000).fill(0x61))),
      {
        maxUncompressedBytes: 1_000_000,
      },
    );
    expect(gzErr.message).toMatch(/bomb\.txt\.gz: expands to more than/);
  });

  it('rejects a truncated zip and an empty zip', async () => {
    const zip = zipSync({ 'a.txt': enc('x'.repeat(5000)) }, { level: 0 });
    const err = await readError(file('cut.zip', zip.subarray(0, 1000)));
    expect(err.message).toMatch(/cut\.zip.*truncated/);
    const none = await readError(file('none.zip', zipSync({ 'x.png': new Uint8Array([1]) })));
    expect(none.message).toBe('none.zip: archive contains no supported files');
  });
});
