// The reading side of the ingest job (ingest.ts): the source files in order, as one stream of
// items — a file starts, a document, a file ends (or fails to read) — each document tagged
// with its file's cursor after it and the reader issues reported before it. The writer
// consumes the items in this order, so where the pool reads ahead (segmenter-pool.ts) every
// count, cursor and issue still lands in the batch the serial path puts it in.
import type { DocumentFormat, RawDocument, ReaderOptions, RecordIssue } from '../corpus/types';
import { CancelledError, InputError, isCancel } from '../protocol/errors';
import type { SourceFile } from '../domain';
import type { IngestDeps } from './ingest-deps';
import type { ReaderChoice } from './ingest-protocol';

export type ReadItem =
  /** A file finished by an earlier run: only counted. */
  | { kind: 'done-before'; sf: SourceFile }
  | { kind: 'start'; sf: SourceFile; index: number }
  | {
      kind: 'doc';
      sf: SourceFile;
      doc: RawDocument;
      /** Documents of the file read so far, this one included (the cursor's `records`). */
      seen: number;
      bytes: number;
      /** Reader issues reported since the previous item of this file. */
      issues: RecordIssue[];
    }
  | {
      kind: 'end';
      sf: SourceFile;
      seen: number;
      bytes: number;
      issues: RecordIssue[];
      /** Reading failed here (the file fails; earlier documents stay). */
      error?: unknown;
    };

export interface ReadOptions {
  signal?: AbortSignal;
  /** Bytes of the file read so far (progress), as the reader consumes them. */
  onBytes?: (sf: SourceFile, index: number, bytes: number) => void;
  /** Errors that stop the whole job instead of failing one file. */
  isFatal: (err: unknown) => boolean;
}

export async function* readItems(
  deps: Pick<IngestDeps, 'open' | 'read'>,
  files: SourceFile[],
  opts: ReadOptions,
): AsyncGenerator<ReadItem> {
  for (const [index, sf] of files.entries()) {
    if (sf.status === 'done') {
      yield { kind: 'done-before', sf };
      continue;
    }
    yield { kind: 'start', sf, index };
    const skip = sf.cursor.records;
    let seen = 0;
    let bytes = sf.cursor.bytes;
    let issues: RecordIssue[] = [];
    const take = () => {
      const out = issues;
      issues = [];
      return out;
    };
    try {
      const file = await deps.open(sf);
      if (!file) {
        throw new InputError(
          'the file is no longer available (its staged copy is gone); add it again',
          { file: sf.name },
        );
      }
      const readerOpts: ReaderOptions = {
        ...readerChoice(sf),
        signal: opts.signal,
        onBytes: (n) => {
          bytes = n;
          opts.onBytes?.(sf, index, n);
        },
        onIssue: (issue) => {
          // Issues before the resume point were counted by the run that committed them.
          if (seen < skip) return;
          issues.push(issue);
        },
      };
      for await (const doc of deps.read(file, readerOpts)) {
        if (opts.signal?.aborted) throw new CancelledError();
        seen++;
        if (seen <= skip) continue;
        yield { kind: 'doc', sf, doc, seen, bytes, issues: take() };
      }
      if (opts.signal?.aborted) throw new CancelledError();
      yield { kind: 'end', sf, seen, bytes, issues: take() };
    } catch (error) {
      if (isCancel(error) || opts.signal?.aborted || opts.isFatal(error)) throw error;
      yield { kind: 'end', sf, seen, bytes, issues: take(), error };
    }
  }
}

function readerChoice(sf: SourceFile): ReaderChoice {
  return { textField: sf.reader?.textField, textFormat: sf.reader?.textFormat as DocumentFormat };
}
