// Issue 13 item 7, one block per bullet: segmentation that keeps the article. Pages are
// small hand-written layouts with prose from fixtures.ts; each test names the rule it pins.
import { describe, expect, it } from 'vitest';
import { extractHtml } from '../../../src/lib/corpus/html';
import { navigationKind, isNavigationHeader } from '../../../src/lib/corpus/filters';
import { textBlocks } from '../../../src/lib/corpus/markdown';
import { packBalanced, segmentBlocks, segmentDocument } from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions, type Block, type Segment } from '../../../src/lib/corpus/types';
import { prose } from './fixtures';

const page = (body: string) =>
  `<!doctype html><html><head><title>T</title></head><body>${body}</body></html>`;
const nav = '<header class="site"><nav><a href="/">Home</a><a href="/a">About</a></nav></header>';
const segments = (html: string, opts = defaultSegmentOptions): Segment[] =>
  segmentDocument({ source: 'p.html', offset: 0, format: 'html', content: html }, opts).segments;
const keptText = (segs: Segment[]): string =>
  segs
    .filter((s) => !s.dropReason)
    .map((s) => s.text)
    .join('\n\n');
const allText = (html: string): string =>
  extractHtml(html)
    .blocks.map((b) => `${b.header ?? ''}\n${b.text}`)
    .join('\n');

describe('headers that introduce nothing do not swallow the article', () => {
  const body = [prose(700, 1), prose(600, 2)];
  // The subtree is longer than the window, so the segmenter descends to the sections: a
  // header that swallowed the body would take it down with it.
  const withHeader = (header: string, wrapper = 'div') =>
    page(
      `${nav}<${wrapper} class="story"><h1>Story title</h1><p>${prose(300, 3)}</p>${header}` +
        `<p>${body[0]}</p><p>${body[1]}</p><h2>Next part</h2><p>${prose(1500, 16)}</p></${wrapper}>`,
    );
  const bodySegment = (segs: Segment[]) => segs.find((s) => s.text.includes(body[0]));

  it.each([
    ['a blank header', '<h2></h2>'],
    ['an anchor-only header', '<h2><a class="anchor" href="#x"></a></h2>'],
    ['an sr-only header', '<h2 class="sr-only">Article body</h2>'],
    ['a visually-hidden header', '<h2 class="visually-hidden">Main</h2>'],
    ['a display:none header', '<h2 style="color: red; display: none">Advertisement</h2>'],
  ])('%s (Readability and <article> paths)', (_name, header) => {
    for (const wrapper of ['div', 'article']) {
      const segs = segments(withHeader(header, wrapper));
      const kept = bodySegment(segs);
      expect(kept?.dropReason).toBeUndefined();
      expect(kept?.headerPath).toEqual(['Story title']);
      expect(kept?.text).toContain(body[1]);
      expect(kept?.text).toContain(prose(300, 3));
    }
  });

  it('a widget label keeps its links; the prose after it returns to the section', () => {
    const html = withHeader(
      '<h2>Share this article</h2><p><a href="/f">Facebook</a> <a href="/t">Twitter</a></p>',
    );
    const segs = segments(html);
    const kept = bodySegment(segs);
    expect(kept?.dropReason).toBeUndefined();
    expect(kept?.headerPath).toEqual(['Story title']);
    expect(kept?.text).toContain(body[1]);
    expect(keptText(segs)).not.toContain('Facebook');
    expect(segs.find((s) => s.headerPath.at(-1) === 'Share this article')?.dropReason).toBe(
      'navigation-header',
    );
  });

  it.each(['3 Comments', 'Advertisement', 'Free Newsletter'])(
    'a section header (%s) still owns its prose: ad copy and pitches are prose too',
    (header) => {
      const blocks: Block[] = [
        { level: 1, header: 'Story', text: prose(700, 4) },
        { level: 2, header, text: `${prose(300, 5)}\n\n${prose(300, 6)}` },
      ];
      const segs = segmentBlocks(blocks, defaultSegmentOptions);
      expect(keptText(segs)).not.toContain(prose(300, 5));
      expect(segs.at(-1)).toMatchObject({ dropReason: 'navigation-header' });
    },
  );

  it('tells labels from sections, in several languages', () => {
    expect(navigationKind('Share this post')).toBe('label');
    expect(navigationKind('Advertisement')).toBe('section');
    expect(navigationKind('Diesen Artikel teilen')).toBe('label');
    expect(navigationKind('Related posts')).toBe('section');
    expect(navigationKind('Share and comments')).toBe('section');
    expect(navigationKind('How to share a folder')).toBeUndefined();
  });
});

