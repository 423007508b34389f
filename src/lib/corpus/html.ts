// HTML main-content extraction that keeps the h1–h6 structure for header segmentation
// (method.md §2: segments are "text following an HTML header"). Uses linkedom, so it runs
// in a Web Worker and in Node alike (no `document`/`DOMParser` globals needed).
//
// Main content: one <main> (or role=main) or one <article> is taken as-is (fast path: no
// scoring pass, which is the slowest step); otherwise @mozilla/readability picks it; when
// Readability finds nothing or too little, the page is re-parsed and <main>/<article>/<body>
// is used. In every case chrome never reaches the text: scripts, styles, nav, forms, asides,
// iframes, page-level header/footer, hidden elements and chrome-named containers are skipped.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import type { Block } from './types';

export interface HtmlOptions {
  /** Use a single <main>/<article> directly instead of running Readability (default true). */
  preferSemantic?: boolean;
  /** Readability results with less text than this fall back to <main>/<article>/<body>. */
  minReadableChars?: number;
}

export interface HtmlExtraction {
  title?: string;
  blocks: Block[];
  /** Which rule found the main content (for stats and tests). */
  method: 'semantic' | 'readability' | 'fallback';
}

// prettier-ignore
const skippedTags = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'form', 'aside', 'iframe', 'svg', 'button',
  'select', 'input', 'textarea', 'canvas', 'object', 'embed', 'menu', 'dialog', 'head', 'title',
  'meta', 'link', 'video', 'audio', 'map', 'img', 'picture', 'source', 'math',
]);
// prettier-ignore
const chromeRoles = new Set([
  'navigation', 'banner', 'contentinfo', 'complementary', 'search', 'dialog', 'menu', 'menubar',
  'alert', 'toolbar',
]);
/**
 * A class/id token naming a chrome container: it starts with a chrome word, optionally after
 * a site/main/post-style prefix ("sidebar-left", "site-nav", "comments-area", "related-posts").
 * Tokens that merely mention one ("has-sidebar", "content-with-sidebar") do not count, so a
 * layout wrapper around the article is not dropped. Only checked on block containers.
 */
const chromePrefix = 'site|main|post|entry|page|global|primary|top|bottom|article';
const chromeWord =
  'nav|navbar|navigation|menu|breadcrumbs?|sidebar|footer|cookies?|consent|share|sharing|' +
  'social|advert|adverts|ads|newsletter|related|comments?|popup|modal';
const chromeToken = new RegExp(`^(?:(?:${chromePrefix})[-_])?(?:${chromeWord})(?:$|[-_])`, 'i');
const containerTags = new Set(['div', 'section', 'ul', 'ol', 'table', 'span', 'p']);
// prettier-ignore
const paragraphTags = new Set([
  'p', 'div', 'section', 'article', 'main', 'ul', 'ol', 'dl', 'table', 'thead', 'tbody', 'tfoot',
  'blockquote', 'figure', 'figcaption', 'address', 'details', 'summary', 'caption', 'hr',
  'header', 'footer', 'center', 'fieldset', 'body', 'html',
]);
const lineTags = new Set(['li', 'tr', 'dt', 'dd', 'br']);
const headerLevel: Record<string, number> = { h1: 1, h2: 2, h3: 3, h4: 4, h5: 5, h6: 6 };

