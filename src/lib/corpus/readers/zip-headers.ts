// What fflate's streaming Unzip does not tell: each entry's general-purpose flags (encrypted,
// data descriptor), its stored CRC-32 and sizes. The local file headers are found by scanning
// the same bytes fflate is given (one pass; a header split across pieces waits for the next
// piece), so each entry can be checked once inflated, an encrypted entry named as such, and
// a header that fflate skipped over (an earlier entry's compressed size lied) reported.

export interface LocalHeader {
  name: string;
  /** Byte offset of the header in the archive. */
  offset: number;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
}

export const ENCRYPTED_FLAG = 1;
export const DATA_DESCRIPTOR_FLAG = 8;
const UTF8_FLAG = 2048;
const KNOWN_METHODS = new Set([0, 1, 6, 8, 9, 12, 14, 19, 93, 95, 96, 97, 98, 99]);

const u16 = (b: Uint8Array, i: number) => b[i] | (b[i + 1] << 8);
const u32 = (b: Uint8Array, i: number) =>
  (b[i] | (b[i + 1] << 8) | (b[i + 2] << 16) | (b[i + 3] << 24)) >>> 0;

function decodeName(bytes: Uint8Array, utf8: boolean): string {
  if (utf8) return new TextDecoder().decode(bytes);
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b); // as fflate reads non-UTF-8 names
  return s;
}

export class LocalHeaderScanner {
  private tail = new Uint8Array(0);
  /** Archive offset of tail[0]. */
  private base = 0;
  private readonly found: LocalHeader[] = [];

  feed(piece: Uint8Array): void {
    const buf = this.tail.length ? join(this.tail, piece) : piece;
    let i = 0;
    for (;;) {
      const at = findSignature(buf, i);
      if (at === -1) {
        i = Math.max(i, buf.length - 3);
        break;
      }
      if (at + 30 > buf.length) {
        i = at;
        break;
      }
      const nameLength = u16(buf, at + 26);
      const extraLength = u16(buf, at + 28);
      if (at + 30 + nameLength + extraLength > buf.length) {
        i = at;
        break;
      }
      const header = this.parse(buf, at, nameLength);
      if (header) this.found.push(header);
      i = at + 4;
    }
    this.base += i;
    this.tail = buf.slice(i);
  }

  /**
   * The header of the entry fflate announces as `name`, and the plausible headers before it
   * that fflate never announced (swallowed by a wrong size).
   */
  take(name: string): { header?: LocalHeader; skipped: LocalHeader[] } {
    const k = this.found.findIndex((h) => h.name === name);
    if (k === -1) return { skipped: [] };
    const skipped = this.found.splice(0, k + 1);
    const header = skipped.pop();
    return { header, skipped };
  }

  private parse(buf: Uint8Array, at: number, nameLength: number): LocalHeader | undefined {
    const version = u16(buf, at + 4);
    const flags = u16(buf, at + 6);
    const method = u16(buf, at + 8);
    // Signatures also occur by chance inside compressed data: keep only plausible headers.
    if (version > 63 || !KNOWN_METHODS.has(method) || nameLength === 0 || nameLength > 1024) {
      return undefined;
    }
    const nameBytes = buf.subarray(at + 30, at + 30 + nameLength);
    if (nameBytes.some((b) => b < 0x20)) return undefined;
    return {
      name: decodeName(nameBytes, (flags & UTF8_FLAG) !== 0),
      offset: this.base + at,
      flags,
      method,
      crc: u32(buf, at + 14),
      compressedSize: u32(buf, at + 18),
      size: u32(buf, at + 22),
    };
  }
}

function findSignature(buf: Uint8Array, from: number): number {
  for (
    let i = buf.indexOf(0x50, from);
    i !== -1 && i + 3 < buf.length;
    i = buf.indexOf(0x50, i + 1)
  ) {
    if (buf[i + 1] === 0x4b && buf[i + 2] === 3 && buf[i + 3] === 4) return i;
  }
  return -1;
}

function join(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** CRC-32 (IEEE, as zip stores it), fed piece by piece. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

export class Crc32 {
  private c = -1;
  update(data: Uint8Array): void {
    let c = this.c;
    for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
    this.c = c;
  }
  get value(): number {
    return ~this.c >>> 0;
  }
}

/** Names of compression methods a zip may use that the reader does not unpack. */
export function methodName(method: number): string {
  const names: Record<number, string> = {
    1: 'Shrink',
    6: 'Implode',
    9: 'Deflate64',
    12: 'BZIP2',
    14: 'LZMA',
    19: 'LZ77',
    93: 'Zstandard',
    95: 'XZ',
    96: 'JPEG',
    97: 'WavPack',
    98: 'PPMd',
    99: 'AES encryption',
  };
  return names[method] ? `${method} (${names[method]})` : String(method);
}
