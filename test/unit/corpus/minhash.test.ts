import { describe, expect, it } from 'vitest';
import { hash64Hex, hashString32, normalizeForHash, textHash } from '../../../src/lib/corpus/hash';
import {
  bandKeys,
  defaultLshOptions,
  estimateJaccard,
  hashAndSignature,
  lshProbability,
  MinHasher,
} from '../../../src/lib/corpus/minhash';
import { prose, rng } from './fixtures';

/** A text of five distinct words per id; its true 5-gram set is computed in the test. */
function textOfShingles(ids: number[]): string {
  return ids.map((id) => `w${id}a w${id}b w${id}c w${id}d w${id}e`).join(' ');
}

describe('normalised exact hash', () => {
  it('ignores case, spacing, punctuation and Unicode width forms', () => {
    expect(normalizeForHash('  Hello,   WORLD!\n Ｆｏｏ… ')).toBe('hello world foo');
    expect(textHash('Hello, world!')).toBe(textHash('hello world'));
    expect(textHash('Hello, world!')).not.toBe(textHash('hello worlds'));
  });

  it('is deterministic: fixed values, 16 hex chars', () => {
    // Pinned outputs: a change here invalidates every persisted hash (and dedup index).
    expect(hashString32('', 0)).toBe(0);
    expect(hashString32('abc', 0)).toBe(1968171120);
    expect(hash64Hex('hello world')).toBe('990fff4872515976');
    const sig = new MinHasher().signature('the quick brown fox jumps over the lazy dog');
    expect(Array.from(sig.subarray(0, 4))).toEqual([2565438184, 3171144346, 486358411, 2565438184]);
  });

  it('takes the ASCII fast path with the same result as the Unicode rules', () => {
    const ascii = ` Mixed: CASE, "quotes" & symbols ($5 + 3 = 8) <tag> a_b c|d ~e {f} [g] 'h' \\ ^`;
    const unicodeRules = ascii
      .normalize('NFKC')
      .toLowerCase()
      .replace(/[\p{P}\p{S}]+/gu, ' ')
      .replace(/\s+/g, ' ')
      .trim();
    expect(normalizeForHash(ascii)).toBe(unicodeRules);
    expect(normalizeForHash(ascii + ' é')).toBe(unicodeRules + ' é');
  });

  it('hashes a slice like the substring', () => {
    const s = 'xx hello yy';
    expect(hashString32(s, 7, 3, 8)).toBe(hashString32('hello', 7));
  });
});

describe('MinHash', () => {
  const hasher = new MinHasher();

  it('gives identical signatures for identical normalised text, 128 values', () => {
    const text = prose(600, 1);
    const a = hasher.signature(text);
    expect(a).toBeInstanceOf(Uint32Array);
    expect(a).toHaveLength(128);
    expect(hasher.signature(text.toUpperCase())).toEqual(a);
    expect(new MinHasher().signature(text)).toEqual(a); // same seed, same family
    expect(new MinHasher({ seed: 99 }).signature(text)).not.toEqual(a);
  });

  it('estimates Jaccard within ±0.1 of the true value on random sets', () => {
    const next = rng(42);
    let worst = 0;
    for (let trial = 0; trial < 30; trial++) {
      const size = 50 + Math.floor(next() * 200);
      const shared = Math.floor(next() * size);
      const base = trial * 10_000;
      const a = Array.from({ length: size }, (_, i) => base + i);
      const b = [
        ...a.slice(0, shared),
        ...Array.from({ length: size - shared }, (_, i) => base + 5000 + i),
      ];
      const sa = hasher.signature(textOfShingles(a));
      const sb = hasher.signature(textOfShingles(b));
      // The true Jaccard of the two texts' word 5-gram sets (incl. grams across id boundaries).
      const setOf = (ids: number[]) => {
        const norm = normalizeForHash(textOfShingles(ids)).split(' ');
        const grams = new Set<string>();
        for (let i = 0; i + 5 <= norm.length; i++) grams.add(norm.slice(i, i + 5).join(' '));
        return grams;
      };
      const ga = setOf(a);
      const gb = setOf(b);
      let both = 0;
      for (const g of ga) if (gb.has(g)) both++;
      const truth = both / (ga.size + gb.size - both);
      worst = Math.max(worst, Math.abs(estimateJaccard(sa, sb) - truth));
    }
    expect(worst).toBeLessThanOrEqual(0.1);
  });

  it('fills every position, also for texts with fewer shingles than positions', () => {
    for (const text of ['one two three four five six', prose(120, 4), prose(3000, 5)]) {
      expect(hasher.signature(text).includes(0xffffffff)).toBe(false);
    }
    expect(hasher.signature('').every((v) => v === 0xffffffff)).toBe(true);
  });

  it('handles texts shorter than one shingle', () => {
    expect(estimateJaccard(hasher.signature('two words'), hasher.signature('two words'))).toBe(1);
    expect(
      estimateJaccard(hasher.signature('two words'), hasher.signature('other words')),
    ).toBeLessThan(0.2);
  });
});

