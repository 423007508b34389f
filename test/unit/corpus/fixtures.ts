// Deterministic prose generator for corpus tests: varied sentences (so the repetition filter
// does not fire by accident) of a requested length.
const vocabulary = (
  'river mountain library engine garden theory method signal harbor village market ' +
  'winter summer lantern pattern chemistry orbit protein language network bridge canyon ' +
  'meadow battery compass glacier violin ceramic harvest journal museum planet forest ' +
  'desert ocean tunnel pepper cotton silver copper marble shadow thunder crystal falcon'
).split(' ');
const verbs =
  'explains shapes follows measures carries builds reveals changes guides supports'.split(' ');

/** Small deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function sentence(next: () => number): string {
  const pick = (list: string[]): string => list[Math.floor(next() * list.length)];
  const n = 8 + Math.floor(next() * 8);
  const ws: string[] = [];
  for (let i = 0; i < n; i++) ws.push(i === 2 ? pick(verbs) : pick(vocabulary));
  const s = ws.join(' ');
  return s[0].toUpperCase() + s.slice(1) + '.';
}

/** Prose of at least `chars` characters (sentences joined by spaces), deterministic by seed. */
export function prose(chars: number, seed: number): string {
  const next = rng(seed);
  const parts: string[] = [];
  let length = 0;
  while (length < chars) {
    const s = sentence(next);
    parts.push(s);
    length += s.length + 1;
  }
  return parts.join(' ');
}
