// The database service: each thread (the page, the ingest worker, the train worker) opens the
// studio database ONCE per database name, and every caller shares that connection through one
// Store. All repositories are created here, the same way, over that connection; nothing
// outside this folder sees the connection itself.
//
// Opening is a shared promise, so concurrent first callers get the same connection. When the
// connection closes (another tab or worker needs a newer schema version and we step aside, the
// browser ends it, or close() is called), the service forgets it, and the next repository call
// opens a fresh one: the Store a caller holds stays valid (its verbs look up the live
// connection each time), so a long-lived holder like the page's Studio needs no reload logic.
import { checkpointsRepo, evaluationsRepo, seedsRepo } from './artifacts-repo';
import { documentsRepo, segmentsRepo, sourcesRepo } from './corpus-repo';
import { AppError } from '../protocol/errors';
import { openDatabase, type Db } from './db';
import { dedupChunksRepo } from './dedup-chunks-repo';
import { ingestRepo } from './ingest-repo';
import { candidatesRepo } from './candidates-repo';
import { evalAnswersRepo, promptSetsRepo } from './eval-repo';
import { runsRepo } from './runs-repo';
import { sweepsRepo } from './sweeps-repo';
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
  /** Prompt sets for pairwise evaluation (step 7). */
  promptSets: ReturnType<typeof promptSetsRepo>;
  /** A pairwise evaluation's answers and verdicts, written by its stage's commits. */
  evalAnswers: ReturnType<typeof evalAnswersRepo>;
  /** Data-scaling sweeps: plan and arms (step 8). */
  sweeps: ReturnType<typeof sweepsRepo>;
  /** The database name this store is connected to. */
  readonly name: string;
  /** Closes this thread's connection (shared by every holder); the next call reopens it. */
  close(): void;
}

type Repositories = Omit<Store, 'name' | 'close'>;

interface Connection {
  db: Db;
  repos: Repositories;
}

/** Live (or opening) connections of this thread, with their repositories, by database name. */
const connections = new Map<string, Promise<Connection>>();
/** The Store handed out per database name: stable across reconnects. */
const stores = new Map<string, Store>();

/** The thread's store for `dbName`, opening (creating or migrating) the database on first use. */
export async function openStore(dbName = defaultDbName): Promise<Store> {
  const live = await connection(dbName);
  let store = stores.get(dbName);
  if (!store) {
    store = reconnectingStore(dbName, live.repos);
    stores.set(dbName, store);
  }
  return store;
}

/** The live connection, opening one if there is none. */
function connection(dbName: string): Promise<Connection> {
  const current = connections.get(dbName);
  if (current) return current;
  // `forget` runs only after the promise exists (on close or failure), never during this call.
  const opening: Promise<Connection> = connect(dbName, () => forget(dbName, opening));
  connections.set(dbName, opening);
  // A failed open is not cached: the next call tries again (e.g. after the user freed space).
  opening.catch(() => forget(dbName, opening));
  return opening;
}

function forget(dbName: string, opening: Promise<Connection>): void {
  if (connections.get(dbName) === opening) connections.delete(dbName);
}

async function connect(dbName: string, onClosed: () => void): Promise<Connection> {
  try {
    const db = await openDatabase(dbName, { onClosed });
    return { db, repos: repositories(db) };
  } catch (err) {
    // The database on disk is newer than this page's code: another tab runs a newer version.
    if ((err as { name?: unknown } | null)?.name === 'VersionError') {
      throw new AppError(
        'A newer version of the studio has upgraded its data in another tab: reload this page.',
        { cause: err },
      );
    }
    throw err;
  }
}

function repositories(db: Db): Repositories {
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
    promptSets: promptSetsRepo(db),
    evalAnswers: evalAnswersRepo(db),
    sweeps: sweepsRepo(db),
  };
}

/** The Store of a database name: every verb runs on the connection that is live when called. */
function reconnectingStore(name: string, first: Repositories): Store {
  const via = <K extends keyof Repositories>(repo: K) =>
    reconnecting(first[repo], async () => (await connection(name)).repos[repo]);
  return {
    workspaces: via('workspaces'),
    storage: via('storage'),
    settings: via('settings'),
    sources: via('sources'),
    documents: via('documents'),
    segments: via('segments'),
    ingest: via('ingest'),
    dedupChunks: via('dedupChunks'),
    seeds: via('seeds'),
    runs: via('runs'),
    stages: via('stages'),
    candidates: via('candidates'),
    checkpoints: via('checkpoints'),
    evaluations: via('evaluations'),
    promptSets: via('promptSets'),
    evalAnswers: via('evalAnswers'),
    sweeps: via('sweeps'),
    name,
    close: () => {
      const current = connections.get(name);
      if (!current) return;
      forget(name, current);
      void current.then(
        ({ db }) => db.close(),
        () => undefined,
      );
    },
  };
}

/**
 * A repository whose verbs look up the live repository on each call (a plain object, so tests
 * and benchmarks can wrap a verb). Every verb returns a promise or is an async generator
 * (segments.iterate), so waiting for the connection first changes no signature.
 */
function reconnecting<R extends object>(first: R, live: () => Promise<R>): R {
  const out: R = Object.create(Object.prototype);
  const call = async (verb: string, args: unknown[]) => {
    const repo = await live();
    const method: unknown = Reflect.get(repo, verb);
    if (typeof method !== 'function') throw new Error(`store: no verb ${verb}`);
    return method.apply(repo, args);
  };
  for (const [verb, fn] of Object.entries(first)) {
    if (typeof fn !== 'function') continue;
    const generator = Object.prototype.toString.call(fn) === '[object AsyncGeneratorFunction]';
    Reflect.set(
      out,
      verb,
      generator
        ? async function* (...args: unknown[]) {
            yield* await call(verb, args);
          }
        : (...args: unknown[]) => call(verb, args),
    );
  }
  return out;
}
