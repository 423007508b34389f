// The DOM walk that turns an element's visible content into header blocks (method.md §2:
// segments are "text following an HTML header"), skipping page chrome. Iterative, with an
// explicit stack, so tens of thousands of nested elements cannot overflow the call stack
// (issue 13 item 1); every pass is linear in the number of nodes.
import type { Block } from './types';

/**
 * The narrow node interface the walk reads: a DOM node (linkedom's, for Readability's output)
 * and the light tree's nodes (html-tree.ts) both have it, so one walk serves both trees.
 */
export interface WalkNode {
  readonly nodeType: number;
  readonly firstChild: WalkNode | null;
  readonly nextSibling: WalkNode | null;
  readonly parentNode: WalkNode | null;
  readonly textContent: string | null;
}
export interface WalkElement extends WalkNode {
  readonly localName: string;
  getAttribute(name: string): string | null;
  hasAttribute(name: string): boolean;
}

// prettier-ignore
export const skippedTags = new Set([
  'script', 'style', 'noscript', 'template', 'nav', 'aside', 'iframe', 'svg', 'button',
  'select', 'input', 'textarea', 'canvas', 'object', 'embed', 'menu', 'dialog', 'head', 'title',
  'meta', 'link', 'video', 'audio', 'map', 'img', 'picture', 'source', 'math',
]);
// prettier-ignore
export const chromeRoles = new Set([
  'navigation', 'contentinfo', 'complementary', 'search', 'dialog', 'menu', 'menubar',
  'alert', 'toolbar',
]);
/**
 * A class/id token naming a chrome container: an optional site/main/post-style prefix, a
 * chrome word, then nothing or only container-ish words ("sidebar-left", "site-nav",
 * "comments-area", "related-posts", "share-buttons"). A token that goes on with content words
 * is a content id, not chrome: docs sections "sharing-state-between-components" or
 * "related-functions" stay, and so do wrappers that merely mention a word ("has-sidebar").
 */
const chromePrefix = 'site|main|post|entry|page|global|primary|top|bottom|article';
const chromeWord =
  'nav|navbar|navigation|menu|breadcrumbs?|sidebar|footer|cookies?|consent|share|sharing|' +
  'social|advert|adverts|ads?|newsletter|related|comments?|popup|modal|promo';
const chromeSuffix =
  'posts?|links?|articles?|stories|content|area|wrap(?:per)?|container|widgets?|bar|tabs|' +
  'buttons?|icons?|tools|toolbar|list|box|block|section|panel|inner|outer|left|right|top|' +
  'bottom|main|primary|secondary|holder|items?|module|banner|notice|overlay|form|col|column|' +
  'title|header|region|zone|window|slot|unit|this|info|law|respond|[0-9]+';
const chromeToken = new RegExp(
  `^(?:(?:${chromePrefix})[-_])?(?:${chromeWord})(?:[-_](?:${chromeSuffix}|${chromeWord}))*$`,
  'i',
);
/**
 * Visually hidden headers ("sr-only" and the like, or an inline display:none). Bootstrap's
 * "d-none" is left out: with "d-md-block" it is a header shown on wider screens.
 */
const hiddenClass =
  /(?:^|\s)(?:sr-only|visually-?hidden|screen-reader-(?:text|only)|hidden-visually|a11y-hidden|element-invisible|offscreen|is-hidden)(?:\s|$)/i;
const hiddenStyle = /(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)/i;

const containerTags = new Set(['div', 'section', 'ul', 'ol', 'table', 'span', 'p']);
/** Containers dropped when most of their text is link text (link lists, teaser grids). */
const linkListTags = new Set(['div', 'section', 'ul', 'ol', 'table']);
// prettier-ignore
const paragraphTags = new Set([
  'p', 'div', 'section', 'article', 'main', 'ul', 'ol', 'dl', 'table', 'thead', 'tbody', 'tfoot',
  'blockquote', 'figure', 'figcaption', 'address', 'details', 'summary', 'caption', 'hr',
  'header', 'footer', 'center', 'fieldset', 'body', 'html', 'form',
]);
const lineTags = new Set(['li', 'tr', 'dt', 'dd', 'br']);
/** h1–h6 → level. No prototype: a `<constructor>` element is not a header. */
export const headerLevel: Record<string, number> = Object.assign(Object.create(null), {
  h1: 1,
  h2: 2,
  h3: 3,
  h4: 4,
  h5: 5,
  h6: 6,
});

