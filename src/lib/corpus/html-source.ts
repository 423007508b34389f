// The HTML source before parsing (issue 13 item 1): comments and elements whose content never
// reaches the text are cut out in one linear pass, and fragments get a full document around
// them. Regular expressions here never scan past the next `<` or run from one unclosed opener
// to the end of the input once per opener, which made hostile pages (thousands of unclosed
// `<script>` or `<!--` openers) quadratic.

/** Elements cut out with their content (their text never reaches the segments). */
const droppedTags = ['script', 'style', 'noscript', 'template', 'svg', 'iframe'] as const;
type DroppedTag = (typeof droppedTags)[number];

/** Closing-tag searches, one per tag; `lastIndex` is set before each use. */
const closers: Record<DroppedTag, RegExp> = Object.fromEntries(
  droppedTags.map((t) => [t, new RegExp(`</${t}\\s*>`, 'gi')]),
) as Record<DroppedTag, RegExp>;

const isNameChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;

/** The dropped tag opened at `at` (just after a `<`), if any. */
function droppedTagAt(html: string, at: number): DroppedTag | undefined {
  for (const tag of droppedTags) {
    if (html.length < at + tag.length) continue;
    if (html.slice(at, at + tag.length).toLowerCase() !== tag) continue;
    if (!isNameChar(html.charCodeAt(at + tag.length))) return tag;
  }
  return undefined;
}

/** Counters for tests: how many forward searches the cut started (each is linear). */
export interface SourceScanStats {
  /** Searches for `-->` or a closing tag. */
  closerSearches: number;
}

/**
 * Cuts `<!-- … -->` comments and script/style/noscript/template/svg/iframe elements out of
 * the source, each replaced by a space. Linear: every search starts where the last one ended.
 * An opener without its closer ends the cut text at the end of the input, as in a browser
 * (the rest is script or style text) — except an unclosed `<!--`, which loses only itself, so
 * a stray opener cannot hide a whole page.
 */
export function stripDropped(html: string, stats?: SourceScanStats): string {
  const out: string[] = [];
  let copied = 0;
  /** Set once a search for `-->` failed: no later opener can close either. */
  let commentsClose = true;
  let i = html.indexOf('<');
  while (i !== -1) {
    if (html.startsWith('<!--', i)) {
      if (commentsClose && stats) stats.closerSearches++;
      const end = commentsClose ? html.indexOf('-->', i + 4) : -1;
      if (end === -1) commentsClose = false;
      out.push(html.slice(copied, i), ' ');
      copied = end === -1 ? i + 4 : end + 3;
      i = html.indexOf('<', copied);
      continue;
    }
    const tag = droppedTagAt(html, i + 1);
    if (tag) {
      const closer = closers[tag];
      closer.lastIndex = i + 1 + tag.length;
      if (stats) stats.closerSearches++;
      const m = closer.exec(html);
      out.push(html.slice(copied, i), ' ');
      if (!m) {
        copied = html.length;
        break;
      }
      copied = m.index + m[0].length;
      i = html.indexOf('<', copied);
      continue;
    }
    i = html.indexOf('<', i + 1);
  }
  out.push(html.slice(copied));
  return out.join('');
}

/**
 * Nesting depth at which elements stop nesting: Chromium's HTML parser attaches deeper
 * elements to the one at depth 512 (kMaximumHTMLParserDOMTreeDepth). linkedom has no such
 * limit and its parse time grows with depth × elements (a 100,000-deep page took ~30 s).
 */
export const maxParseDepth = 512;

/** Elements that never hold others, or whose end tag is usually left out: no depth. */
// prettier-ignore
const flatTags = new Set([
  'area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source',
  'track', 'wbr', 'p', 'li', 'td', 'th', 'tr', 'dt', 'dd', 'option', '!doctype',
]);
/** A tag; attributes stop at the next `<`, so an unclosed tag costs one scan to it. */
const tagPattern = /<(\/?)([a-zA-Z!][a-zA-Z0-9:-]*)[^<>]*>/g;

/**
 * Tags kept past the limit (headers carry the segment structure, <pre> the whitespace): a
 * page cannot nest them deeply by accident, and a flood of them is cut 64 levels later.
 */
const keptPastLimit = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre']);
const keptLevels = 64;

function depthChange(m: RegExpExecArray): number {
  if (flatTags.has(m[2].toLowerCase()) || m[0].endsWith('/>')) return 0;
  return m[1] ? -1 : 1;
}

/**
 * Removes the tags of elements nested deeper than `limit` (their text stays, attached to the
 * element at the limit), like Chromium's parser does. Two linear passes, the second only when
 * the first finds the limit exceeded; the page is returned unchanged otherwise.
 */
export function flattenDeepNesting(html: string, limit = maxParseDepth): string {
  let depth = 0;
  let exceeded = false;
  tagPattern.lastIndex = 0;
  for (let m = tagPattern.exec(html); m; m = tagPattern.exec(html)) {
    depth = Math.max(0, depth + depthChange(m));
    if (depth > limit) {
      exceeded = true;
      break;
    }
  }
  if (!exceeded) return html;
  // Second pass: `depth` counts the elements kept open; a closing tag first closes a dropped
  // opener of its name (the innermost ones were the dropped ones), else a kept one.
  const out: string[] = [];
  const droppedOpen = new Map<string, number>();
  let copied = 0;
  depth = 0;
  tagPattern.lastIndex = 0;
  for (let m = tagPattern.exec(html); m; m = tagPattern.exec(html)) {
    const change = depthChange(m);
    if (change === 0) continue;
    const name = m[2].toLowerCase();
    let drop: boolean;
    if (change > 0) {
      drop = depth >= (keptPastLimit.has(name) ? limit + keptLevels : limit);
      if (drop) droppedOpen.set(name, (droppedOpen.get(name) ?? 0) + 1);
      else depth++;
    } else {
      const open = droppedOpen.get(name) ?? 0;
      drop = open > 0;
      if (drop) droppedOpen.set(name, open - 1);
      else depth = Math.max(0, depth - 1);
    }
    if (drop) {
      out.push(html.slice(copied, m.index), ' ');
      copied = m.index + m[0].length;
    }
  }
  out.push(html.slice(copied));
  return out.join('');
}

/**
 * A fragment or head/body-less page made into a full document linkedom parses correctly.
 * The `<html>` tag pattern stops at the next `<`, so unclosed `<html` openers stay linear.
 */
export function asFullDocument(rawHtml: string): string {
  const html = flattenDeepNesting(stripDropped(rawHtml));
  if (!/<body[\s>]/i.test(html)) {
    const inner = html.replace(/<\/?html\b[^<>]*>/gi, '');
    return `<!doctype html><html><head></head><body>${inner}</body></html>`;
  }
  return /<html[\s>]/i.test(html) ? html : `<html>${html}</html>`;
}
