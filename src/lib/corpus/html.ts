// HTML main-content extraction that keeps the h1–h6 structure for header segmentation
// (method.md §2: segments are "text following an HTML header"). Runs in a Web Worker and in
// Node alike (no `document`/`DOMParser` globals needed).
//
// Main content: one <main> (or role=main) or one <article> is taken directly when it passes
// a check (enough text, not mostly links: an empty, breadcrumb-only or aside-only <main> must
// not hide the page); otherwise @mozilla/readability picks it; when Readability finds nothing
// or too little, the whole <html> is walked (its <head> skipped). In every case chrome never reaches the text
// (html-walk.ts): scripts, styles, nav, asides, small forms, page-level header/footer, hidden
// elements, link lists and chrome-named containers are skipped.
//
// Budgets (issue 13 item 1): the source pass and the walk are linear; Readability, whose
// passes recurse and revisit ancestors, is skipped on pages nested deeper than
// `maxReadabilityDepth` or larger than `maxReadabilityElements`, and the extraction says so
// in `issues` — the page's text still comes out, through the whole-page walk.
//
// Parsing (issue 14 item 1): the page is parsed into a light tree (html-tree.ts) and the
// <main>/<article> check and the whole-page walk run on it; linkedom's full DOM is built only
// for a page that goes to Readability, which needs one. A page whose source has no <main>,
// <article> or role attribute can only go to Readability, so it is parsed by linkedom first
// and the light tree is built only if the fallback needs a tree Readability has not mutated
// (never a second linkedom parse). The former path, linkedom for every page, stays reachable
// as `parser: 'linkedom'` for the benchmarks and the equality test
// (test/unit/corpus/html-light.test.ts) that all paths give the same extraction.
import { asFullDocument } from './html-source';
import { parseDom, readabilityBlocks } from './html-readability';
import { parseLight, type LightPage } from './html-tree';
import { blocksOf, collapse, measureText, nestingDepth, type WalkElement } from './html-walk';
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
  /**
   * 'auto' (default): the light tree, or linkedom's DOM first when the page can only go to
   * Readability. 'light': the light tree for every page. 'linkedom': the former path,
   * linkedom's DOM for every page. The last two are for the benchmarks and the equality test.
   */
  parser?: 'auto' | 'light' | 'linkedom';
}

export interface HtmlExtraction {
  title?: string;
  blocks: Block[];
  /** Which rule found the main content (for stats and tests). */
  method: 'semantic' | 'readability' | 'fallback';
  /** Why a cheaper path was taken (deep nesting, huge page), for the per-document issue. */
  issues?: string[];
}

/** og:title, else <title>, collapsed; undefined when both are empty. */
function titleOf(og: WalkElement | null | undefined, title: WalkElement | null | undefined) {
  const ogTitle = collapse(og?.getAttribute('content') ?? '');
  if (ogTitle) return ogTitle;
  return collapse(title?.textContent ?? '') || undefined;
}

function textLength(blocks: Block[]): number {
  let n = 0;
  for (const b of blocks) n += b.text.length + (b.header?.length ?? 0);
  return n;
}

/** Blocks of a <main>/<article>, or undefined when it is too small or mostly links. */
function checkedSemantic(root: WalkElement, minChars: number): Block[] | undefined {
  const stats = measureText(root);
  const stat = stats.get(root);
  if (!stat || stat.link > stat.text * 0.5) return undefined;
  const blocks = blocksOf(root, true, stats);
  return textLength(blocks) >= minChars ? blocks : undefined;
}

/** A single <main> (or role=main), else a single <article>. */
function singleOf(mains: ArrayLike<WalkElement>, articles: ArrayLike<WalkElement>) {
  if (mains.length === 1) return mains[0];
  return articles.length === 1 ? articles[0] : undefined;
}

/** What both paths ask of a parsed page, whichever tree holds it. */
interface ParsedPage {
  title: string | undefined;
  semanticRoot: () => WalkElement | undefined;
  documentElement: WalkElement | null | undefined;
  elementCount: (limit: number) => number;
  /** Readability's blocks, or undefined (the page's DOM is built here where it is needed). */
  readability: () => Block[] | undefined;
  /** The tree the fallback walks: the body, or the whole <html>. */
  fallbackRoot: () => WalkElement | null | undefined;
}

