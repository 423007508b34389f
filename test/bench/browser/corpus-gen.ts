// In-browser generators for the ingest bench: realistic-looking JSONL and HTML corpora built
// as Blobs chunk by chunk (the bytes live in the browser's blob store, not in the JS heap), so
// the bench measures the pipeline, not the generator, and no data files live in the repo.

import { mulberry32 as rng } from '../../../src/lib/engines/generation/rng';
import { TextPool } from '../../helpers/prose';

/** JSONL of {"text", "url"} documents (plain text, ~4–12 KB each) totalling about `bytes`. */
export function jsonlCorpus(bytes: number, seed = 1): Blob {
  const pool = new TextPool(seed);
  const r = rng(seed + 1);
  const parts: BlobPart[] = [];
  let chunk = '';
  let total = 0;
  let n = 0;
  while (total < bytes) {
    const paragraphs: string[] = [];
    const count = 3 + Math.floor(r() * 8);
    for (let i = 0; i < count; i++) paragraphs.push(pool.paragraph(400 + r() * 1200));
    const line =
      JSON.stringify({ url: `https://example.org/doc/${n++}`, text: paragraphs.join('\n\n') }) +
      '\n';
    chunk += line;
    total += line.length;
    if (chunk.length > 4_000_000) {
      parts.push(chunk);
      chunk = '';
    }
  }
  parts.push(chunk);
  return new Blob(parts, { type: 'application/jsonl' });
}

const navItems = ['Home', 'About us', 'Products', 'Blog', 'Contact', 'Careers', 'Support', 'Press'];

/** One web page with site chrome (nav, sidebar, footer) and 3–7 h2 sections with h3 subtrees. */
export function htmlPage(pool: TextPool, n: number): string {
  const sections: string[] = [];
  const count = 3 + (n % 5);
  for (let i = 0; i < count; i++) {
    const subs: string[] = [];
    for (let k = 0; k < 1 + (i % 3); k++) {
      subs.push(
        `<h3>${pool.title()}</h3><p>${pool.paragraph(300 + ((n * 7 + k * 13) % 700))}</p>` +
          (k % 2
            ? `<ul>${[1, 2, 3].map(() => `<li>${pool.paragraph(60)}</li>`).join('')}</ul>`
            : ''),
      );
    }
    sections.push(
      `<section><h2>${pool.title()}</h2><p>${pool.paragraph(400)}</p>${subs.join('')}</section>`,
    );
  }
  const nav = navItems.map((t) => `<li><a href="/${t.toLowerCase()}">${t}</a></li>`).join('');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${pool.title()}</title>
<style>body{font-family:sans-serif}.ad{display:none}</style><script>window.dataLayer=[];</script></head>
<body><header><nav><ul>${nav}</ul></nav></header>
<main><article><h1>${pool.title()}</h1><p class="byline">By Staff Writer, ${2000 + (n % 24)}</p>${sections.join('\n')}</article>
<aside><h2>Advertisement</h2><p>Buy now and save.</p><h2>Related posts</h2><ul>${nav}</ul></aside></main>
<footer><h2>Quick links</h2><ul>${nav}</ul><p>© Example Media. All rights reserved.</p></footer></body></html>`;
}

/** HTML pages as Files (`page-<n>.html`) totalling about `bytes`. */
export function htmlCorpus(bytes: number, seed = 2): File[] {
  const pool = new TextPool(seed);
  const files: File[] = [];
  let total = 0;
  for (let n = 0; total < bytes; n++) {
    const page = htmlPage(pool, n);
    total += page.length;
    files.push(new File([page], `site/page-${n}.html`, { type: 'text/html' }));
  }
  return files;
}
