// Made-up text for the Review benches (Node: review.bench.ts; Chromium: review-table.bench.ts):
// 20,000 words drawn with a Zipf-like skew, a vocabulary the size of a real corpus's, with
// common and rare words, so the word index is as large as a real run's.
import type { Candidate, Rating } from '../../src/lib/domain';
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

/**
 * Candidate i of a generated run: an instruction of 60-170 characters (mean about 115, the
 * paper's A_5 mean, v1 Table 2) and a passage of `outputChars` characters plus its number.
 */
export function generatedCandidate(
  i: number,
  r: () => number,
  outputChars: number,
  /** Drawn after the texts, from the same generator. */
  ratings: (r: () => number) => Rating[],
  filterReason?: string,
): Candidate {
  const output = `${text(r, outputChars)} ${i}`;
  const instruction = text(r, 60 + Math.floor(r() * 110));
  return {
    id: `c${String(i).padStart(6, '0')}`,
    workspaceId: 'w',
    runId: 'r',
    segmentId: `s${i}`,
    documentId: `d${i >> 4}`,
    headerPath: ['Doc', 'Section'],
    output,
    rawInstruction: '',
    instruction,
    producedBy: 'M_yx',
    ratings: ratings(r),
    ...(filterReason ? { filterReason } : {}),
  };
}
