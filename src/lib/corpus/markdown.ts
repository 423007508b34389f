// Markdown and plain text to header blocks for segmentation (method.md §2). Markdown
// headers are ATX (`## Title`) and Setext (`Title` underlined with === or ---), as in
// CommonMark; lines inside fenced code blocks are text, so a `# comment` in a shell snippet
// never starts a section. List, quote and code lines are kept verbatim.
//
// No pattern here may backtrack over a long run of spaces (issue 13 item 1): trailing
// whitespace is trimmed with trimEnd and ATX headers are parsed by hand, since patterns like
// /[ \t]+$/ or /(.*?)(?:[ \t]+#+)?[ \t]*$/ are quadratic on a line of many spaces.
import { linesToText, parseAtxHeader } from './text-lines';
import type { Block } from './types';

const fenceOpen = /^ {0,3}(`{3,}|~{3,})/;
const setextH1 = /^ {0,3}=+[ \t]*$/;
const setextH2 = /^ {0,3}-+[ \t]*$/;

/** Length of a leading YAML front matter block (--- ... ---), 0 if none. */
function frontMatterEnd(lines: string[]): number {
  if (lines[0]?.trim() !== '---') return 0;
  for (let i = 1; i < lines.length && i < 200; i++) {
    if (lines[i].trim() === '---' || lines[i].trim() === '...') return i + 1;
  }
  return 0;
}

export function markdownBlocks(markdown: string): Block[] {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const blocks: Block[] = [];
  let current: { level: number; header?: string; lines: string[] } = { level: 0, lines: [] };
  /** Index in current.lines where the running paragraph began (for Setext headers). */
  let paragraphStart = 0;
  let fence: string | null = null;

  const startBlock = (level: number, header: string): void => {
    blocks.push({ level: current.level, header: current.header, text: linesToText(current.lines) });
    current = { level, header, lines: [] };
    paragraphStart = 0;
  };

  for (let i = frontMatterEnd(lines); i < lines.length; i++) {
    const line = lines[i];
    if (fence !== null) {
      current.lines.push(line);
      const close = line.trim();
      if (close.startsWith(fence) && /^(`+|~+)$/.test(close)) fence = null;
      paragraphStart = current.lines.length;
      continue;
    }
    const open = fenceOpen.exec(line);
    if (open) {
      fence = open[1];
      current.lines.push(line);
      continue;
    }
    const atx = parseAtxHeader(line);
    if (atx) {
      startBlock(atx.level, atx.text);
      continue;
    }
    const isUnderline = setextH1.test(line) || setextH2.test(line);
    if (isUnderline && paragraphStart < current.lines.length) {
      const headerLines = current.lines.splice(paragraphStart);
      startBlock(setextH1.test(line) ? 1 : 2, headerLines.join(' ').trim());
      continue;
    }
    current.lines.push(line);
    if (line.trim().length === 0) paragraphStart = current.lines.length;
  }
  blocks.push({ level: current.level, header: current.header, text: linesToText(current.lines) });
  // The first block is the (maybe empty) preamble before any header.
  return blocks.filter((b, i) => i > 0 || b.text.length > 0);
}

/**
 * Plain text has no headers: one headerless block, paragraphs split later on blank lines.
 * A file of one document per line (no blank line at all, long lines: a dump of records) is
 * one block per line instead, so the segmenter never packs two documents into one segment.
 */
export function textBlocks(text: string): Block[] {
  const normalised = linesToText(text.replace(/\r\n?/g, '\n').split('\n'));
  if (normalised.length === 0) return [];
  if (isOneDocumentPerLine(normalised)) {
    return normalised.split('\n').map((line) => ({ level: 0, text: line.trim() }));
  }
  return [{ level: 0, text: normalised }];
}

/** Lines that are documents: at least 3, no blank line, and the median line ≥ 200 chars. */
export const documentLineChars = 200;
function isOneDocumentPerLine(text: string): boolean {
  if (text.includes('\n\n')) return false;
  const lengths = text.split('\n').map((l) => l.length);
  if (lengths.length < 3) return false;
  lengths.sort((a, b) => a - b);
  return lengths[lengths.length >> 1] >= documentLineChars;
}
