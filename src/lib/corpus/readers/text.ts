// Plain text, Markdown and HTML files: one file is one document (offset 0), so the whole
// decoded text is held, bounded by maxRecordChars. Segmentation (method.md §2) splits it later.
import { InputError } from '../../protocol/errors';
import { decodeEntry } from './entry-text';
import type { DocumentFormat, RawDocument } from '../types';
import { checkCancel, countSkip, startOffsetOf, type Entry, type ReadContext } from './context';

export async function* readWholeText(
  entry: Entry,
  format: DocumentFormat,
  ctx: ReadContext,
): AsyncGenerator<RawDocument> {
  // Whole-file documents have one offset; a resume past it means the file is done.
  if (startOffsetOf(ctx, entry) > 0) return;
  const parts: string[] = [];
  let chars = 0;
  for await (const text of decodeEntry(entry, ctx, { markup: format === 'html' })) {
    checkCancel(ctx);
    chars += text.length;
    if (chars > ctx.maxRecordChars) {
      throw new InputError(
        `is longer than ${ctx.maxRecordChars} characters, too long for one document; ` +
          'split it into smaller files or convert it to JSONL (one document per line)',
        { file: entry.name },
      );
    }
    parts.push(text);
  }
  const content = parts.join('');
  ctx.stats.records++;
  if (!content.trim()) {
    if (entry.archiveDepth === 0) throw new InputError('file is empty', { file: entry.name });
    countSkip(ctx, 'empty-file');
    return;
  }
  const doc: RawDocument = { source: entry.name, offset: 0, format, content };
  const title = format === 'html' ? htmlTitle(content) : undefined;
  if (title) doc.title = title;
  yield doc;
}

/**
 * The <title> of an HTML page (a cheap scan: the HTML extractor does the real parsing). Found
 * with indexOf, once: the regex it replaces rescanned the page from every unclosed "<title".
 */
export function htmlTitle(html: string): string | undefined {
  const head = html.slice(0, 65536).toLowerCase();
  const open = head.indexOf('<title');
  const after = open === -1 ? -1 : head.indexOf('>', open);
  const close = after === -1 ? -1 : head.indexOf('</title>', after);
  if (close === -1) return undefined;
  const title = html
    .slice(after + 1, close)
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  return title || undefined;
}
