// The store: one IndexedDB database behind repositories that speak domain verbs
// (`ingest.commitIngestBatch`, `candidates.addRatings`, `runs.updateStage`), never transactions. Each
// write verb is one transaction, all or nothing; storage-full failures surface as our
// QuotaExceededError. Callers may pass Svelte $state objects: every record is copied to plain
// data at this boundary (plain.ts). Only this folder imports idb (ESLint enforces it), and one
// service (service.ts) owns the connection of each thread.
export { openStore, defaultDbName, type Store } from './service';
export type { WorkspaceUsage, StorageEstimate, PersistenceDecision } from './workspaces-repo';
export type { Page, SegmentCounts, SegmentQuery } from './corpus-repo';
export type { NewRun, RatingUpdate } from './runs-repo';
export type { StageBatch, StageFailure, StageWrites } from './stages-repo';
export type { CheckpointInfo, NewCheckpoint, NewEvaluation, NewSeed } from './artifacts-repo';
export type { FileUpdate, IngestBatch, IngestRepo, PendingDedup } from './ingest-repo';
export type { NewPromptSet } from './eval-repo';
export { evalAnswerId } from './eval-repo';
export { approxBytes, approxBatchBytes, toPlain } from './plain';
export { DB_VERSION } from './db';
