// The persisted dedup index as data: one append-only DedupChunk per ingest batch, written by
// the batch's transaction (ingest-repo.ts) and read back here when a job opens a workspace.
// The index algorithm over the chunks (fingerprints, LSH bands, sketches) is corpus code
// (corpus/dedup-index.ts); this repository has the shape of its DedupChunkSource.
import type { DedupChunk, Id } from '../domain';
import type { Db } from './db';

export function dedupChunksRepo(db: Db) {
  return {
    /**
     * Calls `visit` for every chunk of the workspace in key (= write) order, in one read
     * transaction. `visit` must be synchronous: awaiting anything else would end the
     * transaction under the cursor.
     */
    async forEachChunk(workspaceId: Id, visit: (chunk: DedupChunk) => void): Promise<void> {
      let cursor = await db
        .transaction('dedupChunks')
        .store.index('byWorkspace')
        .openCursor(IDBKeyRange.only(workspaceId));
      while (cursor) {
        visit(cursor.value);
        cursor = await cursor.continue();
      }
    },

    /** One chunk's MinHash signatures, for a near-duplicate decision (loaded on demand). */
    async signatures(chunkId: Id): Promise<Uint32Array | undefined> {
      return (await db.get('dedupChunks', chunkId))?.signatures;
    },

    count(workspaceId: Id): Promise<number> {
      return db.countFromIndex('dedupChunks', 'byWorkspace', workspaceId);
    },
  };
}