describe('the <main>/<article> shortcut is checked', () => {
  const article = `<h1>Real story</h1><p>${prose(700, 7)}</p><h2>More</h2><p>${prose(700, 8)}</p>`;
  it.each([
    ['an empty <main>', `<main></main><div id="content">${article}</div>`],
    [
      'a breadcrumb-only <main>',
      `<main><div class="crumbs"><a href="/">Home</a> / <a href="/n">News</a></div></main><div id="content">${article}</div>`,
    ],
    ['an aside-only <main>', `<main><aside><p>Trending</p></aside></main><div>${article}</div>`],
    [
      'a teaser <article> in a sidebar',
      `<div class="col">${article}</div><div class="col2"><article><h3>Teaser</h3><p>Short teaser.</p></article></div>`,
    ],
  ])('falls back from %s', (_name, body) => {
    const result = extractHtml(page(nav + body));
    expect(result.method).not.toBe('semantic');
    const text = allText(page(nav + body));
    expect(text).toContain(prose(700, 7));
    expect(text).toContain(prose(700, 8));
  });

  it('refuses a <main> that is mostly links', () => {
    const links = Array.from({ length: 40 }, (_, i) => `<a href="/${i}">Link number ${i}</a> `);
    const html = page(`<main><p>${links.join('')}</p></main><div>${article}</div>`);
    expect(extractHtml(html).method).not.toBe('semantic');
    expect(allText(html)).toContain(prose(700, 8));
  });

  it('takes a sound <main> directly and drops link lists inside it', () => {
    const html = page(
      `<main>${article}<div class="more"><h2>Elsewhere</h2><ul>${'<li><a href="/x">Other story</a></li>'.repeat(6)}</ul></div></main>`,
    );
    const result = extractHtml(html);
    expect(result.method).toBe('semantic');
    expect(allText(html)).not.toContain('Other story');
  });
});

describe('the chrome class/id rule', () => {
  it('keeps content sections whose ids start with a chrome word', () => {
    const sections = [
      ['sharing-data-between-processes', 9],
      ['related-functions', 10],
      ['comments-in-python-code', 11],
    ] as const;
    const body = sections
      .map(([id, seed]) => `<section id="${id}"><h2>${id}</h2><p>${prose(400, seed)}</p></section>`)
      .join('');
    for (const wrapper of ['main', 'div']) {
      const text = allText(page(`${nav}<${wrapper}><h1>Docs</h1>${body}</${wrapper}>`));
      for (const [, seed] of sections) expect(text).toContain(prose(400, seed));
    }
  });

  it.each(['related-posts', 'share-buttons', 'sidebar-left', 'site-footer', 'cookie-notice'])(
    'drops a %s container',
    (name) => {
      const html = page(
        `<main><h1>A</h1><p>${prose(400, 12)}</p><div class="${name}"><p>CHROME_TEXT here</p></div></main>`,
      );
      expect(allText(html)).not.toContain('CHROME_TEXT');
    },
  );

  it('keeps a body wrapped in a page-wide <form> and drops a search form', () => {
    const html = page(
      `<form id="aspnetForm" method="post">${nav}<form class="s"><input name="q"><label>SEARCH_LABEL</label></form>` +
        `<div id="ctl00_body"><h1>Inside a form</h1><p>${prose(700, 13)}</p></div></form>`,
    );
    const text = allText(html);
    expect(text).toContain(prose(700, 13));
    expect(text).not.toContain('SEARCH_LABEL');
  });

  it('keeps a page-level <header> that holds the title and lede, drops a site header', () => {
    const html = page(
      `<header class="masthead"><h1>SITE_NAME</h1><nav><a href="/">Home</a></nav></header>` +
        `<header class="post-header"><h1>Headline</h1><p>${prose(400, 14)}</p></header>` +
        `<div class="post-body"><p>${prose(200, 15)}</p></div>`,
    );
    const text = allText(html);
    expect(text).toContain(prose(400, 14));
    expect(text).not.toContain('SITE_NAME');
  });
});

