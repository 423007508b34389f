// Deterministic synthetic corpus for ingest tests: markdown documents whose sections are
// 600–3,000 characters of varied (non-repetitive) sentences (test/helpers/prose.ts), so they
// pass the segment filters.
import { mulberry32 } from '../../../src/lib/engines/generation/rng';
import { paragraph, randomWord } from '../../helpers/prose';

/** A markdown document with `sections` sections of about 1,200 characters (a document is longer than 3,000, so each section is its own segment) each. */
export function markdownDoc(seed: number, sections = 3): string {
  const r = mulberry32(seed);
  const parts = [`# Document ${seed}`];
  for (let i = 0; i < sections; i++)
    parts.push(`## Topic ${randomWord(r)} ${i}`, paragraph(r, 1200));
  return parts.join('\n\n');
}

/** JSONL lines of markdown documents with seeds [from, from + count). */
export function jsonlCorpus(from: number, count: number, sections = 3): string {
  const lines: string[] = [];
  for (let i = from; i < from + count; i++)
    lines.push(JSON.stringify({ text: markdownDoc(i, sections) }));
  return lines.join('\n') + '\n';
}
