// Turns one structured record (JSONL line, JSON element, CSV row, Parquet row) into a
// RawDocument: picks the text field (the user's choice, else the first of the usual
// names), and the title/url fields when present. Shared so all formats behave alike.
import { InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { countSkip, reportIssue, type ReadContext } from './context';

export const TEXT_FIELD_CANDIDATES = ['text', 'content', 'response', 'output', 'body'];
const TITLE_FIELDS = ['title', 'heading', 'headline'];
const URL_FIELDS = ['url', 'link', 'uri', 'source_url'];

function findKey(keys: string[], candidates: string[]): string | undefined {
  for (const c of candidates) if (keys.includes(c)) return c;
  const lower = keys.map((k) => k.toLowerCase());
  for (const c of candidates) {
    const i = lower.indexOf(c);
    if (i !== -1) return keys[i];
  }
  return undefined;
}

export function listFields(keys: string[]): string {
  const shown = keys.slice(0, 20).map((k) => `"${k}"`);
  return shown.length ? shown.join(', ') + (keys.length > 20 ? ', …' : '') : '(none)';
}

/** The text field for a set of keys: explicit choice, or detection; InputError if none. */
export function chooseTextField(keys: string[], ctx: ReadContext, file: string): string {
  if (ctx.opts.textField) return ctx.opts.textField;
  const found = findKey(keys, TEXT_FIELD_CANDIDATES);
  if (found) return found;
  throw new InputError(
    `no text field found (looked for ${listFields(TEXT_FIELD_CANDIDATES)}); ` +
      `available fields: ${listFields(keys)}. Choose the text field to import.`,
    { file },
  );
}

/** Where a record sits, for messages: 1-based record number and line if known. */
export interface RecordPlace {
  /** 0-based index; becomes RawDocument.offset. */
  index: number;
  line?: number;
}

/**
 * Builds the document for one record, or reports why it is skipped and returns null.
 * `textField` is fixed per file once chosen, so one odd record cannot switch it.
 */
export function recordToDocument(
  record: unknown,
  textField: string,
  place: RecordPlace,
  file: string,
  ctx: ReadContext,
): RawDocument | null {
  const where = { source: file, line: place.line, record: place.index + 1 };
  if (record === null || typeof record !== 'object' || Array.isArray(record)) {
    reportIssue(ctx, 'not-an-object', {
      ...where,
      message: `expected an object with a "${textField}" field, got ${describe(record)}`,
    });
    return null;
  }
  const obj = record as Record<string, unknown>;
  if (!(textField in obj)) {
    reportIssue(ctx, 'missing-field', {
      ...where,
      field: textField,
      message: `missing text field "${textField}"; available fields: ${listFields(Object.keys(obj))}`,
    });
    return null;
  }
  const value = obj[textField];
  if (value === null || value === undefined || value === '') {
    countSkip(ctx, 'empty-text');
    return null;
  }
  if (typeof value !== 'string') {
    reportIssue(ctx, 'not-text', {
      ...where,
      field: textField,
      message: `field "${textField}" is ${describe(value)}, not text`,
    });
    return null;
  }
  if (!value.trim()) {
    countSkip(ctx, 'empty-text');
    return null;
  }
  const keys = Object.keys(obj);
  const doc: RawDocument = {
    source: file,
    offset: place.index,
    format: ctx.opts.textFormat ?? 'text',
    content: value,
  };
  const titleKey = findKey(keys, TITLE_FIELDS);
  const urlKey = findKey(keys, URL_FIELDS);
  const title = titleKey && titleKey !== textField ? obj[titleKey] : undefined;
  const url = urlKey && urlKey !== textField ? obj[urlKey] : undefined;
  if (typeof title === 'string' && title.trim()) doc.title = title.trim();
  if (typeof url === 'string' && url.trim()) doc.url = url.trim();
  return doc;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
