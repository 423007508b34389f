// Dedup decisions for ingestion (method.md §2: "deduplication") across every import of a
// workspace: the corpus Deduplicator (exact hash, MinHash-LSH near duplicates) over a
// BufferedDedupIndex whose committed layer is rebuilt from the workspace's stored chunks. The
// running batch's additions are handed to commitIngestBatch, which writes them with the segments.
import { BufferedDedupIndex, Deduplicator, type DedupOptions } from '../corpus/dedup';
import { ChunkedDedupIndex, type DedupChunkSource } from '../corpus/dedup-index';
import type { HashingOptions } from '../corpus/prepare';
import type { Id } from '../domain';
import type { PendingDedup } from '../store/ingest-repo';
import type { DedupPort } from './ingest-deps';

export class WorkspaceDedup implements DedupPort {
  private readonly buffered: BufferedDedupIndex;
  private readonly dedup: Deduplicator;

  private constructor(
    readonly committedIndex: ChunkedDedupIndex,
    opts: Partial<DedupOptions>,
  ) {
    this.buffered = new BufferedDedupIndex(committedIndex);
    this.dedup = new Deduplicator(this.buffered, opts);
  }

  /** `chunks` is the store's dedupChunks repository (or an in-memory source in tests). */
  static async open(chunks: DedupChunkSource, workspaceId: Id, opts: Partial<DedupOptions> = {}) {
    return new WorkspaceDedup(await ChunkedDedupIndex.open(chunks, workspaceId), opts);
  }

  hash(text: string): string {
    return this.dedup.hash(text);
  }

  check(segmentId: Id, text: string) {
    return this.dedup.check(segmentId, text);
  }

  checkPrepared(segmentId: Id, hash: string, signature: Uint32Array, keys?: string[]) {
    return this.dedup.checkPrepared(segmentId, hash, signature, keys);
  }

  get hashing(): HashingOptions {
    return { minhash: this.dedup.options.minhash, lsh: this.dedup.options.lsh };
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
