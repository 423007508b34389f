// The corpus: source files, documents and segments (method.md §2 "Segmentation"). Segment
// reads serve the later stages: cursor pages for the virtualised browser, counts and random
// samples per drop reason for the "why was this dropped" view, lookup by normalised hash for
// exact dedup across imports, and batch iteration in key order for resumable jobs.
import { NotFoundError } from '../protocol/errors';
import type { Db } from './db';
import { choosePositions, pageByIndex, sampleByIndex, type Page } from './cursor';
import {
  dropReasons,
  type DocumentRecord,
  type Id,
  type SegmentBucket,
  type SegmentRecord,
  type SourceFile,
  type Workspace,
} from '../domain';
import type { StoredSegment } from './schema';
import { pageOfDocument } from './document-pages';
import { getPaged, hashKeyOf, pageOfSegment, pagedAfter, pageSizes } from './segment-pages';

export type { Page } from './cursor';

export interface SegmentQuery {
  /** Only this bucket (a drop reason or 'kept'); every segment when unset. */
  bucket?: SegmentBucket;
  /** Resume after this segment id (from `Page.next`). */
  after?: Id;
}

export type SegmentCounts = Record<SegmentBucket, number> & { total: number };

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
    get(id: Id): Promise<SourceFile | undefined> {
      return db.get('sourceFiles', id);
    },
    list(workspaceId: Id): Promise<SourceFile[]> {
      return db.getAllFromIndex('sourceFiles', 'byWorkspace', workspaceId);
    },
    listByImport(importId: Id): Promise<SourceFile[]> {
      return db.getAllFromIndex('sourceFiles', 'byImport', importId);
    },
  };
}

/** Documents by id, by source file, and counted per workspace; stored as pages (document-pages.ts). */
export function documentsRepo(db: Db) {
  return {
    async get(id: Id): Promise<DocumentRecord | undefined> {
      const pageId = pageOfDocument(id);
      const page = pageId
        ? await db.get('documents', pageId)
        : await db.getFromIndex('documents', 'byLegacyId', id);
      return page?.documents.find((d) => d.id === id);
    },

    /** A source file's documents in write order (pages by id, then their sequence). */
    async listBySourceFile(sourceFileId: Id): Promise<DocumentRecord[]> {
      const pages = await db.getAllFromIndex('documents', 'bySourceFile', sourceFileId);
      return pages.flatMap((p) => p.documents.filter((d) => d.sourceFileId === sourceFileId));
    },

    /** Documents of a workspace, from index keys only (no page values read). */
    async count(workspaceId: Id): Promise<number> {
      const index = db.transaction('documents').store.index('byWorkspaceSize');
      let cursor = await index.openKeyCursor(
        IDBKeyRange.bound([workspaceId, 0], [workspaceId, Infinity]),
      );
      let n = 0;
      while (cursor) {
        n += cursor.key[1];
        cursor = await cursor.continue();
      }
      return n;
    },
  };
}

/**
 * Segments are read from two stores. Ingestion writes kept segments as pages (segment-pages.ts)
 * and capped samples of dropped ones one record each in `segments`. Versions before schema step
 * 4 also wrote KEPT segments one record each; those records stay on users' disks (no migration
 * rewrites them), so every read here merges both stores. No code writes kept records there now.
 */
