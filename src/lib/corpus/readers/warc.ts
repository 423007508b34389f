// WARC / WARC.gz web archives via warcio's WARCParser (which inflates per-record gzip
// itself, so offsets are byte offsets in the file as stored). Only HTTP `response`
// records with an HTML body become documents: method.md §2 segments text under HTML
// headers. Everything else is counted as skipped with its reason.
import { WARCParser } from 'warcio';
import { InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { decodeBytes, type EncodingChoice } from '../decode';
import { normaliseLabel } from '../encoding';
import { peek } from './bytes';
import { reportReplacements } from './entry-text';
import { checkCancel, countSkip, startOffsetOf, type Entry, type ReadContext } from './context';
import { htmlTitle } from './text';

const HTML_TYPES = ['text/html', 'application/xhtml+xml'];

/** RawDocument.offset = byte offset of the WARC record in the (possibly gzipped) file. */
export async function* readWarc(entry: Entry, ctx: ReadContext): AsyncGenerator<RawDocument> {
  const file = entry.name;
  const start = startOffsetOf(ctx, entry);
  // A top-level file resumes by slicing at the record boundary; elsewhere records are skipped.
  const sliced = start > 0 && entry.openAt !== undefined;
  const base = sliced ? start : 0;
  const { head, rest } = await peek(sliced && entry.openAt ? entry.openAt(start) : entry.bytes, 16);
  if (head.length === 0) {
    if (sliced) return;
    throw new InputError('file is empty', { file });
  }
  const gzipped = head[0] === 0x1f && head[1] === 0x8b;
  if (!gzipped && !new TextDecoder().decode(head).startsWith('WARC/')) {
    throw new InputError('not a WARC file (it does not start with "WARC/")', { file });
  }
  const parser = new WARCParser(rest);
  let seen = 0;
  try {
    for await (const record of parser) {
      const offset = base + parser.offset;
      seen++;
      if (offset < start) continue;
      checkCancel(ctx);
      ctx.stats.records++;
      if (record.warcType !== 'response') {
        countSkip(ctx, 'warc-not-response');
        continue;
      }
      const http = record.httpHeaders;
      const contentType = http?.headers.get('content-type')?.toLowerCase() ?? '';
      if (!HTML_TYPES.some((t) => contentType.startsWith(t))) {
        countSkip(ctx, 'warc-not-html');
        continue;
      }
      const status = Number(http?.statusCode ?? 200);
      if (status < 200 || status >= 300) {
        countSkip(ctx, 'warc-not-ok');
        continue;
      }
      const body = await record.readFully(true);
      const content = decodeBody(body, charsetOf(contentType), file, seen, ctx);
      if (!content.trim()) {
        countSkip(ctx, 'empty-text');
        continue;
      }
      const doc: RawDocument = { source: file, offset, format: 'html', content };
      const url = record.warcTargetURI;
      if (url) doc.url = url;
      const title = htmlTitle(content);
      if (title) doc.title = title;
      yield doc;
    }
  } catch (err) {
    if (err instanceof InputError || (err instanceof Error && err.name === 'CancelledError'))
      throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new InputError(`WARC record ${seen + 1} is malformed or truncated (${detail})`, {
      file,
      record: seen + 1,
    });
  }
}

function charsetOf(contentType: string): string | undefined {
  const m = /charset\s*=\s*"?([\w.:-]{1,40})/i.exec(contentType);
  return m?.[1];
}

/** The body in the charset of its Content-Type, else of its <meta charset>, else detected. */
function decodeBody(
  body: Uint8Array,
  charset: string | undefined,
  source: string,
  record: number,
  ctx: ReadContext,
): string {
  const counters = { replacementChars: 0 };
  let choice: EncodingChoice | undefined;
  const declared = charset && normaliseLabel(charset) ? charset : undefined;
  const text = decodeBytes(body, counters, {
    markup: true,
    declared,
    onEncoding: (c) => (choice = c),
  });
  ctx.stats.replacementChars += counters.replacementChars;
  reportReplacements(ctx, source, counters.replacementChars, choice, record);
  return text;
}
