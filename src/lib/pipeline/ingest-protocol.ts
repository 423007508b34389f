// Wire schema of workers/ingest.worker.ts (one entry per method: req, res, streamed event).
// Progress travels as Progress {kind: 'ingest', phase: 'read', unit: 'bytes'}; counts stream
// as events so the Data step can update its per-reason table while the job runs.
import type { SegmentOptions } from '../corpus/types';
import type {
  Id,
  IngestResult,
  IngestEvent,
  ReaderChoice,
  SeedFieldMapping,
  SeedImportOutcome,
  SeedPreview,
} from '../domain';

// The payload types live in the domain module (the Data step and the store read them too).
export { emptyCounts } from '../domain';
export type {
  IngestCounts,
  IngestEvent,
  IngestResult,
  ReaderChoice,
  SeedFieldMapping,
  SeedImportOutcome,
  SeedLineError,
  SeedPreview,
} from '../domain';

export interface IngestRequest {
  workspaceId: Id;
  /** Files from a drop or picker; `path` is the folder-relative name (webkitRelativePath). */
  files: { file: File; path?: string }[];
  reader?: ReaderChoice;
  segment?: Partial<SegmentOptions>;
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

export interface SeedPreviewRequest {
  file: File;
  mapping?: SeedFieldMapping;
  /** Leave out pairs repeating an earlier pair of the file (default true). */
  skipDuplicates?: boolean;
}

export interface SeedImportRequest {
  workspaceId: Id;
  file: File;
  mapping?: SeedFieldMapping;
  skipDuplicates?: boolean;
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
