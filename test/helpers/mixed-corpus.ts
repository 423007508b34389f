// A small corpus that walks every branch of the ingest job, for comparing the pooled path
// with the serial one: JSONL with a malformed line, a too-short document, an exact and a near
// duplicate; a Markdown file repeating a JSONL document; HTML pages with a navigation header
// and with a page repeating another; and a file that cannot be read at all (fails).
import { mulberry32 } from '../../src/lib/engines/generation/rng';
import { paragraph, randomWord } from './prose';

function sections(seed: number, n = 3): { header: string; text: string }[] {
  const r = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({
    header: `Topic ${randomWord(r)} ${i}`,
    text: paragraph(r, 1200),
  }));
}

const markdown = (seed: number) =>
  [`# Document ${seed}`, ...sections(seed).flatMap((s) => [`## ${s.header}`, s.text])].join('\n\n');

const html = (seed: number) =>
  `<!doctype html><html><head><title>Page ${seed}</title></head><body><article>` +
  `<h1>Page ${seed}</h1>` +
  sections(seed)
    .map((s) => `<h2>${s.header}</h2><p>${s.text}</p>`)
    .join('') +
  `<h2>Related posts</h2><p>${sections(seed + 1000, 1)[0].text}</p>` +
  `</article></body></html>`;

/** `docs` JSONL documents (plus the special lines) and the other files; lastModified fixed. */
export function mixedCorpus(docs = 40): File[] {
  const lines: string[] = [];
  for (let i = 0; i < docs; i++) {
    lines.push(JSON.stringify({ text: markdown(i) }));
    if (i === 7) lines.push('{"text": not json');
    if (i === 11) lines.push(JSON.stringify({ text: '# Tiny\n\n## Short\n\nToo short to keep.' }));
    if (i === 13) lines.push(JSON.stringify({ text: markdown(3) })); // exact duplicate
    if (i === 17)
      lines.push(JSON.stringify({ text: markdown(5).replace(/\n\n(?!#)/g, '\n\nSo, ') }));
  }
  const file = (name: string, text: string | Uint8Array) =>
    new File([text as BlobPart], name, { lastModified: 0 });
  return [
    file('a.jsonl', lines.join('\n') + '\n'),
    file('b.md', markdown(9)),
    file('c1.html', html(500)),
    file('c2.html', html(501)),
    file('c3.html', html(500)),
    file('broken.parquet', new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])),
    file(
      'd.jsonl',
      Array.from({ length: 12 }, (_, i) => JSON.stringify({ text: markdown(100 + i) })).join('\n'),
    ),
  ];
}
