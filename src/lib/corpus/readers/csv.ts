// CSV / TSV: Papa Parse's low-level Parser fed one decoded chunk at a time; the last,
// possibly incomplete row of each chunk is carried into the next (as Papa's own
// streamers do), so quoted fields with newlines may span chunks. First row = header.
import Papa from 'papaparse';
import { InputError } from '../../protocol/errors';
import { decodeText } from '../decode';
import type { RawDocument } from '../types';
import { checkCancel, reportIssue, startOffsetOf, type Entry, type ReadContext } from './context';
import { TEXT_FIELD_CANDIDATES, chooseTextField, listFields, recordToDocument } from './fields';

interface PapaResult {
  data: string[][];
  meta: { cursor: number };
}

/** Record index = 0-based data row (the header row is not a record). */
export async function* readCsv(
  entry: Entry,
  delimiter: ',' | '\t',
  ctx: ReadContext,
): AsyncGenerator<RawDocument> {
  const file = entry.name;
  const start = startOffsetOf(ctx, entry);
  let parser: Papa.Parser | undefined;
  let carry = '';
  let header: string[] | undefined;
  let textField = '';
  let index = -1;
  let line = 0;

  const handleRows = function* (rows: string[][]): Generator<RawDocument> {
    for (const row of rows) {
      line++;
      if (!header) {
        header = row.map((h) => h.trim());
        textField = pickColumn(header, ctx, file);
        continue;
      }
      if (row.length === 1 && row[0] === '') continue; // blank line
      index++;
      if (index < start) continue;
      checkCancel(ctx);
      ctx.stats.records++;
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

  for await (const text of decodeText(entry.bytes, file, ctx.stats)) {
    const input = carry + text;
    parser ??= new Papa.Parser({ delimiter, newline: detectNewline(input), quoteChar: '"' });
    const result = parser.parse(input, 0, true) as PapaResult;
    carry = input.slice(result.meta.cursor);
    if (carry.length > ctx.maxRecordChars) {
      throw new InputError(
        `row is longer than ${ctx.maxRecordChars} characters (unclosed quote?)`,
        {
          file,
          line: line + 1,
        },
      );
    }
    yield* handleRows(result.data);
  }
  if (parser && carry) {
    const result = parser.parse(carry, 0, false) as PapaResult;
    yield* handleRows(result.data);
  }
  if (!header) throw new InputError('file is empty', { file });
}

function detectNewline(text: string): '\n' | '\r\n' | '\r' {
  const lf = text.indexOf('\n');
  if (lf > 0 && text[lf - 1] === '\r') return '\r\n';
  if (lf === -1 && text.includes('\r')) return '\r';
  return '\n';
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
