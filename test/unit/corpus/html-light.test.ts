// The light tree (html-tree.ts) against linkedom's DOM (issue 14 item 1): the extraction must
// not change with the parser. Both paths run on the 37 extraction-quality pages (31 of them go
// to Readability, 6 take their <main>/<article>) and on markup built to differ between a
// light tree and a DOM: implied closes, entities split across text pieces, attributes without
// values, upper-case attribute names, a body that does not follow the head, fragments.
import { describe, expect, it } from 'vitest';
import { extractHtml, type HtmlOptions } from '../../../src/lib/corpus/html';
import { parseLight } from '../../../src/lib/corpus/html-tree';
import { collapse, visibleChars } from '../../../src/lib/corpus/html-walk';
import { qualityPages } from '../../bench/quality/pages';
import { prose } from './fixtures';

/** The light tree for every page, the default choice per page, linkedom for every page. */
const both = (html: string, opts: HtmlOptions = {}) => {
  const light = extractHtml(html, { ...opts, parser: 'light' });
  expect(extractHtml(html, { ...opts, parser: 'auto' })).toEqual(light);
  return { light, dom: extractHtml(html, { ...opts, parser: 'linkedom' }) };
};

const para = (seed: number) => `<p>${prose(400, seed)}</p>`;

const tricky: Record<string, string> = {
  'implied closes': `<main><h2>Part &amp; whole</h2><p>${prose(300, 1)}<p>${prose(300, 2)}<ul><li>one<li>two &lt;b&gt;</ul><table><tr><td>a<td>b<tr><th>c</table></main>`,
  'entities in pieces': `<article><h1>Caf&eacute; &#x263A; &nbsp;notes</h1><p>${prose(300, 3)} &copy; &unknown; &amp</p>${para(4)}</article>`,
  'pre and hidden header': `<main><h2 class="sr-only">Hidden</h2>${para(5)}<pre>\n  keep   this\n\tspacing\n</pre><h3 style="display:none">x</h3>${para(6)}</main>`,
  'no semantic root': `<html><head><title> Plain  page </title></head><body><div class="content"><h2>Intro</h2>${para(7)}${para(8)}<h2>More</h2>${para(9)}</div><div id="sidebar"><a href="/">Home</a></div></body></html>`,
  'two mains then fallback': `<body><main><p>short</p></main><main><nav>menu</nav></main><h2>Body text</h2>${para(10)}</body>`,
  'upper-case attributes': `<html><head><META PROPERTY="og:title" CONTENT="Og title"><title>T</title></head><body><DIV CLASS="site-nav">${para(11)}</DIV><main ROLE="main"><h2 HIDDEN>x</h2>${para(12)}</main></body></html>`,
  'valueless attributes': `<main><section hidden><h2>Gone</h2>${para(13)}</section><h2 aria-hidden>Kept</h2>${para(14)}<input disabled>${para(15)}</main>`,
  'fragment with a form': `<form action="/x"><h2>Form-wrapped</h2>${para(18)}${para(19)}</form><footer>foot</footer>`,
  'header with prose': `<header><h1>Lede</h1>${para(20)}</header><div>${para(21)}</div>`,
  'stray closers': `</div></span><main><h2>Stray</h2></p>${para(22)}</b></i>${para(23)}</main></td>`,
  'short page after Readability': `<body><h2>Short</h2><p>Only a few words &amp; a link.</p><nav>menu</nav></body>`,
  'role main on article': `<article role="main"><h2>Both</h2>${para(24)}</article><article>${para(25)}</article>`,
};

