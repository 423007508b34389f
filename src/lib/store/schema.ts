// The IndexedDB schema (one database, versioned migrations in db.ts) and the shapes that
// exist only in storage. The records themselves are domain types (src/lib/domain). Every
// record that belongs to a workspace carries `workspaceId` and its store has a `byWorkspace`
// index, so a workspace can be listed, measured and deleted as a unit.
import type { DBSchema } from 'idb';
import type { RatingKey, StoredCandidate } from './candidate-keys';
import type {
  Checkpoint,
  CorpusStats,
  DedupChunk,
  DocumentRecord,
  EvalAnswer,
  Evaluation,
  Id,
  PromptSet,
  Run,
  SeedPair,
  SegmentBucket,
  SegmentRecord,
  SourceFile,
  Sweep,
  Workspace,
} from '../domain';

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

/**
 * Documents of one ingest batch (store/document-pages.ts, step 9); ids `<page id>.d<seq>`.
 * Pages that step 9 packed from the old one-record-per-document layout list their documents'
 * plain ids in `legacyIds` (indexed).
 */
export interface DocumentPage {
  id: Id;
  workspaceId: Id;
  documents: DocumentRecord[];
  /** documents.length (indexed with workspaceId, so counts need no values). */
  n: number;
  /** Distinct source files of the page's documents (multiEntry index). */
  sourceFileIds: Id[];
  legacyIds?: Id[];
}

export interface HumpbackDB extends DBSchema {
  workspaces: { key: Id; value: Workspace; indexes: { byName: string } };
  sourceFiles: { key: Id; value: SourceFile; indexes: { byWorkspace: Id; byImport: Id } };
  /** Document pages since step 9 (document-pages.ts); one record per document before. */
  documents: {
    key: Id;
    value: DocumentPage;
    indexes: {
      byWorkspace: Id;
      /** multiEntry over `sourceFileIds`. */
      bySourceFile: Id;
      /** [workspaceId, n]: document counts from index keys alone. */
      byWorkspaceSize: [Id, number];
      /** multiEntry over `legacyIds`: documents step 9 packed, by their old ids. */
      byLegacyId: Id;
    };
  };
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
  /** Candidates with their index fields (candidate-keys.ts; step 6 added ratings history). */
  candidates: {
    key: Id;
    value: StoredCandidate;
    indexes: {
      byWorkspace: Id;
      byRun: Id;
      byRunSegment: [Id, Id];
      /** [runId, filterReason ?? 'ok']: usable candidates in id order, counts per reason. */
      byRunFilter: [Id, string];
      /** multiEntry over ratingKeys: [runId, iteration, mode, score] of each latest rating. */
      byRating: RatingKey;
    };
  };
  checkpoints: {
    key: Id;
    value: Checkpoint;
    /** byWorkspaceKind: [workspaceId, kind], counts without reading the bytes (step 5). */
    indexes: { byWorkspace: Id; byRun: Id; byWorkspaceKind: [Id, Checkpoint['kind']] };
  };
  evaluations: { key: Id; value: Evaluation; indexes: { byWorkspace: Id; byRun: Id } };
  /** Corpus totals per workspace, updated in each ingest batch's transaction (ingest-repo.ts). */
  corpusStats: { key: Id; value: CorpusStats; indexes: { byWorkspace: Id } };
  /** Dedup index: one append-only chunk per ingest batch, loaded into memory per job (step 4). */
  dedupChunks: {
    key: Id;
    value: DedupChunk;
    indexes: { byWorkspace: Id };
  };
  /** Prompt sets for pairwise evaluation (step 7). */
  promptSets: { key: Id; value: PromptSet; indexes: { byWorkspace: Id } };
  /** One record per prompt of a pairwise evaluation: answers and both verdicts (step 7). */
  evalAnswers: {
    key: Id;
    value: EvalAnswer;
    indexes: { byWorkspace: Id; byRun: Id; byEvaluation: Id };
  };
  /** Data-scaling sweeps (step 8): plan and per-arm bookkeeping, rewritten arm by arm. */
  sweeps: { key: Id; value: Sweep; indexes: { byWorkspace: Id; byRun: Id } };
  /** Small key-value settings (consent to persistent storage, last workspace). */
  settings: { key: string; value: unknown };
}
