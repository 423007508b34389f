// MinHash signatures and LSH banding for near-duplicate detection (method.md §2:
// "deduplication"; the paper gives no method or threshold, so this is standard MinHash-LSH).
//
// Shingles are word 5-grams of the normalised text. Words are hashed (FNV-1a) while the text
// is scanned, with no substrings, and a 5-gram's hash is a rolling polynomial of its five
// word hashes, so each word costs O(1) whatever the shingle length.
//
// Signatures use one-permutation hashing with optimal densification (Li, Owen & Zhang 2012;
// Shrivastava 2017) instead of 128 independent hash functions: each shingle hash picks one of
// the 128 bins and competes for that bin's minimum, so a shingle costs O(1), not 128 mixes
// (128 mixes per shingle measured ~4× slower than this end to end: far below the 20 MB/s
// ingest target).
// Empty bins (short texts) borrow the value of a filled bin along a fixed pseudo-random probe
// sequence, which keeps "share of equal positions" an unbiased Jaccard estimate with about
// the variance of classic 128-function MinHash, and keeps LSH banding valid.
import { hash64Hex, hashString32, mix32, normalizeForHash } from './hash';

/** murmur3 block scramble and round (as in hashString32). */
function murmurK(k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  return Math.imul(k, 0x1b873593);
}
function murmurH(h: number, k: number): number {
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

export interface MinHashOptions {
  /** Signature length (hash functions). */
  numPerm: number;
  /** Words per shingle. */
  shingleWords: number;
  /** Seed of the hash family: change it and every stored signature is invalid. */
  seed: number;
}

export const defaultMinHashOptions: MinHashOptions = {
  numPerm: 128,
  shingleWords: 5,
  seed: 0x5eed1234,
};

/** Deterministic pseudo-random 32-bit stream (splitmix-style) for the hash family's constants. */
function constants(seed: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  let state = seed | 0;
  for (let i = 0; i < count; i++) {
    state = (state + 0x9e3779b9) | 0;
    out[i] = mix32(state);
  }
  return out;
}

const EMPTY = 0xffffffff;
/** Odd multiplier of the rolling shingle hash. */
const ROLL = 0x01000193;

export class MinHasher {
  readonly numPerm: number;
  private readonly shingleWords: number;
  private readonly wordSeed: number;
  private readonly valueSeed: number;
  /** Probe sequence of each bin for densification: probes[bin * numPerm + attempt]. */
  private readonly probes: Uint16Array;
  /** The last shingleWords word hashes (ring buffer) and P^(n−1) to roll the oldest out. */
  private readonly window: Uint32Array;
  private readonly dropFactor: number;
  private readonly filled: Uint8Array;
  /** numPerm − 1 when numPerm is a power of two, else −1. */
  private readonly binMask: number;

  constructor(opts: Partial<MinHashOptions> = {}) {
    const o = { ...defaultMinHashOptions, ...opts };
    if (o.numPerm < 2 || o.numPerm > 4096) throw new RangeError('numPerm must be 2–4096');
    this.numPerm = o.numPerm;
    this.shingleWords = o.shingleWords;
    this.wordSeed = mix32(o.seed ^ 0x165667b1);
    this.valueSeed = mix32(o.seed ^ 0x27d4eb2f);
    const stream = constants(o.seed, o.numPerm * o.numPerm);
    this.probes = new Uint16Array(stream.length);
    for (let i = 0; i < stream.length; i++) this.probes[i] = stream[i] % o.numPerm;
    this.window = new Uint32Array(o.shingleWords);
    let power = 1;
    for (let k = 1; k < o.shingleWords; k++) power = Math.imul(power, ROLL);
    this.dropFactor = power;
    this.filled = new Uint8Array(o.numPerm);
    this.binMask = (o.numPerm & (o.numPerm - 1)) === 0 ? o.numPerm - 1 : -1;
  }

  /** One-permutation step: the shingle's bin keeps the smallest value seen. */
  private update(sig: Uint32Array, h: number): void {
    // h is a uint32 (often above 2³¹, a double to V8): for a power-of-two numPerm (the default
    // 128) its low bits are h % numPerm, without a floating-point modulo per shingle.
    const bin = this.binMask >= 0 ? h & this.binMask : h % this.numPerm;
    const value = mix32(h ^ this.valueSeed);
    if (value < sig[bin]) sig[bin] = value;
    this.filled[bin] = 1;
  }

  /** Fills empty bins from filled ones along each bin's fixed probe sequence. */
  private densify(sig: Uint32Array): void {
    const n = this.numPerm;
    let any = false;
    for (let b = 0; b < n; b++) any ||= this.filled[b] === 1;
    if (!any) return;
    for (let b = 0; b < n; b++) {
      if (this.filled[b]) continue;
      let attempt = 0;
      let source = this.probes[b * n];
      // The sequence is random per bin; past n probes fall back to a linear scan (never empty).
      while (!this.filled[source]) {
        attempt++;
        source = attempt < n ? this.probes[b * n + attempt] : (b + attempt) % n;
      }
      sig[b] = sig[source];
    }
  }

  /** hashAndSignature's one-pass path; null for non-ASCII or sub-shingle texts. */
  fusedAscii(text: string): { hash: string; signature: Uint32Array } | null {
    const sig = new Uint32Array(this.numPerm).fill(EMPTY);
    this.filled.fill(0);
    const n = this.shingleWords;
    const window = this.window.fill(0);
    const dropFactor = this.dropFactor;
    let rolling = 0;
    let slot = 0;
    let count = 0;
    let wordHash = this.wordSeed;
    let inWord = false;
    // hash64Hex state: murmur3 rounds over pairs of normalised code units, two seeds.
    let h1 = 0x9747b28c | 0;
    let h2 = 0x3c6ef372 | 0;
    let half = -1;
    let length = 0;
    let pendingSpace = false;
    const end = text.length;
    for (let i = 0; i <= end; i++) {
      const raw = i < end ? text.charCodeAt(i) : 32;
      if (raw > 0x7f) return null;
      if (asciiBreak[raw] === 1) {
        // A break ends the word; a space is emitted only if another word follows (trim).
        if (inWord) {
          const h = mix32(wordHash);
          rolling = (Math.imul(rolling - Math.imul(window[slot], dropFactor), ROLL) + h) | 0;
          window[slot] = h;
          slot = slot + 1 === n ? 0 : slot + 1;
          count++;
          if (count >= n) this.update(sig, mix32(rolling));
          wordHash = this.wordSeed;
          inWord = false;
        }
        pendingSpace = length > 0;
        continue;
      }
      const c = raw >= 65 && raw <= 90 ? raw + 32 : raw;
      if (pendingSpace) {
        pendingSpace = false;
        length++;
        if (half < 0) half = 32;
        else {
          const k = murmurK(half | (32 << 16));
          h1 = murmurH(h1, k);
          h2 = murmurH(h2, k);
          half = -1;
        }
      }
      length++;
      if (half < 0) half = c;
      else {
        const k = murmurK(half | (c << 16));
        h1 = murmurH(h1, k);
        h2 = murmurH(h2, k);
        half = -1;
      }
      wordHash = Math.imul(wordHash ^ c, 0x01000193);
      inWord = true;
    }
    if (count < n) return null;
    if (half >= 0) {
      const k = murmurK(half);
      h1 ^= k;
      h2 ^= k;
    }
    this.densify(sig);
    return { hash: hex8(mix32(h1 ^ length)) + hex8(mix32(h2 ^ length)), signature: sig };
  }

  /** Signature of a text's word 5-gram set; texts shorter than 5 words use all their words. */
  signature(text: string): Uint32Array {
    return this.signatureOfNormalized(normalizeForHash(text));
  }

  /** As `signature`, for text already passed through normalizeForHash (words split by ' '). */
  signatureOfNormalized(s: string): Uint32Array {
    const sig = new Uint32Array(this.numPerm).fill(EMPTY);
    this.filled.fill(0);
    const n = this.shingleWords;
    const window = this.window.fill(0);
    const dropFactor = this.dropFactor;
    // Polynomial rolling hash of the last n word hashes (exact in 32-bit ring arithmetic):
    // rolling = Σ w_k · P^(n−1−k); each word updates it in O(1) whatever n is.
    let rolling = 0;
    let slot = 0;
    let count = 0;
    let wordHash = this.wordSeed;
    let inWord = false;
    for (let i = 0; i <= s.length; i++) {
      const c = i < s.length ? s.charCodeAt(i) : 32;
      if (c !== 32) {
        // FNV-1a over the word's code units while scanning: one pass, no substring.
        wordHash = Math.imul(wordHash ^ c, 0x01000193);
        inWord = true;
        continue;
      }
      if (inWord) {
        const h = mix32(wordHash);
        rolling = (Math.imul(rolling - Math.imul(window[slot], dropFactor), ROLL) + h) | 0;
        window[slot] = h;
        slot = slot + 1 === n ? 0 : slot + 1;
        count++;
        if (count >= n) this.update(sig, mix32(rolling));
        wordHash = this.wordSeed;
        inWord = false;
      }
    }
    if (count > 0 && count < n) {
      // Fewer words than one shingle: the whole (short) text is the only shingle.
      this.update(sig, mix32(hashString32(s, this.wordSeed) ^ count));
    }
    this.densify(sig);
    return sig;
  }
}

/** ASCII characters that normalizeForHash turns into a word break: \s and \p{P}/\p{S}. */
const asciiBreak = (() => {
  const t = new Uint8Array(128);
  for (const c of [9, 10, 11, 12, 13, 32]) t[c] = 1;
  for (const [a, b] of [
    [33, 47],
    [58, 64],
    [91, 96],
    [123, 126],
  ])
    for (let c = a; c <= b; c++) t[c] = 1;
  return t;
})();

const hex8 = (n: number): string => (n >>> 0).toString(16).padStart(8, '0');

/**
 * The exact-dedup hash (`hash64Hex(normalizeForHash(text))`) and the MinHash signature of a
 * text in ONE pass over it: for ASCII text the normalisation (lowercase, punctuation and
 * whitespace runs → one space, trimmed) happens per character while both hashes consume the
 * normalised stream, with no intermediate strings. Other texts (NFKC, Unicode classes) and
 * texts under one shingle take the string path. Same values as the separate functions
 * (a unit test compares them), so stored hashes stay valid.
 */
export function hashAndSignature(
  hasher: MinHasher,
  text: string,
): { hash: string; signature: Uint32Array } {
  const fused = hasher.fusedAscii(text);
  if (fused) return fused;
  const normalized = normalizeForHash(text);
  return { hash: hash64Hex(normalized), signature: hasher.signatureOfNormalized(normalized) };
}

/** Share of equal positions: an unbiased estimate of the Jaccard similarity of the sets. */
export function estimateJaccard(a: Uint32Array, b: Uint32Array): number {
  if (a.length !== b.length) throw new RangeError('signatures differ in length');
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

export interface LshOptions {
  bands: number;
  rows: number;
}

/**
 * 20 bands × 6 rows (120 of the 128 values; all 128 are used to verify). Probability that two
 * segments share at least one band, 1 − (1 − s⁶)²⁰, by Jaccard s:
 *   s = 0.3: 0.014 · 0.5: 0.270 · 0.6: 0.615 · 0.7: 0.918 · 0.8: 0.998 · 0.9: 1.000
 * So pairs at the 0.8 threshold are found with 99.8% probability while unrelated segments
 * (s < 0.3) rarely cost a signature lookup. (32 × 4 would also catch 0.8 but makes 87% of
 * all s = 0.5 pairs candidates.)
 */
export const defaultLshOptions: LshOptions = { bands: 20, rows: 6 };

/** Collision probability of the banding (the S-curve) for Jaccard similarity s. */
export function lshProbability(s: number, { bands, rows }: LshOptions): number {
  return 1 - (1 - s ** rows) ** bands;
}

/** One key per band, `b<band>:<8 hex>`, equal for two signatures that agree on that band. */
export function bandKeys(sig: Uint32Array, { bands, rows }: LshOptions): string[] {
  if (bands * rows > sig.length) throw new RangeError('bands × rows exceeds signature length');
  const keys = new Array<string>(bands);
  for (let b = 0; b < bands; b++) {
    let h = b + 0x6a09e667;
    for (let r = 0; r < rows; r++) h = mix32(h ^ sig[b * rows + r]) + r;
    keys[b] = `b${b}:${(h >>> 0).toString(16).padStart(8, '0')}`;
  }
  return keys;
}
