import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/lib/protocol/errors';
import { enc, file, readAllDocs, readError, utf16 } from './helpers';

describe('whole-file text readers', () => {
  it('reads .txt, .md and .html as one document each with the right format', async () => {
    const txt = await readAllDocs(file('notes/a.txt', 'Hello plain text.'));
    expect(txt.docs).toEqual([
      { source: 'notes/a.txt', offset: 0, format: 'text', content: 'Hello plain text.' },
    ]);
    const md = await readAllDocs(file('b.markdown', '# Title\n\nBody'));
    expect(md.docs[0].format).toBe('markdown');
    const html = await readAllDocs(
      file(
        'c.HTM',
        '<html><head><title> My &amp; page </title></head><body><h1>x</h1></body></html>',
      ),
    );
    expect(html.docs[0]).toMatchObject({ format: 'html', title: 'My & page' });
    expect(html.stats.documents).toBe(1);
  });

  it('decodes UTF-8 with BOM and UTF-16 LE/BE with and without BOM', async () => {
    const text = 'Grüße, café — naïve text that is long enough to sniff.';
    const bom = await readAllDocs(file('bom.txt', new Uint8Array([0xef, 0xbb, 0xbf]), enc(text)));
    expect(bom.docs[0].content).toBe(text);
    for (const endian of ['le', 'be'] as const) {
      for (const withBom of [true, false]) {
        const r = await readAllDocs(
          file(`u16-${endian}-${withBom}.txt`, utf16(text, endian, withBom)),
        );
        expect(r.docs[0].content).toBe(text);
        expect(r.stats.replacementChars).toBe(0);
      }
    }
  });

  it('replaces and counts invalid UTF-8 bytes, but not genuine U+FFFD characters', async () => {
    // Mostly valid UTF-8 (café, naïve, the genuine U+FFFD) with two corrupt bytes.
    const bytes = new Uint8Array([
      ...enc('café ok '),
      0xff,
      ...enc(' and naïve '),
      0xc3,
      ...enc(' end \uFFFD.'),
    ]);
    const r = await readAllDocs(file('bad.txt', bytes));
    expect(r.docs[0].content).toBe('café ok \uFFFD and naïve \uFFFD end \uFFFD.');
    expect(r.stats.replacementChars).toBe(2);
  });

  it('counts replacements split across stream chunks', async () => {
    // A genuine U+FFFD straddling the 64 KiB chunk border must still not be counted.
    const pad = 'a'.repeat(65535);
    const r = await readAllDocs(
      file('big.txt', enc(pad), new Uint8Array([0xef]), new Uint8Array([0xbf, 0xbd]), enc('z')),
    );
    expect(r.docs[0].content.endsWith('\uFFFDz')).toBe(true);
    expect(r.stats.replacementChars).toBe(0);
  });

  it('rejects a binary file renamed .txt, naming the file', async () => {
    const bytes = new Uint8Array(4096).map((_, i) => (i * 7919) % 256);
    const err = await readError(file('photo.txt', bytes));
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).file).toBe('photo.txt');
    expect(err.message).toMatch(/photo\.txt: looks like a binary file/);
  });

  it('rejects empty and whitespace-only files', async () => {
    const empty = await readError(file('empty.txt'));
    expect(empty.message).toBe('empty.txt: file is empty');
    const blank = await readError(file('blank.md', '  \n\n '));
    expect(blank.message).toBe('blank.md: file is empty');
  });

  it('rejects unsupported extensions listing the supported ones', async () => {
    const err = await readError(file('slides.pptx', 'x'));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /slides\.pptx: unsupported file type "\.pptx"; supported: .*\.jsonl.*\.parquet.*\.warc.*\.zip/,
    );
    expect((await readError(file('README', 'x'))).message).toMatch(/no extension/);
  });

  it('returns nothing when resuming a whole-file document past offset 0', async () => {
    const r = await readAllDocs(file('a.txt', 'text'), { startOffset: 1 });
    expect(r.docs).toHaveLength(0);
  });

  it('stops with CancelledError when the signal is aborted', async () => {
    const ac = new AbortController();
    ac.abort();
    const err = await readError(file('a.txt', 'text'), { signal: ac.signal });
    expect(err.name).toBe('CancelledError');
  });

  it('reports progress in bytes', async () => {
    const seen: number[] = [];
    await readAllDocs(file('a.txt', 'x'.repeat(1000)), { onBytes: (n) => seen.push(n) });
    expect(seen.at(-1)).toBe(1000);
  });
});
