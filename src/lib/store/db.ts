// Opening the one IndexedDB database and migrating it. Migrations are numbered steps: step N
// takes a database at version N-1 to version N, and `upgrade` runs every step between the
// version on disk and DB_VERSION in order. To add an object store (e.g. dedup state), append a
// step to `migrations` and, if the store belongs to a workspace, give it a `byWorkspace` index
// and list it in `workspaceStores` — a unit test checks that list against the schema.
import {
  openDB,
  unwrap,
  type IDBPDatabase,
  type IDBPTransaction,
  type IndexNames,
  type StoreNames,
} from 'idb';
import { UnsupportedBrowserError } from '../protocol/errors';
import type { HumpbackDB, SegmentPage, StoredSegment } from './schema';
import { migrateCandidate, type LegacyCandidate } from './candidate-keys';
import { packLegacyDocuments } from './document-pages';

export type Db = IDBPDatabase<HumpbackDB>;
export type StoreName = StoreNames<HumpbackDB>;
type UpgradeTx = IDBPTransaction<HumpbackDB, StoreName[], 'versionchange'>;
type Migration = (db: Db, tx: UpgradeTx) => void;

/** Stores whose records carry `workspaceId` (all of them have a `byWorkspace` index). */
export type WorkspaceStoreName = {
  [K in StoreName]: 'byWorkspace' extends IndexNames<HumpbackDB, K> ? K : never;
}[StoreName];

/** Every workspace-scoped store: deleting or measuring a workspace walks exactly these. */
export const workspaceStores = [
  'sourceFiles',
  'documents',
  'segments',
  'segmentPages',
  'seeds',
  'runs',
  'candidates',
  'checkpoints',
  'evaluations',
  'corpusStats',
  'dedupChunks',
  'promptSets',
  'evalAnswers',
  'sweeps',
] as const satisfies readonly WorkspaceStoreName[];

/** Stores whose records may carry `runId` (all have a `byRun` index); deleting a run walks these. */
export const runStores = [
  'candidates',
  'checkpoints',
  'evaluations',
  'evalAnswers',
  'sweeps',
] as const;

