// The database service: each thread (the page, the ingest worker, the train worker) opens the
// studio database ONCE per database name and every caller shares that connection and the one
// Store built over it. All repositories are created here, the same way, over that connection;
// nothing outside this folder sees the connection itself.
//
// Opening is a shared promise, so concurrent first callers get the same connection. When the
// connection closes (another tab or worker needs a newer schema version and we step aside, the
// browser ends it, or an owner calls close()), the service forgets it: the next openStore()
// opens a fresh one. Workers therefore ask the service per request instead of keeping a Store.
import { checkpointsRepo, evaluationsRepo, seedsRepo } from './artifacts-repo';
import { documentsRepo, segmentsRepo, sourcesRepo } from './corpus-repo';
import { openDatabase, type Db } from './db';
import { dedupChunksRepo } from './dedup-chunks-repo';
import { ingestRepo } from './ingest-repo';
import { candidatesRepo, runsRepo } from './runs-repo';
import { stagesRepo } from './stages-repo';
import { settingsRepo, storageRepo, workspacesRepo } from './workspaces-repo';

export const defaultDbName = 'humpback-studio';

/** The studio's database as repositories speaking domain verbs (see index.ts). */
export interface Store {
  workspaces: ReturnType<typeof workspacesRepo>;
  storage: ReturnType<typeof storageRepo>;
  settings: ReturnType<typeof settingsRepo>;
  sources: ReturnType<typeof sourcesRepo>;
  documents: ReturnType<typeof documentsRepo>;
  segments: ReturnType<typeof segmentsRepo>;
  /** The ingest job's verbs: one transaction per batch, corpus totals (corpusStats). */
  ingest: ReturnType<typeof ingestRepo>;
  /** The persisted dedup index chunks (a corpus/dedup-index.ts DedupChunkSource). */
  dedupChunks: ReturnType<typeof dedupChunksRepo>;
  seeds: ReturnType<typeof seedsRepo>;
  runs: ReturnType<typeof runsRepo>;
  /** Stage state and the runner's one-transaction batch commits (stages-repo.ts). */
  stages: ReturnType<typeof stagesRepo>;
  candidates: ReturnType<typeof candidatesRepo>;
  checkpoints: ReturnType<typeof checkpointsRepo>;
  evaluations: ReturnType<typeof evaluationsRepo>;
  /** The database name this store is connected to. */
  readonly name: string;
  /** Closes this thread's connection (shared by every holder); the next openStore reopens. */
  close(): void;
}

/** Open (or opening) stores of this thread, by database name. */
const open = new Map<string, Promise<Store>>();

/** The thread's store for `dbName`, opening (creating or migrating) the database on first use. */
export function openStore(dbName = defaultDbName): Promise<Store> {
  const current = open.get(dbName);
  if (current) return current;
  // `forget` runs only after the promise exists (on close or failure), never during this call.
  const store: Promise<Store> = connect(dbName, () => forget(dbName, store));
  open.set(dbName, store);
  // A failed open is not cached: the next call tries again (e.g. after the user freed space).
  store.catch(() => forget(dbName, store));
  return store;
}

function forget(dbName: string, store: Promise<Store>): void {
  if (open.get(dbName) === store) open.delete(dbName);
}

async function connect(dbName: string, forgetMe: () => void): Promise<Store> {
  const db = await openDatabase(dbName, { onClosed: forgetMe });
  return createStore(db, dbName, () => {
    forgetMe();
    db.close();
  });
}

function createStore(db: Db, name: string, close: () => void): Store {
  const settings = settingsRepo(db);
  return {
    workspaces: workspacesRepo(db),
    storage: storageRepo(settings),
    settings,
    sources: sourcesRepo(db),
    documents: documentsRepo(db),
    segments: segmentsRepo(db),
    ingest: ingestRepo(db),
    dedupChunks: dedupChunksRepo(db),
    seeds: seedsRepo(db),
    runs: runsRepo(db),
    stages: stagesRepo(db),
    candidates: candidatesRepo(db),
    checkpoints: checkpointsRepo(db),
    evaluations: evaluationsRepo(db),
    name,
    close,
  };
}
