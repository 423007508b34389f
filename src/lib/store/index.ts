// The store: one IndexedDB database behind repositories that speak domain verbs
// (`segments.putBatch`, `candidates.setScores`, `runs.updateStage`), never transactions. Each
// write verb is one transaction, all or nothing; storage-full failures surface as our
// QuotaExceededError. Callers may pass Svelte $state objects: every record is copied to plain
// data at this boundary (plain.ts). Only this folder imports idb (ESLint enforces it).
import { openDatabase, type Db } from './db';
import { checkpointsRepo, evaluationsRepo, seedsRepo } from './artifacts-repo';
import { documentsRepo, segmentsRepo, sourcesRepo } from './corpus-repo';
import { candidatesRepo, runsRepo } from './runs-repo';
import { stagesRepo } from './stages-repo';
import { settingsRepo, storageRepo, workspacesRepo } from './workspaces-repo';

export type { WorkspaceUsage, StorageEstimate, PersistenceDecision } from './workspaces-repo';
export type { BatchProgress, Page, SegmentCounts, SegmentQuery } from './corpus-repo';
export type { NewRun, ScoreUpdate } from './runs-repo';
export type { StageBatch, StageFailure, StageWrites } from './stages-repo';
export type { CheckpointInfo, NewCheckpoint, NewEvaluation, NewSeed } from './artifacts-repo';
export type * from './schema';
export { approxBytes, approxBatchBytes, toPlain } from './plain';
export { DB_VERSION } from './db';

export interface Store {
  workspaces: ReturnType<typeof workspacesRepo>;
  storage: ReturnType<typeof storageRepo>;
  settings: ReturnType<typeof settingsRepo>;
  sources: ReturnType<typeof sourcesRepo>;
  documents: ReturnType<typeof documentsRepo>;
  segments: ReturnType<typeof segmentsRepo>;
  seeds: ReturnType<typeof seedsRepo>;
  runs: ReturnType<typeof runsRepo>;
  /** Stage state and the runner's one-transaction batch commits (stages-repo.ts). */
  stages: ReturnType<typeof stagesRepo>;
  candidates: ReturnType<typeof candidatesRepo>;
  checkpoints: ReturnType<typeof checkpointsRepo>;
  evaluations: ReturnType<typeof evaluationsRepo>;
  /** The open database, for repositories inside src/lib/store only (e.g. ingest-repo.ts). */
  readonly db: Db;
  close(): void;
}

/** Opens (creating or migrating) the studio's database. One per thread is enough. */
export async function openStore(dbName = 'humpback-studio'): Promise<Store> {
  const db = await openDatabase(dbName);
  const settings = settingsRepo(db);
  return {
    workspaces: workspacesRepo(db),
    storage: storageRepo(settings),
    settings,
    sources: sourcesRepo(db),
    documents: documentsRepo(db),
    segments: segmentsRepo(db),
    seeds: seedsRepo(db),
    runs: runsRepo(db),
    stages: stagesRepo(db),
    candidates: candidatesRepo(db),
    checkpoints: checkpointsRepo(db),
    evaluations: evaluationsRepo(db),
    db,
    close: () => db.close(),
  };
}
