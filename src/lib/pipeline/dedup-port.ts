// Dedup decisions for ingestion (method.md §2: "deduplication") across every import of a
// workspace: the corpus Deduplicator (exact hash, MinHash-LSH near duplicates) over a
// BufferedDedupIndex whose committed layer is the workspace's IndexedDB index. The running
// batch's additions are handed to commitIngestBatch, which writes them with the segments.
import { BufferedDedupIndex, Deduplicator, type DedupOptions } from '../corpus/dedup';
import type { Db } from '../store/db';
import { IdbDedupIndex } from '../store/dedup-index';
import type { PendingDedup } from '../store/ingest-repo';
import type { Id } from '../domain';
import type { DedupPort } from './ingest-deps';

export class WorkspaceDedup implements DedupPort {
  private readonly buffered: BufferedDedupIndex;
  private readonly dedup: Deduplicator;

  private constructor(
    readonly committedIndex: IdbDedupIndex,
    opts: Partial<DedupOptions>,
  ) {
    this.buffered = new BufferedDedupIndex(committedIndex);
    this.dedup = new Deduplicator(this.buffered, opts);
  }

  static async open(db: Db, workspaceId: Id, opts: Partial<DedupOptions> = {}) {
    return new WorkspaceDedup(await IdbDedupIndex.open(db, workspaceId), opts);
  }

  hash(text: string): string {
    return this.dedup.hash(text);
  }

  check(segmentId: Id, text: string) {
    return this.dedup.check(segmentId, text);
  }

  takePending(): PendingDedup {
    return this.committedIndex.toChunk(this.buffered.takePending());
  }

  discardPending(): void {
    this.buffered.discardPending();
    this.committedIndex.discardInflight();
  }

  committed(): void {
    this.committedIndex.dropInflight();
  }
}
