// What every reader receives: the caller's options with limits resolved, the running
// stats, and helpers for issues and cancellation. One context per top-level file.
import { CancelledError } from '../../protocol/errors';
import type { ReaderOptions, RecordIssue } from '../types';
import type { ByteSource } from './bytes';

/** Reader options plus the limits that guard memory (all have safe defaults). */
export interface ReadFileOptions extends ReaderOptions {
  /** Archives inside archives allowed (1 = a zip, 2 = a zip inside a zip). Default 2. */
  maxArchiveDepth?: number;
  /** Cap on the inflated bytes of one archive or .gz (zip-bomb guard). Default 4 GiB. */
  maxUncompressedBytes?: number;
  /** Entries allowed in one zip (tiny-entry floods). Default 1,000,000. */
  maxArchiveEntries?: number;
  /** Largest single document / record / line, in characters. Default 32 Mi. */
  maxRecordChars?: number;
  /** Largest Parquet file read from inside an archive (needs random access). Default 512 MiB. */
  maxBufferedBytes?: number;
  /** Filled in while reading; pass one in to read it during and after the run. */
  stats?: ReadStats;
}

export interface ReadStats {
  /** Compressed bytes of the top-level file consumed so far. */
  bytesRead: number;
  documents: number;
  /** Records seen in structured files (JSONL lines, CSV rows, JSON elements, Parquet rows, WARC records). */
  records: number;
  /** Invalid byte sequences replaced by U+FFFD while decoding. */
  replacementChars: number;
  /** Files read inside archives. */
  archiveEntries: number;
  /** Skipped records/entries by reason ("malformed-json", "missing-field", "warc-not-html", ...). */
  skipped: Record<string, number>;
}

export function createReadStats(): ReadStats {
  return {
    bytesRead: 0,
    documents: 0,
    records: 0,
    replacementChars: 0,
    archiveEntries: 0,
    skipped: {},
  };
}

/** One file to read: a top-level File, a zip entry, or the inside of a .gz. */
export interface Entry {
  /** Display name incl. archive path ("crawl.zip/pages/a.html"). */
  name: string;
  /** Name that decides the format (the innermost file name). */
  formatName: string;
  bytes: ByteSource;
  /** Present for the top-level file only: random access (Parquet) and resume by slicing (WARC). */
  blob?: Blob;
  /** Top-level file only: the bytes from `offset` on (WARC resumes by slicing, not by re-reading). */
  openAt?: (offset: number) => ByteSource;
  /** Zip archives around this entry. */
  archiveDepth: number;
  /** Whether opts.startOffset applies (not inside zips, where offsets are per entry). */
  resumable: boolean;
}

export interface ReadContext {
  opts: ReadFileOptions;
  maxArchiveDepth: number;
  maxUncompressedBytes: number;
  maxArchiveEntries: number;
  maxRecordChars: number;
  maxBufferedBytes: number;
  stats: ReadStats;
}

export function createContext(opts: ReadFileOptions): ReadContext {
  return {
    opts,
    maxArchiveDepth: opts.maxArchiveDepth ?? 2,
    maxUncompressedBytes: opts.maxUncompressedBytes ?? 4 * 1024 ** 3,
    maxArchiveEntries: opts.maxArchiveEntries ?? 1_000_000,
    maxRecordChars: opts.maxRecordChars ?? 32 * 1024 ** 2,
    maxBufferedBytes: opts.maxBufferedBytes ?? 512 * 1024 ** 2,
    stats: opts.stats ?? createReadStats(),
  };
}

/** Counts a skipped record under `reason` and tells the caller why. */
export function reportIssue(ctx: ReadContext, reason: string, issue: RecordIssue): void {
  ctx.stats.skipped[reason] = (ctx.stats.skipped[reason] ?? 0) + 1;
  ctx.opts.onIssue?.(issue);
}

/** Counts a skipped record that needs no message (empty text, non-HTML WARC record). */
export function countSkip(ctx: ReadContext, reason: string): void {
  ctx.stats.skipped[reason] = (ctx.stats.skipped[reason] ?? 0) + 1;
}

export function checkCancel(ctx: ReadContext): void {
  if (ctx.opts.signal?.aborted) throw new CancelledError('Reading cancelled');
}

/** Where reading starts in this entry (offsets as in RawDocument.offset). */
export function startOffsetOf(ctx: ReadContext, entry: Entry): number {
  return entry.resumable ? Math.max(0, ctx.opts.startOffset ?? 0) : 0;
}
