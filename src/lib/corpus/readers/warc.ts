// WARC / WARC.gz web archives via warcio's WARCParser (which inflates per-record gzip
// itself, so offsets are byte offsets in the file as stored). Only HTTP `response`
// records with an HTML body become documents: method.md §2 segments text under HTML
// headers. Everything else is counted as skipped with its reason.
import { WARCParser } from 'warcio';
import { InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { peek } from './bytes';
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
      const content = decodeBody(body, charsetOf(contentType), ctx);
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

function charsetOf(contentType: string): string {
  const m = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType);
  return m?.[1] ?? 'utf-8';
}

function decodeBody(body: Uint8Array, charset: string, ctx: ReadContext): string {
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(charset);
  } catch {
    decoder = new TextDecoder('utf-8'); // unknown label: UTF-8 is the web's default
  }
  const text = decoder.decode(body);
  // Counts every U+FFFD, including the rare genuine one: good enough for a warning count.
  for (let i = text.indexOf('\uFFFD'); i !== -1; i = text.indexOf('\uFFFD', i + 1)) {
    ctx.stats.replacementChars++;
  }
  return text;
}
