// JSON Lines: one record per line, streamed line by line. A malformed line is reported
// with its line number and skipped; the rest of the file continues.
import { InputError } from '../../protocol/errors';
import { splitLines } from '../decode';
import { decodeEntry } from './entry-text';
import type { RawDocument } from '../types';
import { checkCancel, reportIssue, startOffsetOf, type Entry, type ReadContext } from './context';
import { chooseTextField, recordToDocument } from './fields';

/** Record index = 0-based count of non-blank lines (blank lines are not records). */
export async function* readJsonl(entry: Entry, ctx: ReadContext): AsyncGenerator<RawDocument> {
  const start = startOffsetOf(ctx, entry);
  const file = entry.name;
  let index = -1;
  let textField: string | undefined;
  const lines = splitLines(decodeEntry(entry, ctx), file, ctx.maxRecordChars);
  for await (const { line, text } of lines) {
    // Checked before the blank-line skip: a flood of blank lines must still notice cancel.
    checkCancel(ctx);
    if (!text.trim()) continue;
    index++;
    if (index < start) continue;
    ctx.stats.records++;
    let record: unknown;
    try {
      record = JSON.parse(text);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      reportIssue(ctx, 'malformed-json', {
        source: file,
        line,
        record: index + 1,
        message: `malformed JSON (${detail})`,
      });
      continue;
    }
    if (textField === undefined && record && typeof record === 'object' && !Array.isArray(record)) {
      textField = chooseTextField(Object.keys(record), ctx, file);
    }
    const doc = recordToDocument(
      record,
      textField ?? ctx.opts.textField ?? 'text',
      { index, line },
      file,
      ctx,
    );
    if (doc) yield doc;
  }
  if (index === -1) throw new InputError('file is empty (no JSON lines)', { file });
}
