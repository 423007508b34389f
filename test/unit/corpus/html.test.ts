import { describe, expect, it } from 'vitest';
import { extractHtml } from '../../../src/lib/corpus/html';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions, type SegmentOptions } from '../../../src/lib/corpus/types';
import { prose } from './fixtures';

const chrome = `
  <script>var TRACKER_SECRET = 1;</script>
  <style>.CSS_RULE { color: red }</style>
  <noscript>NOSCRIPT_TEXT</noscript>
  <header class="site-header"><h1>SITE_BANNER</h1><nav><a href="/">NAV_HOME</a><a>NAV_ABOUT</a></nav></header>
  <aside><h3>ASIDE_HEADER</h3><p>ASIDE_TEXT</p></aside>
  <form><label>FORM_LABEL</label><input value="x"></form>
  <iframe src="https://ads.example">IFRAME_TEXT</iframe>
  <div class="cookie-banner">COOKIE_TEXT we use cookies</div>
  <div hidden>HIDDEN_TEXT</div>
  <footer><p>FOOTER_TEXT all rights reserved</p></footer>`;
const chromeWords = [
  'TRACKER_SECRET', 'CSS_RULE', 'NOSCRIPT_TEXT', 'SITE_BANNER', 'NAV_HOME', 'NAV_ABOUT',
  'ASIDE_HEADER', 'ASIDE_TEXT', 'FORM_LABEL', 'IFRAME_TEXT', 'COOKIE_TEXT', 'HIDDEN_TEXT',
  'FOOTER_TEXT',
]; // prettier-ignore

const article = `
  <h1>Growing tomatoes</h1>
  <p>${prose(400, 1)}</p>
  <h2>Soil</h2><p>${prose(500, 2)}</p>
  <h3>Compost</h3><p>${prose(300, 3)}</p>
  <h2>Watering</h2><p>${prose(700, 4)}</p>
  <ul><li>morning</li><li>evening</li></ul>
  <pre>  line one
    indented # not a header</pre>`;

const page = (body: string, head = '') =>
  `<!doctype html><html><head><title>Tomatoes | Garden Site</title>${head}</head><body>${body}</body></html>`;

function allText(html: string): string {
  const { blocks } = extractHtml(html);
  return blocks.map((b) => `${b.header ?? ''}\n${b.text}`).join('\n');
}

describe('HTML main content', () => {
  it.each([
    ['<main>', page(`${chrome}<main>${article}</main>`), 'semantic'],
    ['<article>', page(`${chrome}<article>${article}</article>`), 'semantic'],
    [
      'Readability',
      page(`${chrome}<div id="content"><div class="post">${article}</div></div>`),
      'readability',
    ],
  ])('keeps no chrome text (%s)', (_name, html, method) => {
    const extraction = extractHtml(html);
    expect(extraction.method).toBe(method);
    const text = allText(html);
    for (const word of chromeWords) expect(text).not.toContain(word);
    expect(text).toContain('Compost');
    expect(text).toContain(prose(500, 2).slice(0, 80));
  });

  it('keeps the original header levels (also through Readability)', () => {
    for (const html of [
      page(`<main>${article}</main>`),
      page(`<div id="content"><div class="post">${article}</div></div>`),
    ]) {
      const { blocks } = extractHtml(html);
      const headers = blocks.filter((b) => b.level > 0).map((b) => [b.level, b.header]);
      expect(headers).toEqual([
        [1, 'Growing tomatoes'],
        [2, 'Soil'],
        [3, 'Compost'],
        [2, 'Watering'],
      ]);
    }
  });

  it('keeps list items as lines and preformatted text verbatim', () => {
    const { blocks } = extractHtml(page(`<main>${article}</main>`));
    const watering = blocks.find((b) => b.header === 'Watering');
    expect(watering?.text).toContain('- morning\n- evening');
    expect(watering?.text).toContain('  line one\n    indented # not a header');
  });

  it('takes og:title over <title>, and <title> without og:title', () => {
    const og = '<meta property="og:title" content="How to grow tomatoes">';
    expect(extractHtml(page(`<main>${article}</main>`, og)).title).toBe('How to grow tomatoes');
    expect(extractHtml(page(`<main>${article}</main>`)).title).toBe('Tomatoes | Garden Site');
  });

  it('falls back to <body> when Readability finds too little, and reads fragments', () => {
    const tiny = extractHtml('<p>Only a <b>short</b> fragment &amp; nothing else.</p>');
    expect(tiny.method).toBe('fallback');
    expect(tiny.blocks).toEqual([{ level: 0, text: 'Only a short fragment & nothing else.' }]);
    const headless = extractHtml(`<h2>Part</h2><p>${prose(120, 9)}</p><nav>NAV_X</nav>`);
    expect(headless.blocks.map((b) => b.header)).toEqual(['Part']);
    expect(JSON.stringify(headless.blocks)).not.toContain('NAV_X');
  });

  it('does not drop a layout wrapper that merely mentions a chrome word', () => {
    const html = page(
      `<div class="content-with-sidebar"><h2>Kept</h2><p>${prose(300, 8)}</p></div>`,
    );
    expect(allText(html)).toContain('Kept');
  });
});

describe('HTML segmentation', () => {
  const opts: SegmentOptions = { ...defaultSegmentOptions, minChars: 200, maxChars: 1500 };

  it('segments by header subtree and returns the title', () => {
    const { title, segments } = segmentDocument(
      {
        source: 'p.html',
        offset: 0,
        format: 'html',
        content: page(`${chrome}<main>${article}</main>`),
      },
      opts,
    );
    expect(title).toBe('Tomatoes | Garden Site');
    // The h1 subtree is too long: its own text, Soil (with Compost inside) and Watering.
    expect(segments.map((s) => [s.headerPath, s.dropReason])).toEqual([
      [['Growing tomatoes'], undefined],
      [['Growing tomatoes', 'Soil'], undefined],
      [['Growing tomatoes', 'Watering'], undefined],
    ]);
    expect(segments[1].text).toContain('Compost');
    for (const word of chromeWords) expect(JSON.stringify(segments)).not.toContain(word);
  });

  it('prefers the reader-given title', () => {
    const { title } = segmentDocument(
      { source: 'p', offset: 0, format: 'html', content: page('<p>x</p>'), title: 'From WARC' },
      opts,
    );
    expect(title).toBe('From WARC');
  });
});
