// Wire schema of workers/ingest.worker.ts (one entry per method: req, res, streamed event).
// Progress travels as Progress {phase: 'read', unit: 'bytes'}; counts stream as events so the
// Data step can update its per-reason table while the job runs.
import type { DocumentFormat, SegmentOptions } from '../corpus/types';
import type { SeedLineError } from '../corpus/seeds/records';
import type { SeedFieldMapping, SeedShape } from '../corpus/seeds/seed-import';
import type { DropReason, Id, SourceFile } from '../store/schema';

/** Running totals of one ingest job (or of a workspace's whole corpus). */
export interface IngestCounts {
  files: number;
  filesDone: number;
  filesFailed: number;
  bytes: number;
  documents: number;
  segments: number;
  kept: number;
  dropped: Partial<Record<DropReason, number>>;
  /** Records skipped with a reason (malformed line, missing field). */
  issues: number;
}

export function emptyCounts(): IngestCounts {
  return {
    files: 0,
    filesDone: 0,
    filesFailed: 0,
    bytes: 0,
    documents: 0,
    segments: 0,
    kept: 0,
    dropped: {},
    issues: 0,
  };
}

export type IngestEvent =
  | { kind: 'counts'; counts: IngestCounts }
  | {
      kind: 'file';
      sourceFileId: Id;
      name: string;
      status: SourceFile['status'];
      error?: string;
    };

/** How structured records (JSONL, JSON, CSV, Parquet) map to text. */
export interface ReaderChoice {
  textField?: string;
  textFormat?: DocumentFormat;
}

export interface IngestRequest {
  workspaceId: Id;
  /** Files from a drop or picker; `path` is the folder-relative name (webkitRelativePath). */
  files: { file: File; path?: string }[];
  reader?: ReaderChoice;
  segment?: Partial<SegmentOptions>;
}

export interface IngestResult {
  importId: Id | null;
  files: { id: Id; name: string; status: SourceFile['status']; error?: string }[];
  counts: IngestCounts;
}

export interface ResumeRequest {
  workspaceId: Id;
  /** Only these files; every unfinished file of the workspace when unset. */
  sourceFileIds?: Id[];
  segment?: Partial<SegmentOptions>;
}

export interface DemoRequest {
  workspaceId: Id;
  /** Where manifest.json lives, e.g. new URL('demo/', location.href).href. */
  baseUrl: string;
}

export type { SeedFieldMapping, SeedLineError };

/** A seed file's detected shape, fields and first pairs, for the preview and mapping form. */
export interface SeedPreviewRequest {
  file: File;
  mapping?: SeedFieldMapping;
}

export interface SeedPreview {
  file: string;
  /** Field names seen in the first records (choices for a manual mapping). */
  fields: string[];
  shape: SeedShape | null;
  mapping: SeedFieldMapping | null;
  rows: { instruction: string; input?: string; output: string }[];
  /** Pairs that would be imported. */
  valid: number;
  errors: SeedLineError[];
  /** Set when the file cannot be imported as it is (unknown shape: map the fields by hand). */
  problem: string | null;
}

export interface SeedImportRequest {
  workspaceId: Id;
  file: File;
  mapping?: SeedFieldMapping;
}

export interface SeedImportOutcome {
  imported: number;
  errors: SeedLineError[];
  /** Errors beyond those listed (the list is capped). */
  moreErrors: number;
}

export type IngestSchema = {
  ingest: { req: IngestRequest; res: IngestResult; event: IngestEvent };
  resume: { req: ResumeRequest; res: IngestResult; event: IngestEvent };
  loadDemo: {
    req: DemoRequest;
    res: IngestResult & { seeds: SeedImportOutcome };
    event: IngestEvent;
  };
  previewSeeds: { req: SeedPreviewRequest; res: SeedPreview };
  importSeeds: { req: SeedImportRequest; res: SeedImportOutcome };
};
