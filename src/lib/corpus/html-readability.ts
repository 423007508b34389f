// The Readability step of HTML extraction (html.ts): pages without one usable <main>/<article>
// go through @mozilla/readability, which needs a real DOM, so this is the only place that still
// builds linkedom's DOM (issue 14 item 1: on the ingest bench's pages, which have a <main>, that
// is no page; on the extraction-quality pages, 31 of 37).
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import {
  blocksOf,
  headerLevel,
  isChrome,
  isVisuallyHidden,
  levelAttribute,
  measureText,
  type TextStat,
  type WalkNode,
} from './html-walk';
import type { Block } from './types';

/** Parses a full document (see asFullDocument) into linkedom's DOM. */
export function parseDom(source: string): Document {
  return parseHTML(source).document;
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
function removeChrome(document: Document, stats: Map<WalkNode, TextStat>): void {
  for (const el of document.querySelectorAll('*')) {
    if (!el.isConnected || el.localName === 'html' || el.localName === 'body') continue;
    const tag = el.localName;
    const inArticle = el.parentElement?.closest('article, main') != null;
    if (isChrome(el, tag, inArticle, stats)) el.remove();
    else if (headerLevel[tag] !== undefined && isVisuallyHidden(el)) el.remove();
    else scrubNames(el);
  }
}

/**
 * The blocks Readability finds in `document` (which it mutates), or undefined when it finds
 * nothing or throws (it does on some malformed trees; the caller's fallback gets the text).
 */
export function readabilityBlocks(document: Document): Block[] | undefined {
  try {
    // Readability renames every h1 to h2, which would flatten the header tree; the original
    // level rides along in an attribute (Readability copies attributes when it renames).
    for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
      h.setAttribute(levelAttribute, h.localName.slice(1));
    }
    removeChrome(document, measureText(document.documentElement));
    const article = new Readability<Node>(document, { serializer: (n) => n }).parse();
    return article?.content ? blocksOf(article.content, true) : undefined;
  } catch {
    return undefined;
  }
}
