// Deterministic synthetic corpus for ingest tests: markdown documents whose sections are
// 600–3,000 characters of varied (non-repetitive) sentences, so they pass the segment filters.
export { mulberry32 as rng } from '../../../src/lib/engines/generation/rng';
import { mulberry32 as rng } from '../../../src/lib/engines/generation/rng';

const syllables = [
  'ka',
  'lo',
  'mi',
  'ren',
  'tas',
  'vo',
  'qui',
  'dan',
  'sel',
  'por',
  'ith',
  'um',
  'bre',
  'col',
  'nax',
];

function word(r: () => number): string {
  const n = 1 + Math.floor(r() * 3);
  let w = '';
  for (let i = 0; i < n; i++) w += syllables[Math.floor(r() * syllables.length)];
  return w;
}

export function paragraph(r: () => number, chars: number): string {
  const sentences: string[] = [];
  let len = 0;
  while (len < chars) {
    const words = Array.from({ length: 6 + Math.floor(r() * 10) }, () => word(r));
    const s = words.join(' ');
    const sentence = s[0].toUpperCase() + s.slice(1) + '.';
    sentences.push(sentence);
    len += sentence.length + 1;
  }
  return sentences.join(' ');
}

/** A markdown document with `sections` sections of about 1,200 characters (a document is longer than 3,000, so each section is its own segment) each. */
export function markdownDoc(seed: number, sections = 3): string {
  const r = rng(seed);
  const parts = [`# Document ${seed}`];
  for (let i = 0; i < sections; i++) parts.push(`## Topic ${word(r)} ${i}`, paragraph(r, 1200));
  return parts.join('\n\n');
}

/** JSONL lines of markdown documents with seeds [from, from + count). */
export function jsonlCorpus(from: number, count: number, sections = 3): string {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++)
    lines.push(JSON.stringify({ text: markdownDoc(i, sections) }));
  return lines.join('\n') + '\n';
}
