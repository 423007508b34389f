// Deterministic prose generator for corpus tests: varied sentences (so the repetition filter
// does not fire by accident) of a requested length.
import { mulberry32 as rng } from '../../../src/lib/engines/generation/rng';

/** Deterministic PRNG shared with the app (one implementation). */
export { rng };

const vocabulary = (
  'river mountain library engine garden theory method signal harbor village market ' +
  'winter summer lantern pattern chemistry orbit protein language network bridge canyon ' +
  'meadow battery compass glacier violin ceramic harvest journal museum planet forest ' +
  'desert ocean tunnel pepper cotton silver copper marble shadow thunder crystal falcon'
).split(' ');
const verbs =
  'explains shapes follows measures carries builds reveals changes guides supports'.split(' ');

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
