// HTML main-content extraction that keeps the h1–h6 structure for header segmentation
// (method.md §2: segments are "text following an HTML header"). Uses linkedom, so it runs
// in a Web Worker and in Node alike (no `document`/`DOMParser` globals needed).
//
// Main content: one <main> (or role=main) or one <article> is taken directly when it passes
// a check (enough text, not mostly links: an empty, breadcrumb-only or aside-only <main> must
// not hide the page); otherwise @mozilla/readability picks it; when Readability finds nothing
// or too little, the whole <body> is walked. In every case chrome never reaches the text
// (html-walk.ts): scripts, styles, nav, asides, small forms, page-level header/footer, hidden
// elements, link lists and chrome-named containers are skipped.
//
// Budgets (issue 13 item 1): the source pass and the walk are linear; Readability, whose
// passes recurse and revisit ancestors, is skipped on pages nested deeper than
// `maxReadabilityDepth` or larger than `maxReadabilityElements`, and the extraction says so
// in `issues` — the page's text still comes out, through the body walk.
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { asFullDocument } from './html-source';
import {
  blocksOf,
  collapse,
  headerLevel,
  isChrome,
  isVisuallyHidden,
  levelAttribute,
  measureText,
  nestingDepth,
  type TextStat,
} from './html-walk';
import type { Block } from './types';

export { blocksOf };

export interface HtmlOptions {
  /** Use a single <main>/<article> directly instead of running Readability (default true). */
  preferSemantic?: boolean;
  /** Readability or <main>/<article> results with less text than this fall back (default 200). */
  minReadableChars?: number;
  /** Pages nested deeper than this skip Readability (default 200 elements). */
  maxReadabilityDepth?: number;
  /** Pages with more elements than this skip Readability (default 60,000). */
  maxReadabilityElements?: number;
}

export interface HtmlExtraction {
  title?: string;
  blocks: Block[];
  /** Which rule found the main content (for stats and tests). */
  method: 'semantic' | 'readability' | 'fallback';
  /** Why a cheaper path was taken (deep nesting, huge page), for the per-document issue. */
  issues?: string[];
}

function pageTitle(document: Document): string | undefined {
  const og = document.querySelector('meta[property="og:title"], meta[name="og:title"]');
  const ogTitle = collapse(og?.getAttribute('content') ?? '');
  if (ogTitle) return ogTitle;
  const title = collapse(document.querySelector('title')?.textContent ?? '');
  return title || undefined;
}

function textLength(blocks: Block[]): number {
  let n = 0;
  for (const b of blocks) n += b.text.length + (b.header?.length ?? 0);
  return n;
}

/**
 * Class/id words that make Readability drop or down-rank an element (its unlikelyCandidates
 * and negative patterns). Our chrome rule has already removed the real chrome, so on what is
 * left they are content ids ("sharing-state-between-components", "related-functions") and
 * are taken out of the attribute before Readability sees it (issue 13 item 7).
 */
const readabilityNegative =
  /related|shar(?:e|ing)|social|comment|menu|footer|header|sidebar|sponsor|extra|community|popup|banner|breadcrumbs|remark|replies|rss|supplemental|pag(?:er|ination)|promo|widget|tags|meta|media|contact|hid/i;

function scrubNames(el: Element): void {
  for (const attr of ['class', 'id']) {
    const value = el.getAttribute(attr);
    if (!value || !readabilityNegative.test(value)) continue;
    const kept = value.split(/\s+/).filter((t) => t && !readabilityNegative.test(t));
    if (kept.length > 0) el.setAttribute(attr, kept.join(' '));
    else el.removeAttribute(attr);
  }
}

/**
 * Takes page chrome out of the DOM before Readability scores it, by the walk's own rule
 * (html-walk.ts: tags, roles, hidden elements, small forms, page-level header/footer,
 * chrome-named containers, link lists, visually hidden headers): Readability's cost grows
 * with every node it visits, and its own class/id rule is blunter than ours.
 */
function removeChrome(document: Document, stats: Map<Node, TextStat>): void {
  for (const el of document.querySelectorAll('*')) {
    if (!el.isConnected || el.localName === 'html' || el.localName === 'body') continue;
    const tag = el.localName;
    const inArticle = el.parentElement?.closest('article, main') != null;
    if (isChrome(el, tag, inArticle, stats)) el.remove();
    else if (headerLevel[tag] !== undefined && isVisuallyHidden(el)) el.remove();
    else scrubNames(el);
  }
}

function semanticRoot(document: Document): Element | undefined {
  const mains = document.querySelectorAll('main, [role="main"]');
  if (mains.length === 1) return mains[0];
  const articles = document.querySelectorAll('article');
  if (articles.length === 1) return articles[0];
  return undefined;
}

/** Blocks of a <main>/<article>, or undefined when it is too small or mostly links. */
function checkedSemantic(root: Element, minChars: number): Block[] | undefined {
  const stats = measureText(root);
  const stat = stats.get(root);
  if (!stat || stat.link > stat.text * 0.5) return undefined;
  const blocks = blocksOf(root, true, stats);
  return textLength(blocks) >= minChars ? blocks : undefined;
}

function elementCount(document: Document, limit: number): number {
  return document.querySelectorAll('*').length > limit ? limit + 1 : 0;
}

/** Main content of an HTML page as header blocks, plus its title (og:title, else <title>). */
export function extractHtml(html: string, opts: HtmlOptions = {}): HtmlExtraction {
  const source = asFullDocument(html);
  const { document } = parseHTML(source);
  const title = pageTitle(document);
  const issues: string[] = [];
  const done = (r: Omit<HtmlExtraction, 'title' | 'issues'>): HtmlExtraction => ({
    ...(title ? { title } : {}),
    ...r,
    ...(issues.length > 0 ? { issues } : {}),
  });
  const minChars = opts.minReadableChars ?? 200;

  if (opts.preferSemantic ?? true) {
    const root = semanticRoot(document);
    const blocks = root && checkedSemantic(root, minChars);
    if (blocks) return done({ blocks, method: 'semantic' });
  }

  const maxDepth = opts.maxReadabilityDepth ?? 200;
  const maxElements = opts.maxReadabilityElements ?? 60_000;
  const depth = nestingDepth(document.documentElement, maxDepth + 1);
  if (depth > maxDepth) {
    issues.push(`elements nested more than ${maxDepth} deep: read without Readability`);
  } else if (elementCount(document, maxElements) > maxElements) {
    issues.push(`more than ${maxElements} elements: read without Readability`);
  } else {
    try {
      // Readability renames every h1 to h2, which would flatten the header tree; the original
      // level rides along in an attribute (Readability copies attributes when it renames).
      for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
        h.setAttribute(levelAttribute, h.localName.slice(1));
      }
      removeChrome(document, measureText(document.documentElement));
      const article = new Readability<Node>(document, { serializer: (n) => n }).parse();
      if (article?.content) {
        const blocks = blocksOf(article.content, true);
        if (textLength(blocks) >= minChars) return done({ blocks, method: 'readability' });
      }
    } catch {
      // Readability throws on some malformed trees; the fallback below still gets the text.
    }
  }
  // Readability mutates the document, so the fallback starts from a fresh parse; it walks
  // the whole body (an unchecked <main> could be the empty trap the check above refused).
  const fresh = issues.length > 0 ? document : parseHTML(source).document;
  const root = fresh.body ?? fresh.documentElement;
  return done({ blocks: root ? blocksOf(root) : [], method: 'fallback' });
}
