// What an ingest job reports (method.md §2 "Data"): running counts and per-file events. The
// Data step shows them, the store adds them to the corpus totals, the pipeline produces them.
import type { DocumentFormat, DropReason, Id, SourceFile } from './corpus';

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

export interface IngestResult {
  importId: Id | null;
  files: { id: Id; name: string; status: SourceFile['status']; error?: string }[];
  counts: IngestCounts;
}
