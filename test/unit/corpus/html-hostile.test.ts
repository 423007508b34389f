// Issue 13 item 1 for HTML and Markdown: no super-linear work on small hostile inputs, no
// stack overflow on deep nesting, and a per-document issue when Readability is skipped.
// Budgets are asserted by construction: counted searches against input size, and inputs
// large enough that a quadratic pass (≥ 10^10 steps) could not finish within the test.
import { parseHTML } from 'linkedom';
import { describe, expect, it } from 'vitest';
import { extractHtml } from '../../../src/lib/corpus/html';
import {
  asFullDocument,
  flattenDeepNesting,
  maxParseDepth,
  stripDropped,
  type SourceScanStats,
} from '../../../src/lib/corpus/html-source';
import { nestingDepth } from '../../../src/lib/corpus/html-walk';
import { markdownBlocks } from '../../../src/lib/corpus/markdown';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions } from '../../../src/lib/corpus/types';
import { prose } from './fixtures';

const allText = (html: string): string =>
  extractHtml(html)
    .blocks.map((b) => `${b.header ?? ''}\n${b.text}`)
    .join('\n');

describe('HTML source pass is linear', () => {
  it('searches for a missing closer once, however many unclosed <script> openers follow', () => {
    const stats: SourceScanStats = { closerSearches: 0 };
    const html = `<p>KEEP_BEFORE</p>` + '<script>x = 1; <p>after</p>'.repeat(20_000);
    const out = stripDropped(html, stats);
    expect(stats.closerSearches).toBe(1);
    // As in a browser, an unclosed script runs to the end of the input.
    expect(out.trim()).toBe('<p>KEEP_BEFORE</p>');
  });

  it('cuts closed elements and searches once per opener', () => {
    const stats: SourceScanStats = { closerSearches: 0 };
    const unit = '<style>.a{}</style><p>T</p><SCRIPT type="x">if (a < b) {}</SCRIPT >';
    const out = stripDropped(unit.repeat(1000), stats);
    expect(stats.closerSearches).toBe(2000);
    expect(out).not.toMatch(/style|script|\.a\{\}/i);
    expect(out.match(/<p>T<\/p>/g)).toHaveLength(1000);
  });

  it('keeps the text after unclosed <!-- openers and stops searching after the first miss', () => {
    const stats: SourceScanStats = { closerSearches: 0 };
    const html = '<p>one</p>' + '<!-- <p>word</p>'.repeat(30_000);
    const out = stripDropped(html, stats);
    expect(stats.closerSearches).toBe(1);
    expect(out.match(/word/g)).toHaveLength(30_000);
    expect(out).not.toContain('<!--');
  });

  it('wraps a fragment with 50,000 unclosed <html openers', () => {
    const doc = asFullDocument('<p>body text</p>' + '<html '.repeat(50_000));
    expect(doc.startsWith('<!doctype html><html><head></head><body>')).toBe(true);
    expect(doc).toContain('<p>body text</p>');
  });

  it('reads a <pre> with a 300,000-space run and a long whitespace-only line', () => {
    const html = `<main><pre>start${' '.repeat(300_000)}end${'\t '.repeat(100_000)}</pre><p>${prose(300, 1)}</p></main>`;
    const text = allText(html);
    expect(text).toContain('start');
    expect(text).toContain('end');
  });
});

describe('deep nesting', () => {
  const nested = (depth: number, inner: string) =>
    `<html><body>${'<div>'.repeat(depth)}${inner}${'</div>'.repeat(depth)}</body></html>`;

  it('flattens nesting beyond 512 before parsing, keeping all text', () => {
    const html = nested(50_000, '<p>deep text</p>');
    const flat = flattenDeepNesting(html);
    expect(flat.length).toBeLessThan(html.length);
    const { document } = parseHTML(flat);
    expect(nestingDepth(document.documentElement)).toBeLessThanOrEqual(maxParseDepth + 2);
    expect(document.body.textContent).toContain('deep text');
    // Under the limit the page is returned as it is.
    const shallow = nested(100, '<p>x</p>');
    expect(flattenDeepNesting(shallow)).toBe(shallow);
  });

  it('does not count elements whose end tag is optional or that are void', () => {
    const html = '<ul>' + '<li>item<br><img src=x>'.repeat(5_000) + '</ul>';
    expect(flattenDeepNesting(html)).toBe(html);
  });

  it('extracts a 50,000-deep page without Readability and says so in issues', () => {
    const text = prose(900, 2);
    const html = nested(50_000, `<h2>Deep header</h2><p>${text}</p>`);
    const result = extractHtml(html);
    expect(result.method).toBe('fallback');
    expect(result.issues?.[0]).toMatch(/nested more than 200 deep/);
    expect(result.blocks).toEqual([{ level: 2, header: 'Deep header', text }]);
    const seg = segmentDocument(
      { source: 'deep.html', offset: 0, format: 'html', content: html },
      defaultSegmentOptions,
    );
    expect(seg.issues).toEqual(result.issues);
    expect(seg.segments).toEqual([{ headerPath: ['Deep header'], text }]);
  });

  it('skips Readability on pages over the element budget, with an issue', () => {
    const html = `<div>${`<div class="x"><p>${prose(300, 3)}</p></div>`.repeat(20)}</div>`;
    const result = extractHtml(html, { maxReadabilityElements: 30 });
    expect(result.method).toBe('fallback');
    expect(result.issues?.[0]).toMatch(/more than 30 elements/);
    expect(allText(html)).toContain(prose(300, 3));
  });

  it('measures nesting iteratively', () => {
    const { document } = parseHTML(nested(300, '<b>x</b>'));
    expect(nestingDepth(document.documentElement)).toBeGreaterThanOrEqual(300);
    expect(nestingDepth(document.documentElement, 50)).toBe(50);
  });
});

describe('Markdown without backtracking', () => {
  it('parses ATX headers by hand, closing sequences included', () => {
    const md = '# Title #\n\ntext\n\n## C#\n\nmore\n\n#5 bolts\n\n### \n\nlast';
    expect(markdownBlocks(md).map((b) => [b.level, b.header])).toEqual([
      [1, 'Title'],
      [2, 'C#'],
      [3, ''],
    ]);
    expect(markdownBlocks(md)[1].text).toBe('more\n\n#5 bolts');
  });

  it('reads a header line and a text line with 200,000-space runs', () => {
    const md = `# a${' '.repeat(200_000)}b\n\nx${' '.repeat(200_000)}y${' '.repeat(200_000)}\nz`;
    const blocks = markdownBlocks(md);
    expect(blocks).toHaveLength(1);
    expect(blocks[0].header?.startsWith('a ')).toBe(true);
    expect(blocks[0].header?.endsWith(' b')).toBe(true);
    expect(blocks[0].text.endsWith('y\nz')).toBe(true);
  });
});
