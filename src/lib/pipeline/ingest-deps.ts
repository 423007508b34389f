// What the ingest job (ingest.ts) is given: readers, segmenter, the workspace's dedup decisions,
// the store's ingest repository and where file bytes come from. In their own file so the
// batch builder (ingest-batch.ts) and the job can both name them without importing each other.
import type { RawDocument, ReaderOptions, Segment, SegmentOptions } from '../corpus/types';
import type { HashingOptions, PreparedDocument } from '../corpus/prepare';
import type { DropReason, Id, SourceFile } from '../domain';
import type { IngestRepo, PendingDedup } from '../store/ingest-repo';

/** Reads one file as a stream of documents (the readers' `readFile`). */
export type ReadFn = (file: File, opts: ReaderOptions) => AsyncIterable<RawDocument>;
/** Splits a document into segments with per-segment filter reasons (the segmenter). */
export type SegmentFn = (
  doc: RawDocument,
  opts: SegmentOptions,
) => { title?: string; segments: Segment[]; issues?: string[] };

/** Cross-import dedup decisions, backed by the persisted index (see dedup-port.ts). */
export interface DedupPort {
  /** Decides for a segment that passed the filters; registers it as pending when unique. */
  check(segmentId: Id, text: string): Promise<{ hash: string; reason?: DropReason }>;
  /**
   * `check` for a segment hashed by a segmenter worker (corpus/prepare.ts) with `hashing`;
   * ports without it cannot take the pooled path.
   */
  checkPrepared?(
    segmentId: Id,
    hash: string,
    signature: Uint32Array,
    keys?: string[],
  ): Promise<{ hash: string; reason?: DropReason }>;
  /** The options the workers must hash with (same values as `check` computes). */
  readonly hashing?: HashingOptions;
  /** Hash of a segment that is not checked (already dropped by a filter). */
  hash(text: string): string;
  /** Index additions since the last take, written in the batch's transaction. */
  takePending(): PendingDedup;
  /** The batch's transaction failed: forget its pending additions. */
  discardPending(): void;
  /** The batch taken last has committed (its additions are now on disk). */
  committed(): void;
}

/** Where a source file's bytes come from when the job (re)starts. */
export type OpenSource = (sf: SourceFile) => Promise<File | null>;

/**
 * The pool of segmenter workers (segmenter-pool.ts): prepares a batch of documents off this
 * thread; results come back per batch, each batch's promise on its own (the caller awaits
 * them in dispatch order).
 */
export interface PreparePool {
  readonly size: number;
  prepare(
    docs: RawDocument[],
    segment: SegmentOptions,
    hashing: HashingOptions,
  ): Promise<PreparedDocument[]>;
  /** Stops every worker now (cancel, end of job); pending batches reject. */
  dispose(): void;
}

export interface IngestDeps {
  repo: IngestRepo;
  read: ReadFn;
  segment: SegmentFn;
  dedup: DedupPort;
  open: OpenSource;
  /** Segmenter workers; absent (or size 1 without it) = everything on this thread. */
  pool?: PreparePool;
  /** Called once a file is fully ingested (deletes its staged copy). */
  release?: (sf: SourceFile) => Promise<void>;
}
