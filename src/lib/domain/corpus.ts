// Domain records of the corpus side (method.md §2 "Data"): workspaces, imported source files,
// documents, segments with their drop reasons, and the corpus totals. Types and constants
// only: every layer (store, corpus, pipeline, state, ui) imports them from here, so none of
// them has to import the layer that happens to persist or produce them.
import type { RoleAssignments } from './models';

export type Id = string;

export interface Workspace {
  id: Id;
  name: string;
  createdAt: number;
  updatedAt: number;
  /** Which model plays M_yx, the rater and the judge (models.ts); absent until assigned. */
  roles?: RoleAssignments;
}

/** How a document's text is structured, which decides how headers are found. */
export type DocumentFormat = 'html' | 'markdown' | 'text';

export interface SourceFile {
  id: Id;
  workspaceId: Id;
  /** Name as the user gave it, with the folder path for dropped folders. */
  name: string;
  size: number;
  lastModified: number;
  /** Import this file belongs to (one drop / one picker selection). */
  importId: Id;
  status: 'pending' | 'reading' | 'done' | 'failed' | 'cancelled';
  /** Resume point: bytes or records consumed and committed so far. */
  cursor: { bytes: number; records: number };
  error?: string;
  stats?: Record<string, number>;
  /** Where the bytes are read from on (re)start: a staged OPFS copy or a URL (demo). */
  origin?: { kind: 'opfs'; path: string } | { kind: 'url'; url: string } | { kind: 'memory' };
  /** Reader choice for structured files, kept so a resume reads the same way. */
  reader?: { textField?: string; textFormat?: DocumentFormat };
  /**
   * Segmentation choice the import started with, kept so a resume after a reload segments
   * the rest of the file the same way (issue 13 item 7's split of long sections). Absent on
   * files imported before it was kept: those take the resuming session's choice.
   */
  segment?: { packLongSections: boolean };
  /** First record issues (malformed line, missing field), naming file and line/record. */
  issues?: string[];
}

export interface DocumentRecord {
  id: Id;
  workspaceId: Id;
  sourceFileId: Id;
  /** Byte offset or record index inside the source file. */
  offset: number;
  title?: string;
  url?: string;
  chars: number;
}

/** Why a segment was dropped: the filters of method.md §2 / App. E, then deduplication. */
export type DropReason =
  | 'too-short'
  | 'too-long'
  | 'empty-header'
  | 'caps-header'
  | 'navigation-header'
  | 'repetitive'
  | 'exact-duplicate'
  | 'near-duplicate';

export const dropReasons: readonly DropReason[] = [
  'too-short',
  'too-long',
  'empty-header',
  'caps-header',
  'navigation-header',
  'repetitive',
  'exact-duplicate',
  'near-duplicate',
];

export interface SegmentRecord {
  id: Id;
  workspaceId: Id;
  documentId: Id;
  sourceFileId: Id;
  /** Headers from the document root to this segment. */
  headerPath: string[];
  text: string;
  chars: number;
  /** Kept segments have no reason; dropped ones are stored (for inspection) with one. */
  dropReason?: DropReason;
  /** Normalised-text hash for exact dedup across imports. */
  hash: string;
}

/** A segment's bucket for counting and sampling: its drop reason, or 'kept'. */
export type SegmentBucket = DropReason | 'kept';

/** Totals of a workspace's corpus: every segment is counted, dropped samples are capped. */
export interface CorpusStats {
  workspaceId: Id;
  documents: number;
  segments: number;
  /** Kept segments: the unlabelled data the later stages read (method.md §2). */
  kept: number;
  issues: number;
  dropped: Partial<Record<DropReason, number>>;
  /** How many dropped segments per reason are stored for inspection (capped). */
  storedDropped: Partial<Record<DropReason, number>>;
  /** Kept segment lengths in bins of `lengthBinChars` characters (last bin: everything above). */
  lengthHistogram: number[];
  lengthBinChars: number;
}

/**
 * The dedup index entries of one ingest batch's kept segments (corpus/dedup-index.ts builds
 * and reads them; the store saves them). Row `r` is segment `segmentIds[r]`, whose MinHash
 * signature is row `r` of `signatures`. One record per batch, not per segment, because each
 * IndexedDB request has a fixed cost; chunks have no key index: the index is rebuilt in memory
 * from them when an ingest job starts.
 */
export interface DedupChunk {
  id: Id;
  workspaceId: Id;
  segmentIds: Id[];
  /** Fingerprint of each key (`h:<hash>` or `b<band>:<bucket>`), owned by row `printOwners[i]`. */
  prints?: Uint32Array;
  printOwners?: Uint32Array;
  /** Each row's 64-bit exact hash as two words. */
  exact?: Uint32Array;
  /** Older layout (schema step 3, still read): scoped key strings owned by row `owners[i]`. */
  keys?: string[];
  owners?: number[];
  /** segmentIds.length rows of `signatureLength` MinHash values. */
  signatures: Uint32Array;
  signatureLength: number;
}