describe('light tree vs linkedom', () => {
  it('gives the same extraction on every extraction-quality page', () => {
    const methods: Record<string, number> = {};
    for (const page of qualityPages()) {
      const { light, dom } = both(page.html);
      expect(light, page.name).toEqual(dom);
      methods[light.method] = (methods[light.method] ?? 0) + 1;
    }
    // Both rules are exercised (the note's share of pages that still need linkedom).
    expect(methods.readability).toBeGreaterThan(0);
    expect(methods.semantic).toBeGreaterThan(0);
  });

  it.each(Object.entries(tricky))('gives the same extraction on %s', (_, html) => {
    const { light, dom } = both(html);
    expect(light).toEqual(dom);
    expect(light.blocks.length).toBeGreaterThan(0);
  });

  it('reads markup outside a late <body>, which linkedom loses (the one difference)', () => {
    // linkedom's `body` is the element right after <head>, else a new empty one; a browser
    // moves the stray <div> into the body, and the light path walks the whole <html>.
    const html = `<html><head></head><div>${para(16)}</div><body><h2>Late body</h2>${para(17)}</body></html>`;
    const { light, dom } = both(html, { maxReadabilityElements: 3 });
    expect(dom.blocks).toEqual([]);
    expect(light.method).toBe('fallback');
    expect(light.blocks.map((b) => b.text)).toEqual([prose(400, 16), prose(400, 17)]);
    expect(light.blocks[1].header).toBe('Late body');
  });

  it('falls back to the whole page after Readability finds too little', () => {
    // No <main>, <article> or role: the default path parses with linkedom first, and the
    // fallback after Readability walks a light tree (not a second linkedom parse).
    const { light, dom } = both(tricky['short page after Readability']);
    expect(light.method).toBe('fallback');
    expect(dom.method).toBe('fallback');
    expect(light.blocks).toEqual([
      { level: 2, header: 'Short', text: 'Only a few words & a link.' },
    ]);
  });

  it('agrees without Readability (budgets) and without the semantic rule', () => {
    const html = tricky['no semantic root'];
    expect(both(html, { maxReadabilityElements: 3 }).light).toEqual(
      both(html, { maxReadabilityElements: 3 }).dom,
    );
    const semantic = tricky['implied closes'];
    const off = both(semantic, { preferSemantic: false });
    expect(off.light).toEqual(off.dom);
    expect(off.light.method).not.toBe('semantic');
  });
});

it('reads an element named like an Object.prototype member as text, not as a header', () => {
  const html = `<main><h2>Part</h2>${para(30)}<constructor>odd tag text</constructor>${para(31)}</main>`;
  const { light, dom } = both(html);
  expect(light).toEqual(dom);
  expect(light.blocks).toHaveLength(1);
  expect(light.blocks[0].text).toContain('odd tag text');
});

describe('parseLight', () => {
  it('keeps text and attributes and finds the page parts while parsing', () => {
    const page = parseLight(
      '<html><head><title>A &amp; B</title><meta name="og:title" content="O"></head>' +
        '<body><main id="m"><p>x<b>y</b>z</p></main><article>w</article></body>A</html>',
    );
    expect(page.titleElement?.textContent).toBe('A & B');
    expect(page.ogTitle?.getAttribute('content')).toBe('O');
    expect(page.mains.map((m) => m.getAttribute('id'))).toEqual(['m']);
    expect(page.articles).toHaveLength(1);
    expect(page.documentElement?.textContent).toBe('A & BxyzwA');
    expect(page.documentElement?.hasAttribute('constructor')).toBe(false);
    expect(page.elementCount).toBe(9);
  });
});

describe('visibleChars', () => {
  it('counts what /\\s/ does not match, for every UTF-16 code unit', () => {
    const all = Array.from({ length: 0x10000 }, (_, c) => String.fromCharCode(c)).join('');
    expect(visibleChars(all)).toBe(all.replace(/\s/g, '').length);
    expect(visibleChars(' a\u00a0b\u3000\ufeffc\n')).toBe(3);
  });
});

describe('collapse', () => {
  it('equals replacing every whitespace run by one space', () => {
    const cases = [
      'a b c',
      ' a  b ',
      'a\tb',
      'a\u00a0b',
      'a \nb',
      '\u3000a b\u2028',
      'ab',
      '',
      '   ',
    ];
    for (const s of cases)
      expect(collapse(s), JSON.stringify(s)).toBe(s.replace(/\s+/g, ' ').trim());
  });
});
