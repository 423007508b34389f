// Header-tree segmentation (method.md §2, App. E): "a segment is the text under an HTML
// header including lower-level header subtrees", kept when 600–3,000 characters long, then
// filtered (empty / all-caps / navigation headers, repetitive sentences).
//
// Decisions the paper leaves open (documented here and in the tests):
// - Segment text does NOT start with its own header line (the paper: "text following an
//   HTML header"); the header and its ancestors are in `headerPath`. Sub-headers inside a
//   segment stay in the text as their own paragraphs, since they are part of that subtree.
// - A subtree longer than maxChars is not cut: its header's direct text becomes one
//   candidate and each child subtree another (recursively). A leaf that is still too long is
//   dropped as 'too-long' (or, with `packLongSections`, packed like headerless text). Text
//   under no header at all (plain text, HTML/Markdown preamble) is not "text under a header"
//   and has no structure to descend into, so its paragraphs are packed greedily into the
//   window; it never merges with the header subtrees after it.
// - A sub-header that is a navigation header ("Comments", "Related posts") is left out of
//   its parent's subtree text and returned as its own 'navigation-header' segment, so page
//   chrome inside an article does not ride along with the article's text.
// - A header that introduces nothing must not swallow the article after it (issue 13 item
//   7): a blank header is no header (its text stays with the section in progress), and a
//   widget label ("Share this", "Follow us", navigation-words.ts) keeps only the short
//   lines right after it; from the first prose paragraph on, the text goes back to the
//   section in progress, as if the label were not there.
// - Stated alternative to the paper's 'too-long' rule (`packLongSections`, off by default):
//   a section too long to keep is split at paragraph boundaries into balanced runs inside
//   the window (sentences when one paragraph is too long), all under the same headerPath.
// - Filters run in this order and the first hit is the reason: empty-header,
//   navigation-header (own header or any ancestor), caps-header (own header), too-short,
//   too-long, repetitive (the costliest, so last).
import type { DropReason } from '../domain';
import {
  isCapsHeader,
  isNavigationHeader,
  isRepetitive,
  navigationKind,
  splitSentences,
} from './filters';
import { extractHtml, type HtmlOptions } from './html';
import { markdownBlocks, textBlocks } from './markdown';
import type { Block, RawDocument, Segment, SegmentOptions } from './types';

export type { Block };

interface HeaderNode {
  level: number;
  header?: string;
  text: string;
  children: HeaderNode[];
  /** Whole subtree text, computed once bottom-up. */
  full: string;
  /** Navigation header (comments, related posts...): left out of its parent's subtree text. */
  navigation: boolean;
  /** Root only: its headerless runs of text, packed one by one. */
  runs?: string[];
}

const joinParagraphs = (parts: string[]): string => parts.filter((p) => p.length > 0).join('\n\n');

/** A paragraph that reads as article prose, not a widget's line of links or labels. */
const proseParagraphChars = 200;

/**
 * Splits a widget label's text: the short lines right after the label stay with it, the rest
 * (from the first prose paragraph on) is not introduced by it.
 */
function splitLabelText(text: string): [own: string, rest: string] {
  const paragraphs = text.split(/\n\s*\n/);
  const first = paragraphs.findIndex((p) => p.trim().length >= proseParagraphChars);
  if (first < 0) return [text, ''];
  return [joinParagraphs(paragraphs.slice(0, first)), joinParagraphs(paragraphs.slice(first))];
}

/**
 * Nests blocks by header level: a header owns every following block of a deeper level —
 * except blank headers and widget labels, which own no prose (see the file comment).
 * Headerless runs at the top level stay separate runs (documents of a one-per-line file
 * are never packed together).
 */