describe('long single-header sections', () => {
  const paragraphs = [21, 22, 23, 24, 25, 26, 27].map((s) => prose(650, s));
  const html = page(
    `<div class="entry"><h1>Long read</h1><p>${paragraphs.join('</p><p>')}</p></div>`,
  );

  it('are dropped whole by the paper rule (default)', () => {
    const segs = segments(html);
    expect(segs.map((s) => s.dropReason)).toEqual(['too-long']);
  });

  it('are split at paragraph boundaries into 600–3,000-character segments on request', () => {
    const segs = segments(html, { ...defaultSegmentOptions, packLongSections: true });
    expect(segs.length).toBeGreaterThanOrEqual(2);
    for (const s of segs) {
      expect(s.dropReason).toBeUndefined();
      expect(s.headerPath).toEqual(['Long read']);
      expect(s.text.length).toBeGreaterThanOrEqual(600);
      expect(s.text.length).toBeLessThanOrEqual(3000);
    }
    expect(segs.map((s) => s.text).join('\n\n')).toBe(paragraphs.join('\n\n'));
  });

  it('balances the runs so no short remainder is left when the text allows it', () => {
    const text = [31, 32, 33, 34, 35, 36, 37].map((s) => prose(480, s)).join('\n\n');
    const runs = packBalanced(text, 600, 3000);
    expect(runs).toHaveLength(2);
    for (const r of runs) expect(r.length).toBeGreaterThanOrEqual(600);
    expect(runs.join('\n\n')).toBe(text);
  });

  it('also splits a long direct text of a header that has sub-headers', () => {
    const blocks: Block[] = [
      { level: 1, header: 'Guide', text: paragraphs.slice(0, 6).join('\n\n') },
      { level: 2, header: 'Part', text: prose(700, 40) },
    ];
    const paper = segmentBlocks(blocks, defaultSegmentOptions);
    expect(paper.map((s) => s.dropReason)).toEqual(['too-long', undefined]);
    const split = segmentBlocks(blocks, { ...defaultSegmentOptions, packLongSections: true });
    expect(split.filter((s) => !s.dropReason)).toHaveLength(3);
  });
});

describe('navigation headers in the common languages of web corpora', () => {
  it.each([
    'Artículos relacionados', 'Deja un comentario', 'Articles similaires', 'Laisser un commentaire',
    'Ähnliche Artikel', 'Kommentare (12)', 'Artigos relacionados', 'Deixe um comentário',
    'Articoli correlati', 'Lascia un commento', 'Gerelateerde artikelen', 'Reacties',
    'Похожие статьи', 'Комментарии', 'Podobne artykuły', 'Dodaj komentarz', '相关文章', '评论',
    '関連記事', 'コメント',
  ])('%s', (header) => {
    expect(isNavigationHeader(header)).toBe(true);
  }); // prettier-ignore

  it.each([
    'Historia de Roma',
    'La cuisine lyonnaise',
    'Die Geschichte der Eisenbahn',
    '長城の歴史',
  ])('keeps content header %s', (header) => expect(isNavigationHeader(header)).toBe(false));
});

describe('plain text with one document per line', () => {
  const docs = [41, 42, 43, 44].map((s) => prose(700, s));

  it('never joins two documents into one segment', () => {
    const segs = segmentDocument(
      { source: 'dump.txt', offset: 0, format: 'text', content: docs.join('\n') },
      defaultSegmentOptions,
    ).segments;
    expect(segs.map((s) => s.text)).toEqual(docs);
    expect(segs.every((s) => !s.dropReason)).toBe(true);
  });

  it('still reads hard-wrapped prose as paragraphs', () => {
    const wrapped = prose(900, 45).replace(/(.{1,72})(\s|$)/g, '$1\n');
    expect(textBlocks(wrapped)).toHaveLength(1);
    expect(textBlocks(`${docs[0]}\n\n${docs[1]}`)).toHaveLength(1);
  });
});