/** Original header level, kept across Readability's h1 → h2 rewrite (see html.ts). */
export const levelAttribute = 'data-hb-level';
function levelOf(el: WalkElement, tag: string): number {
  const marked = Number(el.getAttribute(levelAttribute));
  return marked >= 1 && marked <= 6 ? marked : headerLevel[tag];
}

const ELEMENT_NODE = 1;
const TEXT_NODE = 3;

/** Whitespace other than a lone space: only then does collapsing change more than the ends. */
const uncollapsed = /[^\S ]| {2}/;
/**
 * Runs of whitespace as one space, trimmed. Most lines of prose have only single spaces, and
 * the test is far cheaper than the replace that would copy them unchanged (issue 14 item 1).
 */
export const collapse = (s: string): string =>
  (uncollapsed.test(s) ? s.replace(/\s+/g, ' ') : s).trim();

/** Visible text and link text (characters, whitespace excluded) under an element. */
export interface TextStat {
  text: number;
  link: number;
}

/** Whether a UTF-16 code unit is `\s` in a JavaScript regular expression. */
function isSpace(c: number): boolean {
  if (c <= 32) return c === 32 || (c >= 9 && c <= 13);
  if (c < 0xa0) return false;
  return (
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * Characters other than whitespace. A loop, not `s.match(/\s/g)`: that built an array of
 * every space of every text node, a tenth of the light path's time (issue 14 item 1).
 */
export function visibleChars(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (!isSpace(s.charCodeAt(i))) n++;
  return n;
}

/**
 * Text and link-text counts of every element under `root`, in one iterative post-order pass.
 * Subtrees of skipped tags (nav, aside, buttons...) count nothing, so a page-level header's
 * count is its own text, not its menu's.
 */
export function measureText(root: WalkNode): Map<WalkNode, TextStat> {
  const stats = new Map<WalkNode, TextStat>();
  interface Frame extends TextStat {
    node: WalkNode;
    next: WalkNode | null;
    isLink: boolean;
  }
  const stack: Frame[] = [{ node: root, next: root.firstChild, text: 0, link: 0, isLink: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const child = top.next;
    if (!child) {
      stack.pop();
      stats.set(top.node, { text: top.text, link: top.link });
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.text += top.text;
        parent.link += top.isLink ? top.text : top.link;
      }
      continue;
    }
    top.next = child.nextSibling;
    if (child.nodeType === TEXT_NODE) top.text += visibleChars(child.textContent ?? '');
    else if (child.nodeType === ELEMENT_NODE) {
      const tag = (child as WalkElement).localName;
      if (skippedTags.has(tag)) continue;
      stack.push({ node: child, next: child.firstChild, text: 0, link: 0, isLink: tag === 'a' });
    }
  }
  return stats;
}

/** Enough prose to be content, not a menu: some text, mostly not link text. */
export function isSubstantial(stat: TextStat | undefined, minChars: number): boolean {
  return stat !== undefined && stat.text >= minChars && stat.link <= stat.text * 0.35;
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
    // trimEnd, not /\s+$/: that pattern is quadratic on long inner whitespace runs.
    const text = s.replace(/^\n+/, '').trimEnd();
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

/** A class or id token that names a chrome container (see chromeToken). */
export function hasChromeName(el: WalkElement): boolean {
  const names = `${el.getAttribute('class') ?? ''} ${el.getAttribute('id') ?? ''}`.trim();
  return names.length > 0 && names.split(/\s+/).some((t) => chromeToken.test(t));
}

/** Whether any element under `el` is an h1–h6 (document order, iterative). */
function hasHeader(el: WalkNode): boolean {
  let node = el.firstChild;
  while (node) {
    if (node.nodeType === ELEMENT_NODE) {
      if (headerLevel[(node as WalkElement).localName] !== undefined) return true;
      if (node.firstChild) {
        node = node.firstChild;
        continue;
      }
    }
    while (node && !node.nextSibling && node !== el) node = node.parentNode;
    node = !node || node === el ? null : node.nextSibling;
  }
  return false;
}

/** Page chrome: skipped with its whole subtree. */
export function isChrome(
  el: WalkElement,
  tag: string,
  inArticle: boolean,
  stats: Map<WalkNode, TextStat>,
): boolean {
  if (skippedTags.has(tag)) return true;
  // A <form> is chrome unless it wraps the page's prose (ASP.NET pages wrap the whole body).
  if (tag === 'form') return !isSubstantial(stats.get(el), 500);
  if (tag === 'footer' && !inArticle) return true;
  const role = el.getAttribute('role');
  // A page-level <header> (or banner) is chrome unless it holds a heading and real prose:
  // some pages put their title and lede, or their whole body, in one.
  if ((tag === 'header' && !inArticle) || role === 'banner') {
    if (!isSubstantial(stats.get(el), 200) || !hasHeader(el)) return true;
  }
  if (el.hasAttribute('hidden') || el.getAttribute('aria-hidden') === 'true') return true;
  if (role && chromeRoles.has(role)) return true;
  if (containerTags.has(tag) && hasChromeName(el)) return true;
  if (linkListTags.has(tag)) {
    const stat = stats.get(el);
    if (stat && stat.text > 0 && stat.link > stat.text * 0.5) return true;
  }
  return false;
}

/** A header nobody sees: a screen-reader-only class or an inline display:none. */
export function isVisuallyHidden(el: WalkElement): boolean {
  return (
    hiddenClass.test(el.getAttribute('class') ?? '') ||
    hiddenStyle.test(el.getAttribute('style') ?? '')
  );
}

type Exit = 'none' | 'line' | 'paragraph';
interface WalkFrame {
  next: WalkNode | null;
  inArticle: boolean;
  exit: Exit;
}

function walk(
  root: WalkNode,
  out: BlockBuilder,
  inArticle: boolean,
  stats: Map<WalkNode, TextStat>,
) {
  const stack: WalkFrame[] = [{ next: root.firstChild, inArticle, exit: 'none' }];
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    const child = frame.next;
    if (!child) {
      stack.pop();
      if (frame.exit === 'line') out.endLine();
      else if (frame.exit === 'paragraph') out.endParagraph();
      continue;
    }
    frame.next = child.nextSibling;
    if (child.nodeType === TEXT_NODE) {
      out.text(child.textContent ?? '');
      continue;
    }
    if (child.nodeType !== ELEMENT_NODE) continue;
    const el = child as WalkElement;
    const tag = el.localName;
    if (isChrome(el, tag, frame.inArticle, stats)) continue;
    if (headerLevel[tag] !== undefined) {
      // A blank or visually hidden header introduces nothing: its section must not swallow
      // the text after it (issue 13 item 7), so the text stays with the current section.
      const header = isVisuallyHidden(el) ? '' : collapse(el.textContent ?? '');
      if (header) out.startHeader(levelOf(el, tag), header);
    } else if (tag === 'pre') {
      out.preformatted(el.textContent ?? '');
    } else if (lineTags.has(tag)) {
      out.endLine();
      if (tag === 'li') out.text('- ');
      stack.push({ next: el.firstChild, inArticle: frame.inArticle, exit: 'line' });
    } else if (paragraphTags.has(tag)) {
      out.endParagraph();
      const deeper = frame.inArticle || tag === 'article' || tag === 'main';
      stack.push({ next: el.firstChild, inArticle: deeper, exit: 'paragraph' });
    } else {
      if (tag === 'td' || tag === 'th') out.text(' ');
      stack.push({ next: el.firstChild, inArticle: frame.inArticle, exit: 'none' });
    }
  }
}

/** Header blocks of an element's visible content, chrome skipped. */
export function blocksOf(root: WalkNode, inArticle = false, stats = measureText(root)): Block[] {
  const builder = new BlockBuilder();
  walk(root, builder, inArticle, stats);
  builder.endBlock();
  return builder.blocks;
}

/** Deepest element nesting under `root` (iterative; stops counting at `limit`). */
export function nestingDepth(root: WalkNode, limit = Infinity): number {
  let max = 0;
  let depth = 0;
  let node: WalkNode | null = root.firstChild;
  while (node) {
    if (node.nodeType === ELEMENT_NODE && node.firstChild) {
      depth++;
      if (depth > max) max = depth;
      if (max >= limit) return max;
      node = node.firstChild;
      continue;
    }
    while (node && !node.nextSibling) {
      node = node.parentNode;
      depth--;
      if (node === root || depth < 0) return max;
    }
    node = node ? node.nextSibling : null;
  }
  return max;
}