function lightPage(source: string): ParsedPage {
  const page: LightPage = parseLight(source);
  return {
    title: titleOf(page.ogTitle, page.titleElement),
    semanticRoot: () => singleOf(page.mains, page.articles),
    documentElement: page.documentElement,
    elementCount: () => page.elementCount,
    readability: () => readabilityBlocks(parseDom(source)),
    // The whole <html> (its <head> is skipped by the walk): what a browser puts in the body,
    // so markup before a late <body> or after </body> is read too. linkedom's `body` is the
    // element right after <head>, or a new empty one when that is not a <body>.
    fallbackRoot: () => page.documentElement,
  };
}

/**
 * The page in linkedom's DOM. `former`: the path before issue 14 item 1 (the fallback walks
 * linkedom's <body>, from a second parse after Readability); otherwise the fallback walks the
 * whole <html> as the light path does, after Readability from a light tree.
 */
function linkedomPage(source: string, former: boolean): ParsedPage {
  const document = parseDom(source);
  let touched = false;
  const og = document.querySelector('meta[property="og:title"], meta[name="og:title"]');
  return {
    title: titleOf(og, document.querySelector('title')),
    semanticRoot: () =>
      singleOf(
        document.querySelectorAll('main, [role="main"]'),
        document.querySelectorAll('article'),
      ),
    documentElement: document.documentElement,
    elementCount: (limit) => (document.querySelectorAll('*').length > limit ? limit + 1 : 0),
    readability: () => {
      touched = true;
      return readabilityBlocks(document);
    },
    // Readability mutates the document, so the fallback after it starts from a fresh parse.
    fallbackRoot: () => {
      if (!former) return touched ? parseLight(source).documentElement : document.documentElement;
      const fresh = touched ? parseDom(source) : document;
      return fresh.body ?? fresh.documentElement;
    },
  };
}

/**
 * Whether the source may hold a <main>, an <article> or a role attribute: without any, no
 * semantic root exists and the page goes to Readability, which needs linkedom's DOM, so the
 * light tree is not built first (28 of the 37 extraction-quality pages). Case-insensitive and
 * any role value (an entity could spell "main"), so it never misses a root the tree would have.
 */
const semanticHint = /<(?:main|article)\b|\brole\s*=/i;

function parsePage(source: string, parser: HtmlOptions['parser']): ParsedPage {
  if (parser === 'linkedom') return linkedomPage(source, true);
  if (parser === 'light' || semanticHint.test(source)) return lightPage(source);
  return linkedomPage(source, false);
}

/** Main content of an HTML page as header blocks, plus its title (og:title, else <title>). */
export function extractHtml(html: string, opts: HtmlOptions = {}): HtmlExtraction {
  const source = asFullDocument(html);
  const page = parsePage(source, opts.parser);
  const title = page.title;
  const issues: string[] = [];
  const done = (r: Omit<HtmlExtraction, 'title' | 'issues'>): HtmlExtraction => ({
    ...(title ? { title } : {}),
    ...r,
    ...(issues.length > 0 ? { issues } : {}),
  });
  const minChars = opts.minReadableChars ?? 200;

  if (opts.preferSemantic ?? true) {
    const root = page.semanticRoot();
    const blocks = root && checkedSemantic(root, minChars);
    if (blocks) return done({ blocks, method: 'semantic' });
  }

  const maxDepth = opts.maxReadabilityDepth ?? 200;
  const maxElements = opts.maxReadabilityElements ?? 60_000;
  const root = page.documentElement;
  const depth = root ? nestingDepth(root, maxDepth + 1) : 0;
  if (depth > maxDepth) {
    issues.push(`elements nested more than ${maxDepth} deep: read without Readability`);
  } else if (page.elementCount(maxElements) > maxElements) {
    issues.push(`more than ${maxElements} elements: read without Readability`);
  } else {
    const blocks = page.readability();
    if (blocks && textLength(blocks) >= minChars) return done({ blocks, method: 'readability' });
  }
  // The fallback walks the whole body (an unchecked <main> could be the empty trap the check
  // above refused).
  const body = page.fallbackRoot();
  return done({ blocks: body ? blocksOf(body) : [], method: 'fallback' });
}