const migrations: Migration[] = [
  // 1: the initial schema.
  (db) => {
    const workspaces = db.createObjectStore('workspaces', { keyPath: 'id' });
    workspaces.createIndex('byName', 'name');

    const sourceFiles = db.createObjectStore('sourceFiles', { keyPath: 'id' });
    sourceFiles.createIndex('byWorkspace', 'workspaceId');
    sourceFiles.createIndex('byImport', 'importId');

    const documents = db.createObjectStore('documents', { keyPath: 'id' });
    documents.createIndex('byWorkspace', 'workspaceId');
    documents.createIndex('bySourceFile', 'sourceFileId');

    const segments = db.createObjectStore('segments', { keyPath: 'id' });
    segments.createIndex('byWorkspace', 'workspaceId');
    segments.createIndex('bySourceFile', 'sourceFileId');
    segments.createIndex('byWorkspaceHash', ['workspaceId', 'hash']);
    segments.createIndex('byWorkspaceReason', ['workspaceId', 'bucket']);

    const seeds = db.createObjectStore('seeds', { keyPath: 'id' });
    seeds.createIndex('byWorkspace', 'workspaceId');

    const runs = db.createObjectStore('runs', { keyPath: 'id' });
    runs.createIndex('byWorkspace', 'workspaceId');

    const candidates = db.createObjectStore('candidates', { keyPath: 'id' });
    candidates.createIndex('byWorkspace', 'workspaceId');
    candidates.createIndex('byRun', 'runId');
    candidates.createIndex('byRunSegment', ['runId', 'segmentId']);

    const checkpoints = db.createObjectStore('checkpoints', { keyPath: 'id' });
    checkpoints.createIndex('byWorkspace', 'workspaceId');
    checkpoints.createIndex('byRun', 'runId');

    const evaluations = db.createObjectStore('evaluations', { keyPath: 'id' });
    evaluations.createIndex('byWorkspace', 'workspaceId');
    evaluations.createIndex('byRun', 'runId');

    db.createObjectStore('settings');
  },
  // 2: ingestion (pipeline/ingest.ts): corpus totals and the persisted dedup index (first
  // layout: one record per segment; replaced in step 3, so it is created untyped here).
  (db) => {
    const stats = db.createObjectStore('corpusStats', { keyPath: 'workspaceId' });
    stats.createIndex('byWorkspace', 'workspaceId');
    const signatures = untyped(db).createObjectStore('dedupSignatures', { keyPath: 'segmentId' });
    signatures.createIndex('byWorkspace', 'workspaceId');
    signatures.createIndex('byKey', 'keys', { multiEntry: true });
  },
  // 3: the dedup index as one chunk per ingest batch (one put per batch, not per segment).
  // Step 2's per-segment store only ever held development data: dropped, not converted.
  (db) => {
    untyped(db).deleteObjectStore('dedupSignatures');
    // Untyped since step 4 removed `byKey` from the schema (same stores and indexes as before).
    const chunks = untyped(db).createObjectStore('dedupChunks', { keyPath: 'id' });
    chunks.createIndex('byWorkspace', 'workspaceId');
    chunks.createIndex('byKey', 'keys', { multiEntry: true });
  },
  // 4: ingest write cost. The dedup index moves to memory during a job (corpus/dedup-index.ts):
  // the multiEntry key index, ~21 B-tree inserts per kept segment, dominated commits; step-3
  // chunks stay and are still read. Kept segments of a batch go into one `segmentPages` record
  // (store/segment-pages.ts); existing per-segment records stay where they are and are read too.
  (db, tx) => {
    untypedStore(tx, 'dedupChunks').deleteIndex('byKey');
    const pages = db.createObjectStore('segmentPages', { keyPath: 'id' });
    pages.createIndex('byWorkspace', 'workspaceId');
    pages.createIndex('byWorkspaceSize', ['workspaceId', 'n']);
    pages.createIndex('byHashKey', 'hashKeys', { multiEntry: true });
  },
  // 5: counting a workspace's adapters (step status, storage totals) from the index alone:
  // listing checkpoints reads each record whole, adapter and optimizer bytes included.
  // (Migration tests build partial older databases; one without the store has nothing to index.)
  (db, tx) => {
    if (!db.objectStoreNames.contains('checkpoints')) return;
    tx.objectStore('checkpoints').createIndex('byWorkspaceKind', ['workspaceId', 'kind']);
  },
  // 6: candidates keep every rating (issue 10): passage, provenance, raw and cleaned
  // instruction, filter reason and `ratings[]`. Old-shape candidates (one flat verdict) are
  // rewritten in place (candidate-keys.ts migrateCandidate); two indexes answer "usable
  // candidates" and "rated s by iteration t in mode m" from keys alone.
  (db, tx) => {
    if (!db.objectStoreNames.contains('candidates')) return;
    const candidates = tx.objectStore('candidates');
    candidates.createIndex('byRunFilter', ['runId', 'filter']);
    candidates.createIndex('byRating', 'ratingKeys', { multiEntry: true });
    void rewriteLegacyCandidates(db, tx);
  },
  // 7: pairwise evaluation (issue 12): prompt sets per workspace, and one record per prompt of
  // an evaluation with both answers and the judge's verdicts in both orders (eval-repo.ts),
  // written by the evaluate stage's batch commits. New stores only: nothing to convert.
  (db) => {
    const sets = db.createObjectStore('promptSets', { keyPath: 'id' });
    sets.createIndex('byWorkspace', 'workspaceId');
    const answers = db.createObjectStore('evalAnswers', { keyPath: 'id' });
    answers.createIndex('byWorkspace', 'workspaceId');
    answers.createIndex('byRun', 'runId');
    answers.createIndex('byEvaluation', 'evaluationId');
  },
  // 8: the data-scaling sweep (issue 12 item 3): one record per sweep with its plan and arms
  // (sweeps-repo.ts), in the run whose candidates it samples. A new store: nothing to convert.
  (db) => {
    const sweeps = db.createObjectStore('sweeps', { keyPath: 'id' });
    sweeps.createIndex('byWorkspace', 'workspaceId');
    sweeps.createIndex('byRun', 'runId');
  },
  // 9: documents as pages (issue 14 item 1): one `documents` record per ingest batch, like
  // kept segments since step 4 (document-pages.ts). The store keeps its name and key path and
  // is re-keyed in place: `bySourceFile` moves to the pages' `sourceFileIds`, and existing
  // one-per-document records are packed into pages (their ids, which segments and candidates
  // hold, stay readable via `byLegacyId`).
  (db, tx) => {
    if (!db.objectStoreNames.contains('documents')) return;
    const documents = tx.objectStore('documents');
    documents.deleteIndex('bySourceFile');
    documents.createIndex('bySourceFile', 'sourceFileIds', { multiEntry: true });
    documents.createIndex('byWorkspaceSize', ['workspaceId', 'n']);
    documents.createIndex('byLegacyId', 'legacyIds', { multiEntry: true });
    void packLegacyDocuments(tx);
  },
];

