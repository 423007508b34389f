// Record types and the IndexedDB schema (one database, versioned migrations in db.ts).
// Every record that belongs to a workspace carries `workspaceId` and its store has a
// `byWorkspace` index, so a workspace can be listed, measured and deleted as a unit.
import type { CheckpointMeta } from '../domain/training';
import type { DBSchema } from 'idb';

export type Id = string;

export interface Workspace {
  id: Id;
  name: string;
  createdAt: number;
  updatedAt: number;
}

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
  reader?: { textField?: string; textFormat?: 'html' | 'markdown' | 'text' };
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

export type DropReason =
  | 'too-short'
  | 'too-long'
  | 'empty-header'
  | 'caps-header'
  | 'navigation-header'
  | 'repetitive'
  | 'exact-duplicate'
  | 'near-duplicate';

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

/**
 * A segment as stored: `bucket` repeats `dropReason ?? 'kept'` because IndexedDB leaves
 * records whose key path is missing out of an index, and kept segments must be countable
 * and pageable too. The segment repository adds it on write and strips it on read.
 */
export interface StoredSegment extends SegmentRecord {
  bucket: SegmentBucket;
}

/** Kept segments of one ingest batch (ids `<page id>.<6-digit sequence>`, ascending). */
export interface SegmentPage {
  id: Id;
  workspaceId: Id;
  segments: SegmentRecord[];
  /** segments.length (indexed with workspaceId, so counts need no values). */
  n: number;
  /** `<workspaceId>\u0000<hash>` per segment. */
  hashKeys: string[];
}

export interface SeedPair {
  id: Id;
  workspaceId: Id;
  instruction: string;
  /** Alpaca-style input/context, if any (joined to the instruction for training). */
  input?: string;
  output: string;
  source: string;
}

export type StageName =
  | 'train-backward'
  | 'augment'
  | 'train-m0'
  | 'curate'
  | 'train-m1'
  | 'recurate'
  | 'train-m2'
  | 'evaluate';

export interface StageState {
  status: 'pending' | 'running' | 'done' | 'failed' | 'cancelled';
  done: number;
  total: number | null;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
}

export interface Run {
  id: Id;
  workspaceId: Id;
  name: string;
  createdAt: number;
  /** Models, thresholds, sampling: the whole config, so a run can be reproduced. */
  config: Record<string, unknown>;
  stages: Partial<Record<StageName, StageState>>;
}

export interface Candidate {
  id: Id;
  workspaceId: Id;
  runId: Id;
  segmentId: Id;
  instruction: string;
  /** Model that wrote the instruction (M_yx). */
  producedBy: string;
  /** 'augment' when written; curation fills the score fields per rater iteration. */
  stage: 'augment' | 'curate-1' | 'curate-2';
  score?: number | null;
  reasoning?: string;
  rawOutput?: string;
  scoredBy?: string;
  /** The user's keep/drop decision, which wins over the score. */
  override?: 'keep' | 'drop';
}

export interface Checkpoint {
  id: Id;
  workspaceId: Id;
  runId?: Id;
  kind: 'adapter' | 'optimizer' | 'model';
  name: string;
  step?: number;
  createdAt: number;
  /** Metadata: LoRA config, base model id, loss, ... */
  meta: CheckpointMeta;
  bytes: ArrayBuffer;
}

export interface Evaluation {
  id: Id;
  workspaceId: Id;
  runId?: Id;
  createdAt: number;
  kind: string;
  results: Record<string, unknown>;
}

export interface HumpbackDB extends DBSchema {
  workspaces: { key: Id; value: Workspace; indexes: { byName: string } };
  sourceFiles: { key: Id; value: SourceFile; indexes: { byWorkspace: Id; byImport: Id } };
  documents: { key: Id; value: DocumentRecord; indexes: { byWorkspace: Id; bySourceFile: Id } };
  segments: {
    key: Id;
    value: StoredSegment;
    indexes: {
      byWorkspace: Id;
      bySourceFile: Id;
      byWorkspaceHash: [Id, string];
      /** [workspaceId, bucket]: counts and samples per drop reason, paging of kept segments. */
      byWorkspaceReason: [Id, SegmentBucket];
    };
  };
  /**
   * Kept segments of one ingest batch per record (store/segment-pages.ts, step 4); read
   * together with `segments` by the segment repository.
   */
  segmentPages: {
    key: Id;
    value: SegmentPage;
    indexes: {
      byWorkspace: Id;
      /** [workspaceId, n]: segment counts from index keys alone. */
      byWorkspaceSize: [Id, number];
      /** multiEntry over `hashKeys`: exact-hash lookup (findByHash). */
      byHashKey: string;
    };
  };
  seeds: { key: Id; value: SeedPair; indexes: { byWorkspace: Id } };
  runs: { key: Id; value: Run; indexes: { byWorkspace: Id } };
  candidates: {
    key: Id;
    value: Candidate;
    indexes: { byWorkspace: Id; byRun: Id; byRunSegment: [Id, Id] };
  };
  checkpoints: { key: Id; value: Checkpoint; indexes: { byWorkspace: Id; byRun: Id } };
  evaluations: { key: Id; value: Evaluation; indexes: { byWorkspace: Id; byRun: Id } };
  /** Corpus totals per workspace, updated in each ingest batch's transaction (ingest-repo.ts). */
  corpusStats: { key: Id; value: CorpusStats; indexes: { byWorkspace: Id } };
  /** Dedup index: one append-only chunk per ingest batch, loaded into memory per job (step 4). */
  dedupChunks: {
    key: Id;
    value: DedupChunk;
    indexes: { byWorkspace: Id };
  };
  /** Small key-value settings (consent to persistent storage, last workspace). */
  settings: { key: string; value: unknown };
}

/** Totals of a workspace's corpus: every segment is counted, dropped samples are capped. */
export interface CorpusStats {
  workspaceId: Id;
  documents: number;
  segments: number;
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
 * The dedup index entries of one ingest batch's kept segments (store/dedup-index.ts). Row `r`
 * is segment `segmentIds[r]`, whose MinHash signature is row `r` of `signatures`. One record per
 * batch (not per segment) because each IndexedDB request has a fixed cost. Chunks have no key
 * index: the index is rebuilt in memory from them when an ingest job starts.
 *
 * Step-4 chunks: `prints[i]` (32-bit fingerprint of key `h:<hash>` or `b<band>:<bucket>`) belongs
 * to row `printOwners[i]`; `exact` holds each row's 64-bit exact hash as two words.
 * Step-3 chunks (still read): `keys[i]` (`<workspaceId>\u0000h:<hash>` or
 * `<workspaceId>\u0000b<band>:<bucket>`) belongs to row `owners[i]`.
 */
export interface DedupChunk {
  id: Id;
  workspaceId: Id;
  segmentIds: Id[];
  prints?: Uint32Array;
  printOwners?: Uint32Array;
  exact?: Uint32Array;
  keys?: string[];
  owners?: number[];
  /** segmentIds.length rows of `signatureLength` values. */
  signatures: Uint32Array;
  signatureLength: number;
}
