// CSV/TSV rows from a stream of decoded text, with recovery from bad quoting. Papa Parse
// reports an unbalanced or misplaced quote (InvalidQuotes, MissingQuotes) but keeps going
// inside the quoted field, swallowing the following rows into one cell. Here such a row is
// handed out as `bad` with its line, and parsing restarts on the line after the row's first
// line, so the rest of the file is read. Re-parsing is budgeted (a multiple of the input
// size) so a file of many bad quotes stays linear; past the budget it is an InputError.
import Papa from 'papaparse';
import { InputError } from '../../protocol/errors';

export interface CsvRow {
  cells: string[];
  /** 1-based line where the row starts. */
  line: number;
  /** Set when the row's quoting is broken: the row is not usable, the next line starts anew. */
  bad?: string;
}

interface ParsedRow {
  cells: string[];
  start: number;
  end: number;
  quoteError?: string;
}

/** Re-parsed characters allowed per character of input before recovery gives up. */
const REPARSE_BUDGET = 32;

export class CsvRowSplitter {
  private carry = '';
  private newline: '\n' | '\r\n' | '\r' | undefined;
  /** Line number of the first character of `carry`. */
  private carryLine = 1;
  private seenChars = 0;
  /** Characters handed to Papa so far (re-parses included): the work done, for the budget. */
  parsedChars = 0;

  constructor(
    private readonly delimiter: string,
    private readonly file: string,
    private readonly maxRowChars: number,
  ) {}

  /** Rows completed by this chunk (the last, possibly incomplete row stays in the carry). */
  feed(text: string): CsvRow[] {
    this.seenChars += text.length;
    return this.run(this.carry + text, false);
  }

  /** The rows left at the end of the input. */
  finish(): CsvRow[] {
    const input = this.carry;
    this.carry = '';
    return input ? this.run(input, true) : [];
  }

  private run(input: string, final: boolean): CsvRow[] {
    this.newline ??= detectNewline(input);
    const out: CsvRow[] = [];
    let pos = 0;
    let line = this.carryLine;
    let lineCountedTo = 0;
    const lineAt = (offset: number): number => {
      for (let i = input.indexOf('\n', lineCountedTo); i !== -1 && i < offset;) {
        line++;
        i = input.indexOf('\n', i + 1);
      }
      lineCountedTo = Math.max(lineCountedTo, offset);
      return line;
    };
    for (;;) {
      const { rows, consumed } = this.parse(input, pos, final);
      let restart = -1;
      for (const row of rows) {
        const rowLine = lineAt(row.start);
        if (row.quoteError) {
          out.push({ cells: row.cells, line: rowLine, bad: row.quoteError });
          const nl = input.indexOf('\n', row.start);
          restart = nl === -1 ? input.length : nl + 1;
          break;
        }
        // Checked per row: one chunk can hold a complete row of any length.
        if (row.end - row.start > this.maxRowChars) {
          out.push({
            cells: [],
            line: rowLine,
            bad: `row is longer than ${this.maxRowChars} characters`,
          });
          continue;
        }
        out.push({ cells: row.cells, line: rowLine });
      }
      if (restart === -1) {
        pos = consumed;
        // An unclosed quote at the end of the text so far: wait for more, up to the row cap,
        // then treat it as broken quoting (a genuine row that long is refused anyway).
        if (!final && input.length - pos > this.maxRowChars) {
          const rowLine = lineAt(pos);
          out.push({
            cells: [],
            line: rowLine,
            bad: `row is longer than ${this.maxRowChars} characters (unclosed quote?)`,
          });
          const nl = input.indexOf('\n', pos);
          pos = nl === -1 ? input.length : nl + 1;
          continue;
        }
        break;
      }
      pos = restart;
      if (pos >= input.length) break;
    }
    this.carryLine = lineAt(pos);
    this.carry = input.slice(pos);
    return out;
  }

  /** Papa over input[from..], stopping after the first row with a quoting error. */
  private parse(
    input: string,
    from: number,
    final: boolean,
  ): { rows: ParsedRow[]; consumed: number } {
    const rows: ParsedRow[] = [];
    let prev = from;
    const text = from ? input.slice(from) : input;
    if (this.parsedChars + text.length > REPARSE_BUDGET * (this.seenChars + 65536)) {
      throw new InputError(
        'too many rows with broken quoting to recover from; check the delimiter and quote character',
        { file: this.file },
      );
    }
    this.parsedChars += text.length;
    const parser: Papa.Parser = new Papa.Parser({
      delimiter: this.delimiter,
      newline: this.newline,
      quoteChar: '"',
      step: (r: {
        data: string[][];
        errors: { type: string; message: string }[];
        meta: { cursor: number };
      }) => {
        const quote = r.errors.find((e) => e.type === 'Quotes');
        const end = from + r.meta.cursor;
        rows.push({ cells: r.data[0] ?? [], start: prev, end, quoteError: quote?.message });
        prev = end;
        if (quote) parser.abort();
      },
    } as Papa.ParseConfig);
    parser.parse(text, 0, !final);
    return { rows, consumed: prev };
  }
}

function detectNewline(text: string): '\n' | '\r\n' | '\r' {
  const lf = text.indexOf('\n');
  if (lf > 0 && text[lf - 1] === '\r') return '\r\n';
  if (lf === -1 && text.includes('\r')) return '\r';
  return '\n';
}