/**
 * Step 6's rewrite, inside the versionchange transaction (which stays open while requests are
 * pending; an error here aborts the upgrade, leaving the old database as it was).
 */
async function rewriteLegacyCandidates(db: Db, tx: UpgradeTx): Promise<void> {
  const now = Date.now();
  const raw = unwrap(tx);
  const segments = db.objectStoreNames.contains('segments') ? raw.objectStore('segments') : null;
  const pages = db.objectStoreNames.contains('segmentPages')
    ? raw.objectStore('segmentPages')
    : null;
  const get = <T>(store: IDBObjectStore | null, key: string) =>
    store
      ? (tx.objectStore(store.name as StoreName).get(key) as Promise<T | undefined>)
      : undefined;
  let cursor = await tx.objectStore('candidates').openCursor();
  while (cursor) {
    const value = cursor.value as unknown as LegacyCandidate & { ratings?: unknown };
    if (!Array.isArray(value.ratings)) {
      let segment: { text: string; documentId: string; headerPath: string[] } | undefined =
        await get<StoredSegment>(segments, value.segmentId);
      if (!segment) {
        // Kept segments live in page records whose id is the segment id up to its last dot.
        const pageId = value.segmentId.slice(0, value.segmentId.lastIndexOf('.'));
        const page = pageId ? await get<SegmentPage>(pages, pageId) : undefined;
        segment = page?.segments.find((s) => s.id === value.segmentId);
      }
      await cursor.update(migrateCandidate(value, segment, now));
    }
    cursor = await cursor.continue();
  }
}

/** For steps that touch stores the current schema no longer has. */
function untyped(db: Db): IDBDatabase {
  return unwrap(db);
}

function untypedStore(tx: UpgradeTx, name: string): IDBObjectStore {
  return unwrap(tx).objectStore(name);
}

/** The schema version this code writes: one per migration step. */
export const DB_VERSION = migrations.length;

/**
 * Runs migration steps oldVersion+1 … target (DB_VERSION) inside the versionchange transaction.
 * Tests pass an older target to make a database as an earlier release left it.
 */
export function upgrade(db: Db, oldVersion: number, tx: UpgradeTx, target = DB_VERSION): void {
  for (let version = oldVersion + 1; version <= target; version++) {
    migrations[version - 1](db, tx);
  }
}

/** What a connection's owner (service.ts) hears about its end. */
export interface ConnectionEvents {
  /** The connection closed: another tab or worker wants a newer version, or the browser ended it. */
  onClosed?: () => void;
}

export async function openDatabase(name: string, events: ConnectionEvents = {}): Promise<Db> {
  if (typeof indexedDB === 'undefined') {
    throw new UnsupportedBrowserError('This browser has no IndexedDB, which the studio needs.');
  }
  const db = await openDB<HumpbackDB>(name, DB_VERSION, {
    upgrade: (database, oldVersion, _newVersion, tx) => upgrade(database, oldVersion, tx),
    // Another tab or worker wants a newer version: let it upgrade instead of blocking it.
    blocking: () => {
      db.close();
      events.onClosed?.();
    },
    // The browser closed the connection (storage cleared, disk error).
    terminated: () => events.onClosed?.(),
  });
  return db;
}