export function buildHeaderTree(blocks: readonly Block[]): HeaderNode {
  const root: HeaderNode = { level: 0, text: '', children: [], full: '', navigation: false };
  root.runs = [];
  const stack: HeaderNode[] = [root];
  const appendText = (node: HeaderNode, text: string): void => {
    if (text.length === 0) return;
    node.text = joinParagraphs([node.text, text]);
    if (node === root) root.runs?.push(text);
  };
  for (const block of blocks) {
    const header = (block.header ?? '').trim();
    if (block.level <= 0 || header.length === 0) {
      appendText(stack[stack.length - 1], block.text.trim());
      continue;
    }
    const inProgress = stack[stack.length - 1];
    const kind = navigationKind(header);
    let text = block.text.trim();
    let rest = '';
    if (kind === 'label') [text, rest] = splitLabelText(text);
    let parentIndex = stack.length - 1;
    while (parentIndex > 0 && stack[parentIndex].level >= block.level) parentIndex--;
    const node: HeaderNode = {
      level: block.level,
      header,
      text,
      children: [],
      full: '',
      navigation: kind !== undefined,
    };
    stack[parentIndex].children.push(node);
    if (rest.length > 0) {
      // The label is closed at once: what follows continues the section in progress.
      appendText(inProgress, rest);
      continue;
    }
    stack.length = parentIndex + 1;
    stack.push(node);
  }
  fillSubtreeText(root);
  return root;
}

function fillSubtreeText(node: HeaderNode): void {
  const parts = [node.text];
  for (const child of node.children) {
    fillSubtreeText(child);
    if (child.full.length > 0 && !child.navigation)
      parts.push(joinParagraphs([child.header ?? '', child.full]));
  }
  node.full = joinParagraphs(parts);
}

/** The drop reason for one candidate segment, or undefined when it is kept. */
export function classifySegment(
  headerPath: readonly string[],
  text: string,
  opts: SegmentOptions,
  hasHeader: boolean,
): DropReason | undefined {
  const own = headerPath[headerPath.length - 1];
  if (hasHeader && (own === undefined || own.length === 0 || text.trim().length === 0)) {
    return 'empty-header';
  }
  if (headerPath.some((h) => h.length > 0 && isNavigationHeader(h))) return 'navigation-header';
  if (hasHeader && own !== undefined && isCapsHeader(own)) return 'caps-header';
  if (text.length < opts.minChars) return 'too-short';
  if (text.length > opts.maxChars) return 'too-long';
  if (isRepetitive(text, opts.repeatJaccard, opts.maxRepeatRatio)) return 'repetitive';
  return undefined;
}

function makeSegment(
  headerPath: string[],
  text: string,
  opts: SegmentOptions,
  hasHeader: boolean,
): Segment {
  const dropReason = classifySegment(headerPath, text, opts, hasHeader);
  return dropReason ? { headerPath, text, dropReason } : { headerPath, text };
}

function windowPieces(text: string, maxChars: number): string[] {
  const pieces: string[] = [];
  for (const paragraph of text.split(/\n\s*\n/)) {
    const p = paragraph.trim();
    if (p.length === 0) continue;
    if (p.length <= maxChars) pieces.push(p);
    else for (const s of splitSentences(p)) pieces.push(s);
  }
  return pieces;
}

/**
 * Greedy packing of headerless text into the window: consecutive paragraphs are joined while
 * the result stays ≤ maxChars. A paragraph longer than maxChars is packed sentence by sentence.
 */
export function packParagraphs(text: string, maxChars: number): string[] {
  const packed: string[] = [];
  let current = '';
  for (const piece of windowPieces(text, maxChars)) {
    if (current.length === 0) current = piece;
    else if (current.length + 2 + piece.length <= maxChars) current += '\n\n' + piece;
    else {
      packed.push(current);
      current = piece;
    }
  }
  if (current.length > 0) packed.push(current);
  return packed;
}

/**
 * Balanced packing for the split-long-sections alternative: as many runs as the window needs
 * (⌈length / maxChars⌉, more only when paragraph boundaries force it), each closed once it
 * reaches the even share, so no run is a short leftover when the text allows it.
 */
