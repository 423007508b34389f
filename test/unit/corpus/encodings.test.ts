// Issue 13 item 3: files are decoded in their declared or detected encoding, and bytes that
// still had to be replaced are reported per file with the count and the encoding used.
import { describe, expect, it } from 'vitest';
import { chooseEncoding, declaredCharset, utf8Evidence } from '../../../src/lib/corpus/encoding';
import { enc, file, readAllDocs } from './helpers';
import { join, legacyEncode, warcResponse } from './hostile-files';

// Latin-1 characters only: Node's windows-1252 decoder is ISO-8859-1 (bytes 0x80-0x9F
// differ from browsers, where €, — and curly quotes decode right).
const FRENCH = "Le café coûte 3 francs, « très cher », dit l'élève. Où est la crème brûlée ? ";
const RUSSIAN =
  'Съешь же ещё этих мягких французских булок, да выпей чаю. Широкая электрификация южных ' +
  'губерний даст мощный толчок подъёму сельского хозяйства. ';

describe('declared encodings', () => {
  it('honours <meta charset> in HTML (windows-1252 round-trips)', async () => {
    const html = `<html><head><meta charset="windows-1252"><title>Crème</title></head><body><p>${FRENCH}</p></body></html>`;
    const r = await readAllDocs(file('page.html', legacyEncode(html, 'windows-1252')));
    expect(r.docs[0].content).toBe(html);
    expect(r.docs[0].title).toBe('Crème');
    expect(r.issues).toEqual([]);
    expect(r.stats.replacementChars).toBe(0);
  });

  it('honours http-equiv Content-Type and XML declarations (ISO-8859-1)', async () => {
    const equiv = `<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1"></head><body>Gr\u00fc\u00dfe aus K\u00f6ln</body></html>`;
    const a = await readAllDocs(file('a.htm', legacyEncode(equiv, 'iso-8859-1')));
    expect(a.docs[0].content).toBe(equiv);
    const xhtml = `<?xml version="1.0" encoding="iso-8859-1"?>\n<html><body><p>Se\u00f1or Mu\u00f1oz</p></body></html>`;
    const b = await readAllDocs(file('b.html', legacyEncode(xhtml, 'iso-8859-1')));
    expect(b.docs[0].content).toBe(xhtml);
  });

  it('prefers UTF-8 when a legacy label sits on bytes that are valid UTF-8', async () => {
    const html = `<meta charset="iso-8859-1"><p>${FRENCH}</p>`;
    const r = await readAllDocs(file('resaved.html', enc(html)));
    expect(r.docs[0].content).toBe(html);
  });

  it('uses the <meta charset> of a WARC body when the HTTP header names none', async () => {
    const html = `<html><head><meta charset="windows-1252"></head><body><p>${FRENCH}</p></body></html>`;
    const r = await readAllDocs(
      file(
        'c.warc',
        warcResponse('https://x.example/', 'text/html', legacyEncode(html, 'windows-1252')),
      ),
    );
    expect(r.docs[0].content).toBe(html);
    expect(r.issues).toEqual([]);
  });

  it('a plain-text file is not read for <meta> tags', () => {
    const head = legacyEncode('<meta charset="koi8-r"> plain ascii', 'windows-1252');
    expect(chooseEncoding(head, 'utf-8', {}).encoding).toBe('utf-8');
    expect(chooseEncoding(head, 'utf-8', { markup: true }).encoding).toBe('koi8-r');
  });
});

