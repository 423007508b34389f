// WARC / WARC.gz web archives via warcio's WARCParser (which inflates per-record gzip
// itself, so offsets are byte offsets in the file as stored). Only HTTP `response`
// records with an HTML body become documents: method.md §2 segments text under HTML
// headers. WET files (Common Crawl's extracted text) give their `conversion` records as
// text. Everything else is counted as skipped with its reason. Record boundaries are
// checked (warcio only warns): a wrong Content-Length or a truncated gzip member is an issue.
import { WARCParser, type WARCRecord } from 'warcio';
import { InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { decodeBytes, type EncodingChoice } from '../decode';
import { normaliseLabel } from '../encoding';
import { countBytes, peek } from './bytes';
import { reportReplacements } from './entry-text';
import {
  checkCancel,
  countSkip,
  reportIssue,
  startOffsetOf,
  type Entry,
  type ReadContext,
} from './context';
import { htmlTitle } from './text';
import {
  BoundaryWatchingReader,
  describeRecord,
  hasWarcFields,
  swallowedAt,
} from './warc-boundaries';

const HTML_TYPES = ['text/html', 'application/xhtml+xml'];

/** Where the last record ended, to check that the next one starts right after it. */
interface RecordEnd {
  record: number;
  end: number;
  header: WARCRecord;
  /** Its block was seen to hold the start of the next record. */
  swallowed?: boolean;
}

/**
 * RawDocument.offset = byte offset of the WARC record in the (possibly gzipped) file.
 * `wet`: Common Crawl's extracted text (WET): `conversion` records of plain text.
 */
export async function* readWarc(
  entry: Entry,
  ctx: ReadContext,
  wet = false,
): AsyncGenerator<RawDocument> {
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
    throw new InputError(`not a ${wet ? 'WET' : 'WARC'} file (it does not start with "WARC/")`, {
      file,
    });
  }
  let total = base;
  const reader = new BoundaryWatchingReader(countBytes(rest, (n) => (total = base + n)));
  const parser = new WARCParser(reader);
  // Between records: "\r\n\r\n" in a plain file, nothing between gzip members.
  const separator = gzipped ? 0 : 4;
  const issue = (record: number, message: string) =>
    reportIssue(ctx, 'warc-malformed', { source: file, record, message });
  let seen = 0;
  let last: RecordEnd | undefined;
  try {
    for await (const record of parser) {
      const offset = base + parser.offset;
      // Bytes between the last record's declared end and this one: exact by offsets in a
      // plain file; in a gzipped one (offsets are of members) the line warcio read after it.
      const trailing = reader.takeTrailing();
      const gap = last
        ? gzipped
          ? trailing
          : Math.max(trailing, offset - last.end - separator)
        : 0;
      seen++;
      if (offset < start) continue;
      checkCancel(ctx);
      const wellFormed = (record.warcHeaders.protocol ?? '').startsWith('WARC/');
      const swallowed = last?.swallowed === true;
      if (last && gap > 0 && !swallowed && (wellFormed || !hasWarcFields(record))) {
        issue(
          last.record,
          `${describeRecord(last.record, last.header)}: Content-Length is too small: ` +
            `${gap} bytes follow where it says its block ends` +
            (wellFormed ? '' : ' (and more, read as a broken record and skipped)') +
            '; its text may be cut short',
        );
        if (!wellFormed) {
          // The rest of the previous record's block, not a record of its own.
          seen--;
          await finish(record, offset, last.header);
          continue;
        }
      }
      ctx.stats.records++;
      if (!wellFormed) {
        issue(
          seen,
          `${describeRecord(seen, record)} skipped: it does not start with a "WARC/" line (` +
            (last && (gap > 0 || swallowed)
              ? `${describeRecord(last.record, last.header)} gives a Content-Length that is ` +
                'too large and swallowed its start)'
              : (gzipped ? 'a truncated or corrupt gzip member, or ' : '') +
                'the record before it may give a Content-Length that is too large and have ' +
                'swallowed its start)'),
        );
        await finish(record, offset);
        continue;
      }
      const at: Place = { file, offset, record: seen, wet };
      const doc = await documentOf(record, at, ctx);
      await finish(record, offset);
      if (at.swallowedAt !== undefined && last) {
        last.swallowed = true;
        issue(
          seen,
          `${describeRecord(seen, record)}: Content-Length is too large: its block holds the ` +
            `start of the next record at byte ${at.swallowedAt}; its text is cut there`,
        );
      }
      if (doc) yield doc;
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

  /** Consumes the record and arms the check of what follows it. */
  async function finish(record: WARCRecord, offset: number, header = record): Promise<void> {
    await record.skipFully();
    last = { record: seen, end: offset + parser.recordLength, header };
    reader.arm();
  }
  const size = entry.blob && !sliced ? entry.blob.size : total;
  const end = last ? last.end + separator : start;
  if (size > end && (last || seen === 0)) {
    issue(
      seen + 1,
      `the last ${size - end} bytes (from byte ${end}) could not be read as records: ` +
        (gzipped ? 'a truncated or corrupt gzip member' : 'a truncated or malformed record'),
    );
  }
}

interface Place {
  file: string;
  offset: number;
  record: number;
  wet: boolean;
  /** Set when the block holds the start of the next record: where it does. */
  swallowedAt?: number;
}

/** The document of one record, or null (counted) when it holds no page text. */
async function documentOf(
  record: WARCRecord,
  at: Place,
  ctx: ReadContext,
): Promise<RawDocument | null> {
  if (record.warcType !== (at.wet ? 'conversion' : 'response')) {
    countSkip(ctx, at.wet ? 'wet-not-conversion' : 'warc-not-response');
    return null;
  }
  let contentType: string;
  if (at.wet) {
    contentType = record.warcContentType?.toLowerCase() ?? 'text/plain';
  } else {
    const http = record.httpHeaders;
    contentType = http?.headers.get('content-type')?.toLowerCase() ?? '';
    if (!HTML_TYPES.some((t) => contentType.startsWith(t))) {
      countSkip(ctx, 'warc-not-html');
      return null;
    }
    const status = Number(http?.statusCode ?? 200);
    if (status < 200 || status >= 300) {
      countSkip(ctx, 'warc-not-ok');
      return null;
    }
  }
  let body = await record.readFully(true);
  const cut = swallowedAt(body);
  if (cut >= 0) {
    at.swallowedAt = cut;
    body = body.subarray(0, cut);
  }
  const content = decodeBody(body, charsetOf(contentType), !at.wet, at, ctx);
  if (!content.trim()) {
    countSkip(ctx, 'empty-text');
    return null;
  }
  const doc: RawDocument = {
    source: at.file,
    offset: at.offset,
    format: at.wet ? 'text' : 'html',
    content,
  };
  const url = record.warcTargetURI;
  if (url) doc.url = url;
  const title = at.wet ? undefined : htmlTitle(content);
  if (title) doc.title = title;
  return doc;
}

function charsetOf(contentType: string): string | undefined {
  const m = /charset\s*=\s*"?([\w.:-]{1,40})/i.exec(contentType);
  return m?.[1];
}

/** The body in the charset of its Content-Type, else of its <meta charset>, else detected. */
function decodeBody(
  body: Uint8Array,
  charset: string | undefined,
  markup: boolean,
  at: Place,
  ctx: ReadContext,
): string {
  const counters = { replacementChars: 0 };
  let choice: EncodingChoice | undefined;
  const declared = charset && normaliseLabel(charset) ? charset : undefined;
  const text = decodeBytes(body, counters, { markup, declared, onEncoding: (c) => (choice = c) });
  ctx.stats.replacementChars += counters.replacementChars;
  reportReplacements(ctx, at.file, counters.replacementChars, choice, at.record);
  return text;
}
