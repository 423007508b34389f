// Issue 13 items 2, 4, 5 for zip archives: tens of thousands of entries, an entry-count cap,
// encrypted entries and unsupported compression methods skipped by name, and entries whose
// stored CRC or sizes lie reported, with the rest of the archive read.
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { Crc32 } from '../../../src/lib/corpus/readers/zip-headers';
import { InputError } from '../../../src/lib/protocol/errors';
import { file, readAllDocs, readError } from './helpers';

const enc = (s: string) => new TextEncoder().encode(s);

function threeEntries(): Uint8Array {
  return zipSync({
    'a.txt': enc('First entry text.'),
    'b.txt': enc('Second entry text, the one that gets damaged.'),
    'c.txt': enc('Third entry text.'),
  });
}

/** Offsets of the local file headers, in stored order. */
function localHeaders(zip: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i + 3 < zip.length; i++) {
    if (zip[i] === 0x50 && zip[i + 1] === 0x4b && zip[i + 2] === 3 && zip[i + 3] === 4) out.push(i);
  }
  return out;
}

const view = (zip: Uint8Array) => new DataView(zip.buffer, zip.byteOffset, zip.byteLength);

describe('zip archives in the wild', () => {
  it('reads a valid zip with 20,000 entries', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 20_000; i++) files[`d${Math.floor(i / 1000)}/f${i}.txt`] = enc(`doc ${i}`);
    const r = await readAllDocs(file('many.zip', zipSync(files, { level: 0 })));
    expect(r.docs).toHaveLength(20_000);
    expect(r.docs[19_999].content).toBe('doc 19999');
    expect(r.issues).toEqual([]);
  });

  it('stops at the entry-count cap with a clear error', async () => {
    const files: Record<string, Uint8Array> = {};
    for (let i = 0; i < 50; i++) files[`f${i}.txt`] = enc(`doc ${i}`);
    const err = await readError(file('flood.zip', zipSync(files)), { maxArchiveEntries: 10 });
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toBe('flood.zip: has more than 10 entries; split it into smaller archives');
  });

  it('names an encrypted entry, skips it, and reads the others', async () => {
    const zip = threeEntries();
    const b = localHeaders(zip)[1];
    view(zip).setUint16(b + 6, view(zip).getUint16(b + 6, true) | 1, true);
    const r = await readAllDocs(file('locked.zip', zip));
    expect(r.docs.map((d) => d.source)).toEqual(['locked.zip/a.txt', 'locked.zip/c.txt']);
    expect(r.issues).toEqual([
      {
        source: 'locked.zip/b.txt',
        message: expect.stringMatching(/encrypted \(password-protected\)/),
      },
    ]);
  });

  it('skips an entry with an unsupported compression method with the reason', async () => {
    const zip = threeEntries();
    view(zip).setUint16(localHeaders(zip)[1] + 8, 12, true); // BZIP2
    const r = await readAllDocs(file('bz.zip', zip));
    expect(r.docs.map((d) => d.source)).toEqual(['bz.zip/a.txt', 'bz.zip/c.txt']);
    expect(r.issues[0]).toEqual({
      source: 'bz.zip/b.txt',
      message: 'skipped: compression method 12 (BZIP2) is not supported (only stored and deflate)',
    });
  });

  it('reports an entry whose stored CRC-32 does not match its bytes', async () => {
    const zip = threeEntries();
    const b = localHeaders(zip)[1];
    view(zip).setUint32(b + 14, view(zip).getUint32(b + 14, true) ^ 0xff, true);
    const r = await readAllDocs(file('crc.zip', zip));
    expect(r.docs).toHaveLength(3);
    expect(r.issues).toEqual([
      {
        source: 'crc.zip/b.txt',
        message: expect.stringMatching(/^entry is corrupt: CRC-32 mismatch/),
      },
    ]);
  });

  it('reports an entry whose stored size lies', async () => {
    const zip = threeEntries();
    const b = localHeaders(zip)[1];
    view(zip).setUint32(b + 22, 5, true);
    const r = await readAllDocs(file('size.zip', zip));
    expect(r.docs).toHaveLength(3);
    expect(r.issues[0].message).toMatch(/header says 5 bytes, 45 were unpacked/);
  });

  it('reports the entry lost behind a compressed size that is too large', async () => {
    const zip = zipSync(
      { 'a.txt': enc('First entry text.'), 'b.txt': enc('Second.'), 'c.txt': enc('Third.') },
      { level: 0 },
    );
    const [a, b, c] = localHeaders(zip);
    const nameAndExtra = 30 + view(zip).getUint16(a + 26, true) + view(zip).getUint16(a + 28, true);
    // a's stored data now runs over b's header and data, up to c.
    view(zip).setUint32(a + 18, c - a - nameAndExtra, true);
    view(zip).setUint32(a + 22, c - a - nameAndExtra, true);
    const r = await readAllDocs(file('lost.zip', zip));
    // a (now holding b's header bytes) is refused as binary and fails its CRC; c is read.
    expect(r.docs.map((d) => d.source)).toEqual(['lost.zip/c.txt']);
    const issues = r.issues.map((i) => [i.source, i.message]);
    expect(issues).toContainEqual([
      'lost.zip/b.txt',
      `entry at byte ${b} was not read: the entry before it gives a wrong compressed size`,
    ]);
    expect(issues).toContainEqual(['lost.zip/a.txt', expect.stringMatching(/CRC-32 mismatch/)]);
  });

  it('computes CRC-32 as zip stores it', () => {
    const crc = new Crc32();
    crc.update(enc('The quick brown fox '));
    crc.update(enc('jumps over the lazy dog'));
    expect(crc.value).toBe(0x414fa339);
  });
});
