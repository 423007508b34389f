// Deterministic string hashing for dedup (method.md §2: "deduplication"). Everything is
// 32-bit integer math via Math.imul, so the same text gives the same hash in every browser,
// in Node and on every platform — hashes are persisted and compared across imports.

// eslint-disable-next-line no-control-regex
const asciiOnly = /^[\x00-\x7f]*$/;
/** ASCII \p{P} and \p{S}: every printable non-alphanumeric, non-space character. */
const asciiPunctuation = /[!-/:-@[-`{-~]+/g;

/**
 * Text normalised for exact dedup: NFKC (full-width and ligature forms fold together),
 * lowercase, punctuation and symbols removed, whitespace collapsed. Two segments that differ
 * only in case, spacing or punctuation count as the same text.
 */
export function normalizeForHash(text: string): string {
  // ASCII needs no NFKC and has a cheaper punctuation class (same result, ~3× faster).
  if (asciiOnly.test(text)) {
    return text.toLowerCase().replace(asciiPunctuation, ' ').replace(/\s+/g, ' ').trim();
  }
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[\p{P}\p{S}]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Murmur3-style finaliser: spreads every input bit over the whole 32-bit word. */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * 32-bit hash of `s[start, end)` (UTF-16 code units, two per 32-bit block, murmur3 rounds).
 * Works on a slice without allocating a substring, which keeps the shingle loop cheap.
 */
export function hashString32(s: string, seed = 0, start = 0, end = s.length): number {
  let h = seed | 0;
  let i = start;
  for (; i + 1 < end; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (i < end) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= end - start;
  return mix32(h);
}

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/**
 * 64-bit hash of an already normalised string as 16 hex chars: hashString32 with two seeds,
 * computed in one pass over the text (same value as two calls, half the string reads).
 */
export function hash64Hex(normalized: string): string {
  const s = normalized;
  const end = s.length;
  let h1 = 0x9747b28c | 0;
  let h2 = 0x3c6ef372 | 0;
  let i = 0;
  for (; i + 1 < end; i += 2) {
    let k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h1 = (h1 << 13) | (h1 >>> 19);
    h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
    h2 ^= k;
    h2 = (h2 << 13) | (h2 >>> 19);
    h2 = (Math.imul(h2, 5) + 0xe6546b64) | 0;
  }
  if (i < end) {
    let k = s.charCodeAt(i);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h1 ^= k;
    h2 ^= k;
  }
  return hex8(mix32(h1 ^ end)) + hex8(mix32(h2 ^ end));
}

/** The exact-dedup key of a segment's text (SegmentRecord.hash). */
export function textHash(text: string): string {
  return hash64Hex(normalizeForHash(text));
}
