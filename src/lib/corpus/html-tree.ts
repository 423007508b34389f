// A light element tree built straight from htmlparser2's tokenizer callbacks (issue 14 item 1):
// the walk in html-walk.ts reads only tags, a few attributes, text and sibling links, so a full
// DOM (linkedom's, whose every node is an event target with attribute nodes, and whose
// building was most of the extraction's time and garbage) is needed only by Readability.
//
// The tree has exactly linkedom's shape: linkedom builds its DOM from the same Parser with the
// same options, appending an element on every open tag, a text node on every text and going
// up one level on every close tag (htmlparser2 closes implied and unclosed elements itself).
// Comments, the doctype and processing instructions are left out: the walk never reads them.
import { Parser } from 'htmlparser2';
import type { WalkElement, WalkNode } from './html-walk';

/** linkedom's options, so that both trees agree (attribute names keep their case there). */
const parserOptions = { lowerCaseAttributeNames: false, decodeEntities: true, xmlMode: false };

export class LightText implements WalkNode {
  readonly nodeType = 3;
  readonly firstChild = null;
  parentNode: LightElement | null = null;
  nextSibling: LightNode | null = null;
  constructor(public data: string) {}
  get textContent(): string {
    return this.data;
  }
}

export class LightElement implements WalkElement {
  readonly nodeType = 1;
  parentNode: LightElement | null = null;
  nextSibling: LightNode | null = null;
  firstChild: LightNode | null = null;
  lastChild: LightNode | null = null;
  constructor(
    readonly localName: string,
    private readonly attribs: Record<string, string>,
  ) {}

  getAttribute(name: string): string | null {
    return Object.hasOwn(this.attribs, name) ? this.attribs[name] : null;
  }
  hasAttribute(name: string): boolean {
    return Object.hasOwn(this.attribs, name);
  }
  /** Text of every descendant text node, in order (iterative: pages nest deeply). */
  get textContent(): string {
    const parts: string[] = [];
    let node: LightNode | null = this.firstChild;
    while (node) {
      if (node.nodeType === 3) parts.push(node.data);
      else if (node.firstChild) {
        node = node.firstChild;
        continue;
      }
      while (node && !node.nextSibling && node !== this) node = node.parentNode;
      node = node === this || !node ? null : node.nextSibling;
    }
    return parts.join('');
  }

  append(child: LightNode): void {
    child.parentNode = this;
    if (this.lastChild) this.lastChild.nextSibling = child;
    else this.firstChild = child;
    this.lastChild = child;
  }
}

export type LightNode = LightText | LightElement;

/** A parsed page and what extraction asks of it, gathered while parsing. */
export interface LightPage {
  /** The <html> element (the first top-level element), if any. */
  documentElement: LightElement | undefined;
  /** Every `<main>` or `role="main"` element, and every `<article>`, in document order. */
  mains: LightElement[];
  articles: LightElement[];
  /** The first <title>, and the first og:title <meta> (by property or name). */
  titleElement: LightElement | undefined;
  ogTitle: LightElement | undefined;
  elementCount: number;
}

/** Parses a full document (see asFullDocument) into a light tree. */
export function parseLight(source: string): LightPage {
  const root = new LightElement('#document', {});
  const page: LightPage = {
    documentElement: undefined,
    mains: [],
    articles: [],
    titleElement: undefined,
    ogTitle: undefined,
    elementCount: 0,
  };
  let node = root;
  const parser = new Parser(
    {
      onopentag(name, attribs) {
        const el = new LightElement(name, attribs);
        node.append(el);
        node = el;
        page.elementCount++;
        if (name === 'main' || attribs.role === 'main') page.mains.push(el);
        if (name === 'article') page.articles.push(el);
        else if (name === 'title') page.titleElement ??= el;
        else if (
          name === 'meta' &&
          (attribs.property === 'og:title' || attribs.name === 'og:title')
        )
          page.ogTitle ??= el;
      },
      ontext(text) {
        // htmlparser2 hands text over in pieces (around entities, at buffer ends): one node.
        const last = node.lastChild;
        if (last?.nodeType === 3) last.data += text;
        else node.append(new LightText(text));
      },
      onclosetag() {
        node = node.parentNode ?? root;
      },
    },
    parserOptions,
  );
  parser.write(source);
  parser.end();
  for (let c = root.firstChild; c; c = c.nextSibling) {
    if (c.nodeType === 1) {
      page.documentElement = c;
      break;
    }
  }
  return page;
}
