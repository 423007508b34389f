// Made-up text for the Review benches (Node: review.bench.ts; Chromium: review-table.bench.ts):
// 20,000 words drawn with a Zipf-like skew, a vocabulary the size of a real corpus's, with
// common and rare words, so the word index is as large as a real run's.
import { mulberry32 } from '../../src/lib/engines/generation/rng';

export const rng = mulberry32;

const SYL = ['ka', 'lo', 'mi', 'ter', 'san', 'vel', 'dro', 'pun', 'est', 'gra', 'ion', 'ül', 'or'];
export const WORDS = Array.from({ length: 20_000 }, (_, i) => {
  const r = rng(i + 1);
  let w = '';
  for (let k = 0, n = 1 + Math.floor(r() * 4); k < n; k++) w += SYL[Math.floor(r() * SYL.length)];
  return w;
});

/** About `chars` characters of words drawn from the skewed vocabulary. */
export function text(r: () => number, chars: number): string {
  const parts: string[] = [];
  let len = 0;
  while (len < chars) {
    const w = WORDS[Math.floor(WORDS.length * r() ** 3)];
    parts.push(w);
    len += w.length + 1;
  }
  return parts.join(' ');
}
