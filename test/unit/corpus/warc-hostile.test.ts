// Issue 13 items 4-5 for web archives: a record with a wrong Content-Length or a truncated
// gzip member is an issue naming the record (warcio only warns on the console), the rest is
// read; WET files (Common Crawl's extracted text) and .warc inside other .gz names are read.
import { gzipSync } from 'fflate';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { isSupportedFile } from '../../../src/lib/corpus/read-file';
import { enc, file, readAllDocs } from './helpers';
import { join, warcResponse } from './hostile-files';

const page = (n: number) =>
  `<html><body><h1>Page ${n}</h1><p>${'text '.repeat(20)}</p></body></html>`;
const three = (lengthDelta: number) =>
  [1, 2, 3].map((n) =>
    warcResponse(`https://${n}.example/`, 'text/html', page(n), n === 2 ? lengthDelta : 0),
  );

function wetRecord(uri: string, text: string): Uint8Array {
  const body = enc(text);
  return join(
    `WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: ${uri}\r\n` +
      `WARC-Date: 2024-01-01T00:00:00Z\r\nWARC-Record-ID: <urn:uuid:${crypto.randomUUID()}>\r\n` +
      `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n`,
    body,
    '\r\n\r\n',
  );
}

// warcio's own console warnings are expected here; keep the test output clean.
beforeEach(() => vi.spyOn(console, 'warn').mockImplementation(() => undefined));
afterEach(() => vi.restoreAllMocks());

describe('WARC records with lying lengths', () => {
  it('reads a well-formed file without issues', async () => {
    const r = await readAllDocs(file('ok.warc', ...three(0)));
    expect(r.docs).toHaveLength(3);
    expect(r.issues).toEqual([]);
  });

  // Plain, one gzip member per record, and one gzip member for the whole file.
  const layouts: [string, (records: Uint8Array[]) => Uint8Array[]][] = [
    ['short.warc', (r) => r],
    ['short.warc.gz', (r) => r.map((m) => gzipSync(m))],
    ['whole.warc.gz', (r) => [gzipSync(join(...r))]],
  ];
  const urls = (r: { docs: { url?: string }[] }) => r.docs.map((d) => d.url);
  const named = (n: number) =>
    new RegExp(`^record ${n} \\(https://${n}\\.example/, <urn:uuid:[\\w-]+>\\)`);

  it.each(layouts)('%s: names the record whose Content-Length is too small', async (name, lay) => {
    const r = await readAllDocs(file(name, ...lay(three(-10))));
    expect(urls(r)).toEqual(['https://1.example/', 'https://2.example/', 'https://3.example/']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ source: name, record: 2 });
    expect(r.issues[0].message).toMatch(named(2));
    expect(r.issues[0].message).toMatch(/Content-Length is too small: 10 bytes follow where/);
  });

  it.each(layouts)(
    '%s: a much too small length is one issue, not a phantom record',
    async (name, lay) => {
      const r = await readAllDocs(file(name, ...lay(three(-200))));
      // Record 2 keeps too little text to be a document; record 3 is read whole.
      expect(urls(r)).toEqual(['https://1.example/', 'https://3.example/']);
      expect(r.docs[1].content).toBe(page(3));
      expect(r.issues).toHaveLength(1);
      expect(r.issues[0]).toMatchObject({ source: name, record: 2 });
      expect(r.issues[0].message).toMatch(/Content-Length is too small: \d+ bytes follow/);
      expect(r.stats.records).toBe(3);
    },
  );

  it.each(layouts)('%s: names the record swallowed by a too-large length', async (name, lay) => {
    const r = await readAllDocs(file(name, ...lay(three(10))));
    expect(urls(r)).toEqual(['https://1.example/', 'https://2.example/']);
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ source: name, record: 3 });
    expect(r.issues[0].message).toMatch(named(3));
    expect(r.issues[0].message).toMatch(
      /does not start with a "WARC\/" line \(record 2 \(https:\/\/2\.example\/.*too large/,
    );
  });

  it.each(layouts)(
    '%s: cuts a block that holds the next record at its start',
    async (name, lay) => {
      const r = await readAllDocs(file(name, ...lay(three(200))));
      expect(urls(r)).toEqual(['https://1.example/', 'https://2.example/']);
      // The text stops where record 3 begins: nothing of its headers leaks into record 2.
      expect(r.docs[1].content).toBe(page(2));
      expect(r.issues.map((i) => i.record)).toEqual([2, 3]);
      expect(r.issues[0].message).toMatch(named(2));
      expect(r.issues[0].message).toMatch(/Content-Length is too large: .* at byte \d+/);
      expect(r.issues[1].message).toMatch(/record 3 skipped: .*record 2 .* too large/);
    },
  );

  it('reports a truncated gzip member with the byte where reading stopped', async () => {
    const members = three(0).map((m) => gzipSync(m));
    members[1] = members[1].subarray(0, members[1].length - 30);
    const size = members.reduce((n, m) => n + m.length, 0);
    const r = await readAllDocs(file('cut.warc.gz', ...members));
    expect(r.docs.map((d) => d.url)).toEqual(['https://1.example/']);
    expect(r.issues[0]).toMatchObject({ source: 'cut.warc.gz', record: 2 });
    expect(r.issues[0].message).toMatch(/a truncated or corrupt gzip member/);
    // What could not be parsed at all is named by its byte range.
    const tail = r.issues[r.issues.length - 1];
    expect(tail.message).toMatch(
      /^the last \d+ bytes \(from byte \d+\) could not be read as records: a truncated or corrupt gzip member$/,
    );
    const from = Number(/from byte (\d+)/.exec(tail.message)?.[1]);
    // Depending on where the cut falls, warcio stops at the cut member or parses junk from it.
    expect(from).toBeGreaterThanOrEqual(members[0].length);
    expect(from).toBeLessThan(size);
  });
});

describe('WET and WARC names', () => {
  it('reads WET conversion records as text documents, plain and gzipped', async () => {
    const records = [
      join(
        'WARC/1.0\r\nWARC-Type: warcinfo\r\nContent-Type: application/warc-fields\r\n' +
          'Content-Length: 16\r\n\r\nsoftware: test\r\n\r\n\r\n',
      ),
      wetRecord('https://a.example/', 'First page text.\nSecond line.'),
      wetRecord('https://b.example/', 'Texte de la page, en français.'),
    ];
    const plain = await readAllDocs(file('CC-MAIN-1.warc.wet', ...records));
    expect(plain.docs.map((d) => [d.format, d.url, d.content])).toEqual([
      ['text', 'https://a.example/', 'First page text.\nSecond line.'],
      ['text', 'https://b.example/', 'Texte de la page, en français.'],
    ]);
    expect(plain.issues).toEqual([]);
    const gz = await readAllDocs(file('CC-MAIN-1.warc.wet.gz', ...records.map((r) => gzipSync(r))));
    expect(gz.docs.map((d) => d.content)).toEqual(plain.docs.map((d) => d.content));
  });

  it('recognises .warc and .wet inside other .gz names', async () => {
    expect(isSupportedFile('crawl.warc.00001.gz')).toBe(true);
    expect(isSupportedFile('part.wet-3.gz')).toBe(true);
    expect(isSupportedFile('notes.gz')).toBe(false);
    const r = await readAllDocs(file('crawl.warc.00001.gz', ...three(0).map((m) => gzipSync(m))));
    expect(r.docs).toHaveLength(3);
  });
});
