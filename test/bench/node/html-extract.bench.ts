// HTML extraction alone in Node, the default path (light tree, linkedom's DOM only for pages
// that go to Readability) against the former linkedom-for-every-page path (issue 14 item 1),
// side by side and interleaved in one run: 10 MB of the ingest bench's pages (corpus-gen.ts:
// each has a <main>, so none needs Readability) and the 37 extraction-quality pages repeated
// to 2 MB (31 of 37 go to Readability, which still needs linkedom's DOM). CPU time is the
// process's (the V8 GC threads included), beside wall time.
import { loadavg } from 'node:os';
import { expect, it } from 'vitest';
import { extractHtml, type HtmlOptions } from '../../../src/lib/corpus/html';
import { TextPool } from '../../helpers/prose';
import { htmlPage } from '../browser/corpus-gen';
import { qualityPages } from '../quality/pages';
import { measure } from '../result';
import { record } from '../record-node';

const MB = 1_000_000;
const rounds = 3;

function benchPages(bytes: number): string[] {
  const pool = new TextPool(2);
  const pages: string[] = [];
  for (let n = 0, total = 0; total < bytes; n++) {
    pages.push(htmlPage(pool, n));
    total += pages[n].length;
  }
  return pages;
}

function repeatedQualityPages(bytes: number): string[] {
  const one = qualityPages().map((p) => p.html);
  const pages: string[] = [];
  for (let total = 0; total < bytes;) {
    for (const p of one) {
      pages.push(p);
      total += p.length;
    }
  }
  return pages;
}

interface Run {
  cpuMs: number;
  wallMs: number;
}

function run(pages: string[], parser: HtmlOptions['parser']): Run {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let blocks = 0;
  for (const p of pages) blocks += extractHtml(p, { parser }).blocks.length;
  const c = process.cpuUsage(c0);
  expect(blocks).toBeGreaterThan(pages.length);
  return { cpuMs: (c.user + c.system) / 1000, wallMs: performance.now() - t0 };
}

const sizeOf = (pages: string[]) => pages.reduce((n, p) => n + p.length, 0);
const best = (runs: Run[]): Run => ({
  cpuMs: Math.min(...runs.map((r) => r.cpuMs)),
  wallMs: Math.min(...runs.map((r) => r.wallMs)),
});

it('HTML extraction: default path vs linkedom for every page, interleaved', () => {
  const sets = { bench: benchPages(10 * MB), quality: repeatedQualityPages(2 * MB) };
  const results = [];
  const lines: string[] = [];
  for (const [name, pages] of Object.entries(sets)) {
    const readability = pages
      .slice(0, 200)
      .filter((p) => extractHtml(p).method === 'readability').length;
    const share = readability / Math.min(200, pages.length);
    const current: Run[] = [];
    const dom: Run[] = [];
    run(pages.slice(0, 50), 'auto'); // warm both paths' code
    run(pages.slice(0, 50), 'linkedom');
    for (let i = 0; i < rounds; i++) {
      dom.push(run(pages, 'linkedom'));
      current.push(run(pages, 'auto'));
    }
    const mb = sizeOf(pages) / MB;
    const l = best(current);
    const d = best(dom);
    const detail =
      `${mb.toFixed(1)} MB, ${pages.length} pages, ${(share * 100).toFixed(0)}% to Readability; ` +
      `best of ${rounds} interleaved; CPU ${d.cpuMs.toFixed(0)} → ${l.cpuMs.toFixed(0)} ms, ` +
      `wall ${d.wallMs.toFixed(0)} → ${l.wallMs.toFixed(0)} ms; load ${loadavg()[0].toFixed(1)}`;
    lines.push(`[bench] html extraction (${name}) ${detail}`);
    results.push(
      measure(`HTML extraction CPU MB/s, ${name} pages (linkedom)`, mb / (d.cpuMs / 1000), 'MB/s'),
      measure(`HTML extraction CPU MB/s, ${name} pages (default)`, mb / (l.cpuMs / 1000), 'MB/s'),
      measure(`HTML extraction speed-up, ${name} pages`, d.cpuMs / l.cpuMs, 'x', undefined, detail),
    );
  }
  console.log(lines.join('\n'));
  record('html-extract', results);
});
