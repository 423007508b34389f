// JSON files: an array of objects, an object with a "data" array, or (common for files
// exported with a .json name) objects one after another. A small incremental scanner
// finds where each record starts and ends, so only one record is in memory at a time;
// each record is then parsed with JSON.parse.
import { InputError } from '../../protocol/errors';
import { decodeEntry } from './entry-text';
import type { RawDocument } from '../types';
import { checkCancel, reportIssue, startOffsetOf, type Entry, type ReadContext } from './context';
import { chooseTextField, recordToDocument } from './fields';

const QUOTE = 34;
const BACKSLASH = 92;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;
const COMMA = 44;
const NEWLINE = 10;

/** The key of a top-level object whose array value holds the records. */
const DATA_KEY = 'data';

export interface ScannedRecord {
  text: string;
  line: number;
}

/** Splits a JSON text stream into the source text of each record. */
export class JsonRecordScanner {
  private stack: number[] = [];
  private inString = false;
  private escaped = false;
  /** Stack depth whose elements are records: 1 top-level array, 2 {data:[...]}, 0 top-level objects. */
  private recordDepth = -1;
  private recording = false;
  private recordIsContainer = false;
  private recordStart = 0;
  private recordLine = 1;
  private pending = '';
  private expectKey = false;
  private inKey = false;
  private keyText = '';
  private lastKey = '';
  private line = 1;

  constructor(
    private readonly file: string,
    private readonly maxRecordChars: number,
  ) {}

  feed(chunk: string): ScannedRecord[] {
    const out: ScannedRecord[] = [];
    const n = chunk.length;
    for (let i = 0; i < n; i++) {
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          if (this.inKey) this.keyText += chunk[i];
          continue;
        }
        if (!this.inKey) {
          // Jump to the next quote or backslash: string bodies are most of the bytes.
          const q = chunk.indexOf('"', i);
          const b = chunk.indexOf('\\', i);
          const next = q === -1 ? b : b === -1 ? q : Math.min(q, b);
          if (next === -1) break;
          i = next;
        }
        const c = chunk.charCodeAt(i);
        if (c === BACKSLASH) this.escaped = true;
        else if (c === QUOTE) {
          this.inString = false;
          if (this.inKey) {
            this.inKey = false;
            this.lastKey = this.keyText;
          }
        } else if (this.inKey && this.keyText.length < 64) this.keyText += chunk[i];
        continue;
      }
      const c = chunk.charCodeAt(i);
      if (c === NEWLINE) this.line++;
      else if (c === 32 || c === 9 || c === 13 || c === 58) continue;
      else if (c === QUOTE) {
        if (this.stack.length === this.recordDepth && !this.recording) this.begin(i, false);
        if (this.atTopObjectKey() && this.expectKey) {
          this.inKey = true;
          this.keyText = '';
          this.expectKey = false;
        }
        this.inString = true;
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        if (this.stack.length === 0) {
          this.recordDepth = c === OPEN_ARRAY ? 1 : 0;
          if (c === OPEN_OBJECT) this.begin(i, true);
        } else if (
          c === OPEN_ARRAY &&
          this.recordDepth === 0 &&
          this.atTopObjectKey() &&
          this.lastKey === DATA_KEY
        ) {
          // {"data": [...]}: the elements are the records, not the wrapper object.
          this.recording = false;
          this.pending = '';
          this.recordDepth = 2;
        } else if (this.stack.length === this.recordDepth && !this.recording) {
          this.begin(i, true);
        }
        this.stack.push(c);
        if (c === OPEN_OBJECT && this.stack.length === 1) {
          this.expectKey = true;
          this.lastKey = '';
        }
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (this.recording && !this.recordIsContainer && this.stack.length === this.recordDepth) {
          out.push(this.end(chunk, i));
        }
        const open = this.stack.pop();
        if (open === undefined || open !== (c === CLOSE_OBJECT ? OPEN_OBJECT : OPEN_ARRAY)) {
          throw new InputError(`unexpected "${chunk[i]}" in JSON`, {
            file: this.file,
            line: this.line,
          });
        }
        if (this.recording && this.recordIsContainer && this.stack.length === this.recordDepth) {
          out.push(this.end(chunk, i + 1));
        }
      } else if (c === COMMA) {
        if (this.recording && !this.recordIsContainer && this.stack.length === this.recordDepth) {
          out.push(this.end(chunk, i));
        }
        if (this.atTopObjectKey()) this.expectKey = true;
      } else if (this.stack.length === 0) {
        throw new InputError(
          'JSON must be an array of objects, an object with a "data" array, or one object per line',
          { file: this.file, line: this.line },
        );
      } else if (this.stack.length === this.recordDepth && !this.recording) {
        this.begin(i, false);
      }
    }
    if (this.recording) {
      this.pending += chunk.slice(this.recordStart);
      this.recordStart = 0;
      if (this.pending.length > this.maxRecordChars) {
        throw new InputError(`record is longer than ${this.maxRecordChars} characters`, {
          file: this.file,
          line: this.recordLine,
        });
      }
    }
    return out;
  }

  /** Checks the JSON ended cleanly (a cut-off download leaves open brackets). */
  finish(): void {
    if (this.stack.length || this.inString) {
      throw new InputError('JSON ends unexpectedly (is the file truncated?)', {
        file: this.file,
        line: this.line,
      });
    }
    if (this.recordDepth === -1) {
      throw new InputError(
        'JSON must be an array of objects, an object with a "data" array, or one object per line',
        { file: this.file },
      );
    }
  }

  private atTopObjectKey(): boolean {
    return this.stack.length === 1 && this.stack[0] === OPEN_OBJECT;
  }

  private begin(at: number, container: boolean): void {
    this.recording = true;
    this.recordIsContainer = container;
    this.recordStart = at;
    this.recordLine = this.line;
    this.pending = '';
  }

  private end(chunk: string, endExclusive: number): ScannedRecord {
    const text = this.pending + chunk.slice(this.recordStart, endExclusive);
    // Checked per record: one chunk can hold a complete record of any length.
    if (text.length > this.maxRecordChars) {
      throw new InputError(`record is longer than ${this.maxRecordChars} characters`, {
        file: this.file,
        line: this.recordLine,
      });
    }
    this.recording = false;
    this.pending = '';
    return { text, line: this.recordLine };
  }
}

/** Record index = 0-based position of the element in the array (or of the top-level object). */
export async function* readJson(entry: Entry, ctx: ReadContext): AsyncGenerator<RawDocument> {
  const file = entry.name;
  const start = startOffsetOf(ctx, entry);
  const scanner = new JsonRecordScanner(file, ctx.maxRecordChars);
  let index = -1;
  let textField: string | undefined;
  for await (const chunk of decodeEntry(entry, ctx)) {
    for (const { text, line } of scanner.feed(chunk)) {
      index++;
      if (index < start) continue;
      checkCancel(ctx);
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
          message: `malformed JSON record (${detail})`,
        });
        continue;
      }
      if (
        textField === undefined &&
        record &&
        typeof record === 'object' &&
        !Array.isArray(record)
      ) {
        textField = chooseTextField(Object.keys(record), ctx, file);
      }
      const field = textField ?? ctx.opts.textField ?? 'text';
      const doc = recordToDocument(record, field, { index, line }, file, ctx);
      if (doc) yield doc;
    }
  }
  scanner.finish();
}