/** Original header level, kept across Readability's h1 → h2 rewrite (see extractHtml). */
const levelAttribute = 'data-hb-level';
function levelOf(el: Element, tag: string): number {
  const marked = Number(el.getAttribute(levelAttribute));
  return marked >= 1 && marked <= 6 ? marked : headerLevel[tag];
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

const collapse = (s: string): string => s.replace(/\s+/g, ' ').trim();

/**
 * Elements whose content never reaches the text, removed from the source before parsing:
 * on real pages they are a large share of the bytes and (inline SVG) of the nodes, and every
 * node linkedom builds costs time and garbage. Script/style content ends at the first closing
 * tag in HTML, so the lazy match is exact for them.
 */
const droppedBeforeParse =
  /<!--[\s\S]*?-->|<(script|style|noscript|template|svg|iframe)\b[^>]*>[\s\S]*?<\/\1\s*>/gi;

/** Makes a fragment or head/body-less page into a full document linkedom parses correctly. */
function asFullDocument(rawHtml: string): string {
  const html = rawHtml.replace(droppedBeforeParse, ' ');
  if (!/<body[\s>]/i.test(html)) {
    const inner = html.replace(/<\/?html[^>]*>/gi, '');
    return `<!doctype html><html><head></head><body>${inner}</body></html>`;
  }
  return /<html[\s>]/i.test(html) ? html : `<html>${html}</html>`;
}

function pageTitle(document: Document): string | undefined {
  const og = document.querySelector('meta[property="og:title"], meta[name="og:title"]');
  const ogTitle = collapse(og?.getAttribute('content') ?? '');
  if (ogTitle) return ogTitle;
  const title = collapse(document.querySelector('title')?.textContent ?? '');
  return title || undefined;
}

/** Accumulates text into lines, paragraphs and header blocks while walking the DOM. */
class BlockBuilder {
  readonly blocks: Block[] = [];
  private level = 0;
  private header: string | undefined;
  private paragraphs: string[] = [];
  private lines: string[] = [];
  private parts: string[] = [];

  text(s: string): void {
    this.parts.push(s);
  }
  endLine(): void {
    if (this.parts.length === 0) return;
    const line = collapse(this.parts.join(''));
    this.parts = [];
    if (line) this.lines.push(line);
  }
  endParagraph(): void {
    this.endLine();
    if (this.lines.length > 0) this.paragraphs.push(this.lines.join('\n'));
    this.lines = [];
  }
  /** Preformatted text keeps its whitespace and is a paragraph of its own. */
  preformatted(s: string): void {
    this.endParagraph();
    const text = s.replace(/^\n+|\s+$/g, '');
    if (text) this.paragraphs.push(text);
  }
  startHeader(level: number, header: string): void {
    this.endBlock();
    this.level = level;
    this.header = header;
  }
  endBlock(): void {
    this.endParagraph();
    if (this.level > 0 || this.paragraphs.length > 0) {
      const text = this.paragraphs.join('\n\n');
      this.blocks.push(
        this.level > 0 ? { level: this.level, header: this.header, text } : { level: 0, text },
      );
    }
    this.paragraphs = [];
  }
}

function isChrome(el: Element, tag: string, inArticle: boolean): boolean {
  if (skippedTags.has(tag)) return true;
  if ((tag === 'header' || tag === 'footer') && !inArticle) return true;
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  const role = el.getAttribute('role');
  if (role && chromeRoles.has(role)) return true;
  if (containerTags.has(tag)) {
    const names = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.trim();
    if (names.length > 0 && names.split(/\s+/).some((t) => chromeToken.test(t))) return true;
  }
  return false;
}

function walk(node: Node, out: BlockBuilder, inArticle: boolean): void {
  for (let child = node.firstChild; child; child = child.nextSibling) {
    if (child.nodeType === TEXT_NODE) {
      out.text(child.textContent ?? '');
      continue;
    }
    if (child.nodeType !== ELEMENT_NODE) continue;
    const el = child as Element;
    const tag = el.localName;
    if (isChrome(el, tag, inArticle)) continue;
    const level = headerLevel[tag] === undefined ? undefined : levelOf(el, tag);
    if (level !== undefined) {
      out.startHeader(level, collapse(el.textContent ?? ''));
    } else if (tag === 'pre') {
      out.preformatted(el.textContent ?? '');
    } else if (lineTags.has(tag)) {
      out.endLine();
      if (tag === 'li') out.text('- ');
      walk(el, out, inArticle);
      out.endLine();
    } else if (paragraphTags.has(tag)) {
      out.endParagraph();
      walk(el, out, inArticle || tag === 'article' || tag === 'main');
      out.endParagraph();
    } else {
      if (tag === 'td' || tag === 'th') out.text(' ');
      walk(el, out, inArticle);
    }
  }
}

/** Header blocks of an element's visible content, chrome skipped. */
export function blocksOf(root: Node, inArticle = false): Block[] {
  const builder = new BlockBuilder();
  walk(root, builder, inArticle);
  builder.endBlock();
  return builder.blocks;
}

function textLength(blocks: Block[]): number {
  let n = 0;
  for (const b of blocks) n += b.text.length + (b.header?.length ?? 0);
  return n;
}

const chromeSelector = [...skippedTags, '[hidden]', '[aria-hidden="true"]']
  .concat([...chromeRoles].map((r) => `[role="${r}"]`))
  .join(', ');

/**
 * Takes page chrome out of the DOM before Readability scores it: the walk would skip it
 * anyway, and Readability's cost grows with every node it visits (it is the slowest step).
 */
function removeChrome(document: Document): void {
  for (const el of document.querySelectorAll(chromeSelector)) el.remove();
  for (const el of document.querySelectorAll('header, footer')) {
    if (!el.closest('article, main')) el.remove();
  }
}

function semanticRoot(document: Document): Element | undefined {
  const mains = document.querySelectorAll('main, [role="main"]');
  if (mains.length === 1) return mains[0];
  const articles = document.querySelectorAll('article');
  if (articles.length === 1) return articles[0];
  return undefined;
}

/** Main content of an HTML page as header blocks, plus its title (og:title, else <title>). */
export function extractHtml(html: string, opts: HtmlOptions = {}): HtmlExtraction {
  const source = asFullDocument(html);
  const { document } = parseHTML(source);
  const title = pageTitle(document);
  const withTitle = (r: Omit<HtmlExtraction, 'title'>): HtmlExtraction =>
    title ? { title, ...r } : r;

  if (opts.preferSemantic ?? true) {
    const root = semanticRoot(document);
    if (root) return withTitle({ blocks: blocksOf(root, true), method: 'semantic' });
  }
  const minChars = opts.minReadableChars ?? 200;
  try {
    // Readability renames every h1 to h2, which would flatten the header tree; the original
    // level rides along in an attribute (Readability copies attributes when it renames).
    for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      h.setAttribute(levelAttribute, h.localName.slice(1));
    }
    removeChrome(document);
    const article = new Readability<Node>(document, { serializer: (n) => n }).parse();
    if (article?.content) {
      const blocks = blocksOf(article.content, true);
      if (textLength(blocks) >= minChars) return withTitle({ blocks, method: 'readability' });
    }
  } catch {
    // Readability throws on some malformed trees; the fallback below still gets the text.
  }
  // Readability mutates the document, so the fallback starts from a fresh parse.
  const fresh = parseHTML(source).document;
  const root = semanticRoot(fresh) ?? fresh.body ?? fresh.documentElement;
  return withTitle({ blocks: root ? blocksOf(root) : [], method: 'fallback' });
}