export function packBalanced(text: string, minChars: number, maxChars: number): string[] {
  const pieces = windowPieces(text, maxChars);
  const total = pieces.reduce((n, p) => n + p.length + 2, -2);
  const target = Math.max(minChars, total / Math.max(1, Math.ceil(total / maxChars)));
  const packed: string[] = [];
  let current = '';
  for (const piece of pieces) {
    if (current.length === 0) current = piece;
    else if (current.length + 2 + piece.length <= maxChars) current += '\n\n' + piece;
    else {
      packed.push(current);
      current = piece;
    }
    if (current.length >= target) {
      packed.push(current);
      current = '';
    }
  }
  if (current.length > 0) {
    const last = packed.length - 1;
    if (
      current.length < minChars &&
      last >= 0 &&
      packed[last].length + 2 + current.length <= maxChars
    ) {
      packed[last] += '\n\n' + current;
    } else packed.push(current);
  }
  return packed;
}

/** Navigation subtrees left out of a kept subtree still show up, dropped, for inspection. */
function emitNavigation(node: HeaderNode, path: string[], opts: SegmentOptions, out: Segment[]) {
  for (const child of node.children) {
    const childPath = [...path, child.header ?? ''];
    if (child.navigation) out.push(makeSegment(childPath, child.full, opts, true));
    else emitNavigation(child, childPath, opts, out);
  }
}

function segmentNode(node: HeaderNode, path: string[], opts: SegmentOptions, out: Segment[]): void {
  const hasHeader = node.level > 0;
  const split = (text: string): void => {
    for (const piece of packBalanced(text, opts.minChars, opts.maxChars)) {
      out.push(makeSegment(path, piece, opts, true));
    }
  };
  if (!hasHeader) {
    // Text outside every header (plain text, or a preamble) has no subtree to descend
    // into: pack its paragraphs, each run (one document of a one-per-line file) on its own.
    // Each top-level header subtree is handled on its own.
    for (const run of node.runs ?? [node.text]) {
      for (const piece of packParagraphs(run, opts.maxChars)) {
        out.push(makeSegment(path, piece, opts, false));
      }
    }
  } else if (node.full.length <= opts.maxChars || node.children.length === 0) {
    // Whole subtree fits (or cannot be split further): one candidate, too-short/-long as it
    // is, unless the split-long-sections alternative is on and the filters would keep it.
    const reason = classifySegment(path, node.full, opts, true);
    if (reason === 'too-long' && opts.packLongSections) split(node.full);
    else out.push(makeSegment(path, node.full, opts, true));
    emitNavigation(node, path, opts, out);
    return;
  } else if (node.text.length > 0) {
    // Too long with children: descend; the header's own direct text is its own candidate.
    const reason = classifySegment(path, node.text, opts, true);
    if (reason === 'too-long' && opts.packLongSections) split(node.text);
    else out.push(makeSegment(path, node.text, opts, true));
  }
  for (const child of node.children) {
    segmentNode(child, [...path, child.header ?? ''], opts, out);
  }
}

/** Segments of a header tree, kept and dropped, in document order. */
export function segmentBlocks(blocks: readonly Block[], opts: SegmentOptions): Segment[] {
  const out: Segment[] = [];
  segmentNode(buildHeaderTree(blocks), [], opts, out);
  return out;
}

/**
 * Turns one document into segments (kept ones without `dropReason`, dropped ones with it).
 * Pure and synchronous: runs in the ingest Web Worker and in Node tests alike. `issues` says
 * when an HTML page took a cheaper path (too deeply nested or too large for Readability):
 * its text is still segmented, and the caller can report the issue for the document.
 * `html` reaches extractHtml (the ingest bench compares its parsers with it).
 */
export function segmentDocument(
  doc: RawDocument,
  opts: SegmentOptions,
  html: HtmlOptions = {},
): { title?: string; segments: Segment[]; issues?: string[] } {
  if (doc.format === 'html') {
    const extracted = extractHtml(doc.content, html);
    const title = doc.title ?? extracted.title;
    return {
      ...(title ? { title } : {}),
      segments: segmentBlocks(extracted.blocks, opts),
      ...(extracted.issues ? { issues: extracted.issues } : {}),
    };
  }
  const blocks = doc.format === 'markdown' ? markdownBlocks(doc.content) : textBlocks(doc.content);
  return { ...(doc.title ? { title: doc.title } : {}), segments: segmentBlocks(blocks, opts) };
}
