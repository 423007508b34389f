// CSV / TSV: rows from CsvRowSplitter (Papa Parse fed one decoded chunk at a time, the last,
// possibly incomplete row carried into the next, so quoted fields with newlines may span
// chunks; rows with broken quoting are reported and skipped). First row = header.
import { InputError } from '../../protocol/errors';
import { CsvRowSplitter, type CsvRow } from './csv-rows';
import { decodeEntry } from './entry-text';
import type { RawDocument } from '../types';
import { checkCancel, reportIssue, startOffsetOf, type Entry, type ReadContext } from './context';
import { TEXT_FIELD_CANDIDATES, chooseTextField, listFields, recordToDocument } from './fields';

/** Record index = 0-based data row (the header row is not a record). */
export async function* readCsv(
  entry: Entry,
  delimiter: ',' | '\t',
  ctx: ReadContext,
): AsyncGenerator<RawDocument> {
  const file = entry.name;
  const start = startOffsetOf(ctx, entry);
  const splitter = new CsvRowSplitter(delimiter, file, ctx.maxRecordChars);
  let header: string[] | undefined;
  let textField = '';
  let index = -1;

  const handleRows = function* (rows: CsvRow[]): Generator<RawDocument> {
    for (const { cells: row, line, bad } of rows) {
      checkCancel(ctx);
      if (!header) {
        if (bad) throw new InputError(`header row has broken quoting (${bad})`, { file, line });
        header = row.map((h) => h.trim());
        textField = pickColumn(header, ctx, file);
        continue;
      }
      if (!bad && row.length === 1 && row[0] === '') continue; // blank line
      index++;
      if (index < start) continue;
      ctx.stats.records++;
      if (bad) {
        reportIssue(ctx, 'csv-quotes', {
          source: file,
          line,
          record: index + 1,
          message: `row skipped: unbalanced or misplaced quote (${bad}); reading goes on at the next line`,
        });
        continue;
      }
      if (row.length !== header.length) {
        reportIssue(ctx, 'csv-columns', {
          source: file,
          line,
          record: index + 1,
          message: `row has ${row.length} columns, the header has ${header.length}`,
        });
        if (row.length < header.length) continue;
      }
      const record: Record<string, string> = {};
      header.forEach((h, k) => (record[h] = row[k] ?? ''));
      const doc = recordToDocument(record, textField, { index, line }, file, ctx);
      if (doc) yield doc;
    }
  };

  for await (const text of decodeEntry(entry, ctx)) {
    yield* handleRows(splitter.feed(text));
  }
  yield* handleRows(splitter.finish());
  if (!header) throw new InputError('file is empty', { file });
}

/** The text column: the user's choice must exist; else detection among the usual names. */
function pickColumn(header: string[], ctx: ReadContext, file: string): string {
  const chosen = ctx.opts.textField;
  if (chosen !== undefined && !header.includes(chosen)) {
    throw new InputError(`column "${chosen}" not found; columns: ${listFields(header)}`, {
      file,
      line: 1,
      field: chosen,
    });
  }
  if (
    chosen === undefined &&
    !header.some((h) => TEXT_FIELD_CANDIDATES.includes(h.toLowerCase()))
  ) {
    throw new InputError(
      `no text column found (looked for ${listFields(TEXT_FIELD_CANDIDATES)}); columns: ${listFields(header)}. ` +
        'Choose the text column to import.',
      { file, line: 1 },
    );
  }
  return chooseTextField(header, ctx, file);
}
