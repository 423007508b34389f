// The corpus: source files, documents and segments (method.md §2 "Segmentation"). Segment
// reads serve the later stages: cursor pages for the virtualised browser, counts and random
// samples per drop reason for the "why was this dropped" view, lookup by normalised hash for
// exact dedup across imports, and batch iteration in key order for resumable jobs.
import { NotFoundError } from '../protocol/errors';
import type { Db } from './db';
import { pageByIndex, sampleByIndex, type Page } from './cursor';
import { approxBatchBytes, approxBytes, toPlain } from './plain';
import {
  dropReasons,
  type DocumentRecord,
  type DropReason,
  type Id,
  type SegmentBucket,
  type SegmentRecord,
  type SourceFile,
  type StoredSegment,
  type Workspace,
} from './schema';
import { writeTx } from './tx';

export type { Page } from './cursor';

/** The resume point to commit together with a batch (so a resumed import is exactly-once). */
export interface BatchProgress {
  sourceFileId: Id;
  cursor: SourceFile['cursor'];
  status?: SourceFile['status'];
}

export interface SegmentQuery {
  /** Only this bucket (a drop reason or 'kept'); every segment when unset. */
  bucket?: SegmentBucket;
  /** Resume after this segment id (from `Page.next`). */
  after?: Id;
}

export type SegmentCounts = Record<SegmentBucket, number> & { total: number };

export function toStoredSegment(segment: SegmentRecord): StoredSegment {
  return { ...segment, bucket: segment.dropReason ?? 'kept' };
}

export function fromStoredSegment(stored: StoredSegment): SegmentRecord {
  const { bucket: _bucket, ...segment } = stored;
  return segment;
}

/** Writes into a deleted workspace (a job racing its deletion) must fail, not leave orphans. */
export function requireWorkspace(workspace: Workspace | undefined, id: Id): void {
  if (!workspace) {
    throw new NotFoundError(`No workspace ${id} (deleted while writing?)`, { workspaceId: id });
  }
}

export function sourcesRepo(db: Db) {
  return {
    /** Adds or replaces source file records, all or none. */
    async putMany(files: SourceFile[]): Promise<void> {
      const plain = files.map(toPlain);
      await writeTx(db, ['sourceFiles'], approxBatchBytes(plain), (tx, requests) => {
        const store = tx.objectStore('sourceFiles');
        for (const file of plain) requests.add(store.put(file));
      });
    },
    get(id: Id): Promise<SourceFile | undefined> {
      return db.get('sourceFiles', id);
    },
    list(workspaceId: Id): Promise<SourceFile[]> {
      return db.getAllFromIndex('sourceFiles', 'byWorkspace', workspaceId);
    },
    listByImport(importId: Id): Promise<SourceFile[]> {
      return db.getAllFromIndex('sourceFiles', 'byImport', importId);
    },
    /** Changes some fields of one source file (status, cursor, error, stats). */
    async update(
      id: Id,
      patch: Partial<Omit<SourceFile, 'id' | 'workspaceId'>>,
    ): Promise<SourceFile> {
      const plain = toPlain(patch);
      return writeTx(db, ['sourceFiles'], approxBytes(plain), async (tx, requests) => {
        const store = tx.objectStore('sourceFiles');
        const file = await store.get(id);
        if (!file) throw new NotFoundError(`No source file ${id}`, { sourceFileId: id });
        const next = { ...file, ...plain };
        requests.add(store.put(next));
        return next;
      });
    },
  };
}

export function documentsRepo(db: Db) {
  return {
    get(id: Id): Promise<DocumentRecord | undefined> {
      return db.get('documents', id);
    },
    listBySourceFile(sourceFileId: Id): Promise<DocumentRecord[]> {
      return db.getAllFromIndex('documents', 'bySourceFile', sourceFileId);
    },
    count(workspaceId: Id): Promise<number> {
      return db.countFromIndex('documents', 'byWorkspace', workspaceId);
    },
  };
}

