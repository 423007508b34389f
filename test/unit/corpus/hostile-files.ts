// Builders for the hostile and legacy files of issue 13's tests: text in a legacy 8-bit
// encoding, WARC records with byte bodies and lying headers.
import { enc } from './helpers';

/** Encodes text in a single-byte legacy encoding (the inverse of TextDecoder's table). */
export function legacyEncode(text: string, label: string): Uint8Array {
  const decoder = new TextDecoder(label);
  const table = new Map<string, number>();
  for (let b = 255; b >= 0; b--) table.set(decoder.decode(new Uint8Array([b])), b);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const b = table.get(text[i]);
    if (b === undefined) throw new Error(`${text[i]} has no byte in ${label}`);
    out[i] = b;
  }
  return out;
}

export function join(...parts: (string | Uint8Array)[]): Uint8Array {
  const bytes = parts.map((p) => (typeof p === 'string' ? enc(p) : p));
  const out = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let at = 0;
  for (const b of bytes) {
    out.set(b, at);
    at += b.length;
  }
  return out;
}

/** A WARC response record; `lengthDelta` makes its Content-Length lie by that many bytes. */
export function warcResponse(
  uri: string,
  contentType: string,
  body: Uint8Array | string,
  lengthDelta = 0,
): Uint8Array {
  const bodyBytes = typeof body === 'string' ? enc(body) : body;
  const block = join(
    `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\nContent-Length: ${bodyBytes.length}\r\n\r\n`,
    bodyBytes,
  );
  return join(
    `WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: ${uri}\r\nWARC-Date: 2024-01-01T00:00:00Z\r\n` +
      `WARC-Record-ID: <urn:uuid:${crypto.randomUUID()}>\r\n` +
      `Content-Type: application/http; msgtype=response\r\n` +
      `Content-Length: ${block.length + lengthDelta}\r\n\r\n`,
    block,
    '\r\n\r\n',
  );
}
