// Shared helpers for the corpus reader tests: build Files and collect documents + issues.
import {
  readFile,
  createReadStats,
  type ReadFileOptions,
  type ReadStats,
} from '../../../src/lib/corpus/read-file';
import type { RawDocument, RecordIssue } from '../../../src/lib/corpus/types';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function file(name: string, ...parts: (string | Uint8Array)[]): File {
  return new File(parts as BlobPart[], name);
}

export interface ReadResult {
  docs: RawDocument[];
  issues: RecordIssue[];
  stats: ReadStats;
}

export async function readAllDocs(f: File, opts: ReadFileOptions = {}): Promise<ReadResult> {
  const issues: RecordIssue[] = [];
  const stats = createReadStats();
  const docs: RawDocument[] = [];
  for await (const d of readFile(f, { ...opts, stats, onIssue: (i) => issues.push(i) }))
    docs.push(d);
  return { docs, issues, stats };
}

/** The rejection of reading a file, for asserting on InputError fields. */
export async function readError(
  f: File,
  opts: ReadFileOptions = {},
): Promise<Error & { data?: Record<string, unknown> }> {
  try {
    await readAllDocs(f, opts);
  } catch (err) {
    return err as Error;
  }
  throw new Error(`expected reading ${f.name} to fail`);
}

export function utf16(text: string, endian: 'le' | 'be', bom: boolean): Uint8Array {
  const out = new Uint8Array((bom ? 2 : 0) + text.length * 2);
  let at = 0;
  if (bom) {
    out.set(endian === 'le' ? [0xff, 0xfe] : [0xfe, 0xff]);
    at = 2;
  }
  for (let i = 0; i < text.length; i++, at += 2) {
    const c = text.charCodeAt(i);
    if (endian === 'le') out.set([c & 0xff, c >> 8], at);
    else out.set([c >> 8, c & 0xff], at);
  }
  return out;
}