export function segmentsRepo(db: Db) {
  const repo = {
    /**
     * Writes documents and their segments in one transaction, stamped with `workspaceId`;
     * with `progress`, the source file's resume point moves in the same transaction. On any
     * error nothing is written. Records are copied with toPlain ($state proxies are fine).
     */
    async putBatch(
      workspaceId: Id,
      documents: DocumentRecord[],
      segments: SegmentRecord[],
      progress?: BatchProgress,
    ): Promise<void> {
      const docs = documents.map((d) => ({ ...toPlain(d), workspaceId }));
      const stored = segments.map((s) => toStoredSegment({ ...toPlain(s), workspaceId }));
      const needed = approxBatchBytes(docs) + approxBatchBytes(stored);
      const stores = ['workspaces', 'documents', 'segments', 'sourceFiles'] as const;
      await writeTx(db, [...stores], needed, async (tx, requests) => {
        requireWorkspace(await tx.objectStore('workspaces').get(workspaceId), workspaceId);
        const file = progress && (await tx.objectStore('sourceFiles').get(progress.sourceFileId));
        if (progress && !file) {
          throw new NotFoundError(`No source file ${progress.sourceFileId}`, {
            sourceFileId: progress.sourceFileId,
          });
        }
        const documentStore = tx.objectStore('documents');
        for (const doc of docs) requests.add(documentStore.put(doc));
        const segmentStore = tx.objectStore('segments');
        for (const segment of stored) requests.add(segmentStore.put(segment));
        if (progress && file) {
          const { cursor, status } = toPlain(progress);
          requests.add(
            tx.objectStore('sourceFiles').put({ ...file, cursor, status: status ?? file.status }),
          );
        }
      });
    },

    async get(id: Id): Promise<SegmentRecord | undefined> {
      const stored = await db.get('segments', id);
      return stored && fromStoredSegment(stored);
    },

    /** Segments by id, in the order asked; missing ids are left out. */
    async getMany(ids: Id[]): Promise<SegmentRecord[]> {
      const tx = db.transaction('segments');
      const found = await Promise.all(ids.map((id) => tx.store.get(id)));
      await tx.done;
      return found.filter((s): s is StoredSegment => s !== undefined).map(fromStoredSegment);
    },

    /** One page of a workspace's segments in key (= write) order, optionally one bucket only. */
    async page(
      workspaceId: Id,
      limit: number,
      query: SegmentQuery = {},
    ): Promise<Page<SegmentRecord>> {
      const tx = db.transaction('segments');
      const page = query.bucket
        ? await pageByIndex(
            tx.store.index('byWorkspaceReason'),
            [workspaceId, query.bucket],
            query.after,
            limit,
          )
        : await pageByIndex(tx.store.index('byWorkspace'), workspaceId, query.after, limit);
      await tx.done;
      return { items: page.items.map(fromStoredSegment), next: page.next };
    },

    /**
     * Every matching segment in key order, `batchSize` at a time, each batch read in its own
     * transaction (so callers may await model calls between batches). Resume with `after`.
     */
    async *iterate(
      workspaceId: Id,
      query: SegmentQuery & { batchSize?: number } = {},
    ): AsyncGenerator<SegmentRecord[]> {
      let after = query.after;
      for (;;) {
        const page = await repo.page(workspaceId, query.batchSize ?? 256, {
          bucket: query.bucket,
          after,
        });
        if (page.items.length) yield page.items;
        if (!page.next) return;
        after = page.next;
      }
    },

    /** Stored segments per bucket (drop reason or 'kept') and in total. */
    async counts(workspaceId: Id): Promise<SegmentCounts> {
      const tx = db.transaction('segments');
      const index = tx.store.index('byWorkspaceReason');
      const buckets: SegmentBucket[] = ['kept', ...dropReasons];
      const values = await Promise.all(
        buckets.map((b) => index.count(IDBKeyRange.only([workspaceId, b]))),
      );
      await tx.done;
      const counts = { total: 0 } as SegmentCounts;
      buckets.forEach((bucket, i) => {
        counts[bucket] = values[i];
        counts.total += values[i];
      });
      return counts;
    },

    /** Up to `n` segments of one bucket, drawn uniformly at random. */
    async sample(workspaceId: Id, bucket: SegmentBucket, n: number): Promise<SegmentRecord[]> {
      const tx = db.transaction('segments');
      const picked = await sampleByIndex(
        tx.store.index('byWorkspaceReason'),
        [workspaceId, bucket],
        n,
      );
      await tx.done;
      return picked.map(fromStoredSegment);
    },

    /** A stored segment with this normalised-text hash in the workspace (exact dedup). */
    async findByHash(workspaceId: Id, hash: string): Promise<SegmentRecord | undefined> {
      const stored = await db.getFromIndex('segments', 'byWorkspaceHash', [workspaceId, hash]);
      return stored && fromStoredSegment(stored);
    },

    /** Which of `hashes` already exist in the workspace, mapped to a segment id having it. */
    async findHashes(workspaceId: Id, hashes: Iterable<string>): Promise<Map<string, Id>> {
      const tx = db.transaction('segments');
      const index = tx.store.index('byWorkspaceHash');
      const unique = [...new Set(hashes)];
      const keys = await Promise.all(unique.map((h) => index.getKey([workspaceId, h])));
      await tx.done;
      const found = new Map<string, Id>();
      unique.forEach((hash, i) => {
        const key = keys[i];
        if (key !== undefined) found.set(hash, key);
      });
      return found;
    },

    /** Sets or clears the drop reason of many segments (e.g. a near-dedup pass), all or none. */
    async setDropReasons(updates: { id: Id; dropReason?: DropReason }[]): Promise<void> {
      await writeTx(db, ['segments'], updates.length * 64, async (tx, requests) => {
        const store = tx.objectStore('segments');
        const current = await Promise.all(updates.map((u) => store.get(u.id)));
        updates.forEach((update, i) => {
          const stored = current[i];
          if (!stored) throw new NotFoundError(`No segment ${update.id}`, { segmentId: update.id });
          const { dropReason: _old, ...rest } = fromStoredSegment(stored);
          const next: SegmentRecord = update.dropReason
            ? { ...rest, dropReason: update.dropReason }
            : rest;
          requests.add(store.put(toStoredSegment(next)));
        });
      });
    },
  };
  return repo;
}