describe('undeclared legacy encodings', () => {
  it('detects windows-1252 CSV and text and round-trips them', async () => {
    const csv = `id,text\n1,"${FRENCH}"\n2,"${FRENCH.toUpperCase()}"\n`;
    const r = await readAllDocs(file('legacy.csv', legacyEncode(csv, 'windows-1252')));
    expect(r.docs.map((d) => d.content)).toEqual([FRENCH, FRENCH.toUpperCase()]);
    expect(r.stats.replacementChars).toBe(0);
    const t = await readAllDocs(file('legacy.txt', legacyEncode(FRENCH.repeat(5), 'windows-1252')));
    expect(t.docs[0].content).toBe(FRENCH.repeat(5));
  });

  it('decides on the first non-ASCII bytes when the first 8 KB are plain ASCII', async () => {
    // 20 KB of English before the first accent: the head alone cannot tell the encoding.
    const english = 'The opening pages of this file are plain English prose. '.repeat(360);
    const text = english + FRENCH.repeat(3);
    const legacy = await readAllDocs(file('late.txt', legacyEncode(text, 'windows-1252')));
    expect(legacy.docs[0].content).toBe(text);
    expect(legacy.stats.replacementChars).toBe(0);
    expect(legacy.issues).toEqual([]);
    const russian = english + RUSSIAN.repeat(3);
    const cyr = await readAllDocs(file('late-ru.txt', legacyEncode(russian, 'windows-1251')));
    expect(cyr.docs[0].content).toBe(russian);
    // The same text saved as UTF-8 stays UTF-8, also when a sequence straddles a chunk edge.
    const utf8 = await readAllDocs(file('late-utf8.txt', enc(text)));
    expect(utf8.docs[0].content).toBe(text);
    expect(utf8.stats.replacementChars).toBe(0);
    // All ASCII: one decision at the end, no issue.
    const plain = await readAllDocs(file('plain.txt', enc(english)));
    expect(plain.docs[0].content).toBe(english);
    expect(plain.issues).toEqual([]);
  });

  it('detects Cyrillic windows-1251 text', async () => {
    const text = RUSSIAN.repeat(4);
    const r = await readAllDocs(file('ru.txt', legacyEncode(text, 'windows-1251')));
    expect(r.docs[0].content).toBe(text);
  });

  it('counts UTF-8 evidence in one pass', () => {
    expect(utf8Evidence(enc('café naïve'))).toEqual({ valid: 2, invalid: 0 });
    expect(utf8Evidence(legacyEncode('café naïve', 'windows-1252'))).toEqual({
      valid: 0,
      invalid: 2,
    });
    // A sequence cut off by the end of the sniffed head is neither.
    expect(utf8Evidence(enc('é').subarray(0, 1))).toEqual({ valid: 0, invalid: 0 });
  });
});

describe('replacement characters are reported per file', () => {
  it('names the count and the encoding in one issue for the file', async () => {
    const bytes = join(`${FRENCH} `, new Uint8Array([0xff, 0xfe, 0x41, 0xc3]), ` ${FRENCH}`);
    const r = await readAllDocs(file('mostly-utf8.txt', bytes));
    expect(r.stats.replacementChars).toBe(3);
    expect(r.issues).toEqual([
      {
        source: 'mostly-utf8.txt',
        message: expect.stringMatching(
          /^3 invalid byte sequences replaced with U\+FFFD while decoding as utf-8/,
        ),
      },
    ]);
    expect(r.stats.skipped['replacement-chars']).toBe(1);
  });

  it('names the record of a WARC body with replacements', async () => {
    const body = join(
      '<html><body><p>',
      FRENCH,
      '</p><p>',
      new Uint8Array([0xe2, 0x28, 0xa1]),
      '</p></body></html>',
    );
    const r = await readAllDocs(
      file('r.warc', warcResponse('https://y.example/', 'text/html; charset=utf-8', body)),
    );
    expect(r.issues).toHaveLength(1);
    expect(r.issues[0]).toMatchObject({ source: 'r.warc', record: 1 });
    expect(r.issues[0].message).toMatch(/^2 invalid byte sequences .* utf-8 \(as declared/);
  });
});

describe('declaredCharset', () => {
  it('reads only the tag of each <meta>, so unclosed tags cost their length once', () => {
    const head = enc('<meta '.repeat(1300) + '>');
    expect(declaredCharset(head)).toBeUndefined();
    expect(
      declaredCharset(enc('<head><meta name="x"><meta content="text/html; charset=Shift_JIS">')),
    ).toBe('shift_jis');
  });
});