describe('LSH banding', () => {
  it('documents the S-curve of 20 bands × 6 rows', () => {
    expect(lshProbability(0.8, defaultLshOptions)).toBeGreaterThan(0.99);
    expect(lshProbability(0.5, defaultLshOptions)).toBeLessThan(0.3);
    expect(lshProbability(0.3, defaultLshOptions)).toBeLessThan(0.02);
  });

  it('gives one string key per band, equal exactly where the band agrees', () => {
    const a = new MinHasher().signature(prose(800, 3));
    const b = Uint32Array.from(a);
    b[0] ^= 1; // differs in band 0 only
    const ka = bandKeys(a, defaultLshOptions);
    const kb = bandKeys(b, defaultLshOptions);
    expect(ka).toHaveLength(20);
    expect(ka[0]).toMatch(/^b0:[0-9a-f]{8}$/);
    expect(ka[0]).not.toBe(kb[0]);
    expect(ka.slice(1)).toEqual(kb.slice(1));
  });
});

describe('hashAndSignature (one-pass path)', () => {
  it('keeps the stored signature values (pinned; 128 bins by mask, 96 by modulo)', () => {
    // Values from before the power-of-two bin mask (issue 14): signatures stored by earlier
    // imports must still compare equal with new ones.
    const fold = (sig: Uint32Array) => sig.reduce((acc, v) => (Math.imul(acc, 31) + v) | 0, 0);
    const sig = new MinHasher().signature(prose(600, 1));
    expect([sig[0], sig[1], sig[127]]).toEqual([2214018789, 158564300, 1581686941]);
    expect(fold(sig)).toBe(2012963309);
    const short = new MinHasher().signature('only three words');
    expect([short[0], short[64]]).toEqual([3607333635, 3607333635]);
    expect(fold(new MinHasher({ numPerm: 96 }).signature(prose(600, 1)))).toBe(-1740861036);
  });

  it('gives the same hash and signature as normalising first, for ASCII and other text', () => {
    const hasher = new MinHasher();
    const texts = [
      '  Hello, World!  This is -- a   TEST of the... one-pass path; does it match?  ',
      'one two three four five six\tseven\neight (nine) [ten] {eleven} "twelve"!',
      'Ünïcödé words take the string path: café déjà vu, naïve façade, ﬁne ligature',
      '!!!word!!! another-word third_word 4th,word 5TH.WORD six seven',
      'a b c d e f',
      'odd',
      '',
      '   ...   ',
      `${'lorem ipsum dolor sit amet, '.repeat(40)}END`,
    ];
    const r = (() => {
      let s = 7;
      return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
    })();
    const alphabet = 'abcXYZ  ,.!-_\t\n09';
    for (let t = 0; t < 200; t++)
      texts.push(
        Array.from(
          { length: 5 + Math.floor(r() * 80) },
          () => alphabet[Math.floor(r() * alphabet.length)],
        ).join(''),
      );
    for (const text of texts) {
      const normalized = normalizeForHash(text);
      const out = hashAndSignature(hasher, text);
      expect(out.hash).toBe(hash64Hex(normalized));
      expect([...out.signature]).toEqual([...hasher.signatureOfNormalized(normalized)]);
    }
  });

  it('hash64Hex equals the two seeded hashString32 values', () => {
    for (const s of ['', 'a', 'ab', 'abc', 'hello world', 'ünï'])
      expect(hash64Hex(s)).toBe(
        [0x9747b28c, 0x3c6ef372]
          .map((seed) => hashString32(s, seed).toString(16).padStart(8, '0'))
          .join(''),
      );
  });
});