export function segmentsRepo(db: Db) {
  const repo = {
    async get(id: Id): Promise<SegmentRecord | undefined> {
      const stored = await db.get('segments', id);
      if (stored) return fromStoredSegment(stored);
      return pageOfSegment(id) ? (await getPaged(db, [id])).get(id) : undefined;
    },

    /** Segments by id, in the order asked; missing ids are left out. */
    async getMany(ids: Id[]): Promise<SegmentRecord[]> {
      const tx = db.transaction(['segments', 'segmentPages']);
      const store = tx.objectStore('segments');
      const found = await Promise.all(ids.map((id) => store.get(id)));
      const paged = await getPaged(
        tx,
        ids.filter((_, i) => !found[i]),
      );
      await tx.done;
      return ids
        .map((id, i) => (found[i] ? fromStoredSegment(found[i]) : paged.get(id)))
        .filter((s): s is SegmentRecord => s !== undefined);
    },

    /** One page of a workspace's segments in key (= write) order, optionally one bucket only. */
    async page(
      workspaceId: Id,
      limit: number,
      query: SegmentQuery = {},
    ): Promise<Page<SegmentRecord>> {
      const tx = db.transaction(['segments', 'segmentPages']);
      const store = tx.objectStore('segments');
      const single = query.bucket
        ? await pageByIndex(
            store.index('byWorkspaceReason'),
            [workspaceId, query.bucket],
            query.after,
            limit,
          )
        : await pageByIndex(store.index('byWorkspace'), workspaceId, query.after, limit);
      // Paged segments are all kept: merge them in id (= write) order.
      const paged =
        !query.bucket || query.bucket === 'kept'
          ? await pagedAfter(tx, workspaceId, query.after, limit)
          : { items: [], more: false };
      await tx.done;
      const merged = [...single.items.map(fromStoredSegment), ...paged.items].sort((a, b) =>
        a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      );
      const items = merged.slice(0, limit);
      const more = merged.length > limit || single.next !== undefined || paged.more;
      return { items, next: more && items.length ? items[items.length - 1].id : undefined };
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
      const tx = db.transaction(['segments', 'segmentPages']);
      const index = tx.objectStore('segments').index('byWorkspaceReason');
      const buckets: SegmentBucket[] = ['kept', ...dropReasons];
      const values = await Promise.all(
        buckets.map((b) => index.count(IDBKeyRange.only([workspaceId, b]))),
      );
      for (const page of await pageSizes(tx, workspaceId)) values[0] += page.n;
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
      const tx = db.transaction(['segments', 'segmentPages']);
      const index = tx.objectStore('segments').index('byWorkspaceReason');
      if (bucket !== 'kept') {
        const picked = await sampleByIndex(index, [workspaceId, bucket], n);
        await tx.done;
        return picked.map(fromStoredSegment);
      }
      // Uniform over both stores: positions below `single` are per-segment records.
      const single = await index.count(IDBKeyRange.only([workspaceId, 'kept']));
      const pages = await pageSizes(tx, workspaceId);
      const total = pages.reduce((sum, p) => sum + p.n, single);
      const positions = choosePositions(total, n, Math.random);
      const picked: SegmentRecord[] = [];
      let cursor = single ? await index.openCursor(IDBKeyRange.only([workspaceId, 'kept'])) : null;
      let at = 0;
      for (const position of positions.filter((p) => p < single)) {
        if (position > at && cursor) cursor = await cursor.advance(position - at);
        if (!cursor) break;
        at = position;
        picked.push(fromStoredSegment(cursor.value));
      }
      let offset = single;
      const pageStore = tx.objectStore('segmentPages');
      let rest = positions.filter((p) => p >= single);
      for (const page of pages) {
        const inPage = rest.filter((p) => p < offset + page.n);
        if (inPage.length) {
          const record = await pageStore.get(page.id);
          for (const p of inPage) if (record) picked.push(record.segments[p - offset]);
          rest = rest.slice(inPage.length);
        }
        offset += page.n;
        if (!rest.length) break;
      }
      await tx.done;
      return picked;
    },

    /** A stored segment with this normalised-text hash in the workspace (exact dedup). */
    async findByHash(workspaceId: Id, hash: string): Promise<SegmentRecord | undefined> {
      const stored = await db.getFromIndex('segments', 'byWorkspaceHash', [workspaceId, hash]);
      if (stored) return fromStoredSegment(stored);
      const page = await db.getFromIndex('segmentPages', 'byHashKey', hashKeyOf(workspaceId, hash));
      return page?.segments.find((s) => s.hash === hash);
    },

    /** Which of `hashes` already exist in the workspace, mapped to a segment id having it. */
    async findHashes(workspaceId: Id, hashes: Iterable<string>): Promise<Map<string, Id>> {
      const tx = db.transaction(['segments', 'segmentPages']);
      const index = tx.objectStore('segments').index('byWorkspaceHash');
      const unique = [...new Set(hashes)];
      const keys = await Promise.all(unique.map((h) => index.getKey([workspaceId, h])));
      const found = new Map<string, Id>();
      const pageIndex = tx.objectStore('segmentPages').index('byHashKey');
      for (const [i, hash] of unique.entries()) {
        const key = keys[i];
        if (key !== undefined) {
          found.set(hash, key);
          continue;
        }
        const page = await pageIndex.get(hashKeyOf(workspaceId, hash));
        const segment = page?.segments.find((s) => s.hash === hash);
        if (segment) found.set(hash, segment.id);
      }
      await tx.done;
      return found;
    },

    /**
     * Kept segments of a workspace, the unlabelled data the method reads (cheap: one get).
     * It is the corpus totals' `kept`, updated in each ingest batch's own transaction, which
     * counts every kept segment ingestion ever wrote, paged or (before step 4) one per record.
     */
    async keptCount(workspaceId: Id): Promise<number> {
      return (await db.get('corpusStats', workspaceId))?.kept ?? 0;
    },
  };
  return repo;
}
