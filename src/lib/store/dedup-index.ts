// The committed dedup index of one workspace in IndexedDB (method.md §2: "deduplication"
// across imports), implementing corpus/dedup.ts's DedupIndex for reads. Writes never go
// through it: the Deduplicator runs over a BufferedDedupIndex whose pending additions become
// one DedupChunk per batch, written by commitIngestBatch in the batch's own transaction, so
// what is on disk is always exactly the committed segments.
//
// Layout: one chunk per batch holds its kept segments' keys (exact hash, one per LSH band)
// and signatures; a multiEntry index over the keys answers getHash / getBucket. One put per
// batch instead of one (or 21) per segment: the per-request cost dominated ingestion.
//
// Why a Bloom filter in front: almost every key of a new segment is new, and an IndexedDB read
// per key (21 per segment) would cap ingestion far below the throughput target. The filter
// answers "certainly new" from memory with a fixed 16 MiB of bits whatever the corpus size, so
// memory stays flat; only a "maybe" (a real duplicate or ~1% false positives) reads the disk.
import type { DedupIndex, PendingAdditions } from '../corpus/dedup';
import { hashString32 } from '../corpus/hash';
import { newId } from '../util/ids';
import type { Db } from './db';
import type { DedupChunk, Id } from './schema';

const bloomBits = 2 ** 27;
const bloomHashes = 4;

export class BloomFilter {
  private bits = new Uint32Array(bloomBits / 32);

  private positions(key: string, visit: (word: number, mask: number) => boolean): boolean {
    const a = hashString32(key, 0x5bd1e995);
    const b = hashString32(key, 0x1b873593) | 1;
    for (let i = 0; i < bloomHashes; i++) {
      const bit = ((a + Math.imul(i, b)) >>> 0) & (bloomBits - 1);
      if (!visit(bit >>> 5, 1 << (bit & 31))) return false;
    }
    return true;
  }

  add(key: string): void {
    this.positions(key, (w, m) => {
      this.bits[w] |= m;
      return true;
    });
  }

  mayContain(key: string): boolean {
    return this.positions(key, (w, m) => (this.bits[w] & m) !== 0);
  }
}

/** Workspace-scoped key as stored in DedupSignature.keys. */
export const scopedKey = (workspaceId: Id, key: string): string => `${workspaceId}\u0000${key}`;
const hashKey = (hash: string): string => `h:${hash}`;

/** Signatures of segments seen in fetched chunks, for the candidate checks that follow. */
const signatureCacheSize = 4096;

export class IdbDedupIndex implements DedupIndex {
  private bloom = new BloomFilter();
  private signatures = new Map<Id, Uint32Array>();
  /** The chunk of the batch being committed: read from memory until it is on disk. */
  private inflight: { owners: Map<string, Id[]>; signatures: Map<Id, Uint32Array> } | null = null;
  /** Disk reads made because the filter said "maybe" (reported by the bench). */
  diskLookups = 0;

  private constructor(
    private readonly db: Db,
    readonly workspaceId: Id,
  ) {}

  /** Opens the index and fills the filter from the committed keys (one key-only scan). */
  static async open(db: Db, workspaceId: Id): Promise<IdbDedupIndex> {
    const index = new IdbDedupIndex(db, workspaceId);
    const prefix = scopedKey(workspaceId, '');
    const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`);
    let cursor = await db
      .transaction('dedupChunks')
      .store.index('byKey')
      .openKeyCursor(range, 'nextunique');
    while (cursor) {
      index.bloom.add(cursor.key);
      cursor = await cursor.continue();
    }
    return index;
  }

  async getHash(hash: string): Promise<string | undefined> {
    return (await this.owners(hashKey(hash)))[0];
  }

  async getBucket(bandKey: string): Promise<string[]> {
    return this.owners(bandKey);
  }

  async getSignature(segmentId: string): Promise<Uint32Array | undefined> {
    // Candidates come from getBucket, which cached the signatures of their chunks.
    return this.signatures.get(segmentId) ?? this.inflight?.signatures.get(segmentId);
  }

  /** The in-flight chunk committed (or failed): from now on it is read from disk (or gone). */
  dropInflight(): void {
    this.inflight = null;
  }

  /** Segments that have `key`, in commit order; remembers their signatures. */
  private async owners(key: string): Promise<Id[]> {
    const scoped = scopedKey(this.workspaceId, key);
    if (!this.bloom.mayContain(scoped)) return [];
    const inflight = this.inflight?.owners.get(scoped) ?? [];
    this.diskLookups++;
    // A read issued while the batch's transaction runs waits for it (same store), so the
    // in-flight chunk may be seen twice; the Deduplicator skips repeated candidates.
    const chunks = await this.db.getAllFromIndex('dedupChunks', 'byKey', scoped);
    const out: Id[] = [];
    for (const chunk of chunks) {
      chunk.keys.forEach((k, i) => {
        if (k !== scoped) return;
        const row = chunk.owners[i];
        const id = chunk.segmentIds[row];
        out.push(id);
        const n = chunk.signatureLength;
        this.remember(id, chunk.signatures.slice(row * n, row * n + n));
      });
    }
    for (const id of inflight) if (!out.includes(id)) out.push(id);
    return out;
  }

  private remember(id: Id, signature: Uint32Array): void {
    if (this.signatures.size >= signatureCacheSize) this.signatures.clear();
    this.signatures.set(id, signature);
  }

  // The committed index is written only by commitIngestBatch (see the header).
  async addHash(): Promise<void> {
    throw new Error('IdbDedupIndex is read-only: wrap it in a BufferedDedupIndex');
  }
  async addToBuckets(): Promise<void> {
    throw new Error('IdbDedupIndex is read-only: wrap it in a BufferedDedupIndex');
  }
  async putSignature(): Promise<void> {
    throw new Error('IdbDedupIndex is read-only: wrap it in a BufferedDedupIndex');
  }

  /**
   * Turns a batch's pending additions into its chunk for commitIngestBatch, and marks the keys
   * in the filter. If the transaction then fails, the extra bits only cost a disk read later.
   */
  toChunk(pending: PendingAdditions): DedupChunk | null {
    if (!pending.signatures.length && !pending.hashes.length) return null;
    const rows = new Map<Id, number>();
    const segmentIds: Id[] = [];
    const row = (id: Id): number => {
      let r = rows.get(id);
      if (r === undefined) {
        r = segmentIds.length;
        rows.set(id, r);
        segmentIds.push(id);
      }
      return r;
    };
    const keys: string[] = [];
    const owners: number[] = [];
    for (const { hash, segmentId } of pending.hashes) {
      keys.push(scopedKey(this.workspaceId, hashKey(hash)));
      owners.push(row(segmentId));
    }
    for (const { bandKey, segmentId } of pending.buckets) {
      keys.push(scopedKey(this.workspaceId, bandKey));
      owners.push(row(segmentId));
    }
    const signatureLength = pending.signatures[0]?.signature.length ?? 0;
    const signatures = new Uint32Array(segmentIds.length * signatureLength);
    for (const { segmentId, signature } of pending.signatures)
      signatures.set(signature, row(segmentId) * signatureLength);
    for (const key of keys) this.bloom.add(key);
    const inflightOwners = new Map<string, Id[]>();
    keys.forEach((key, i) => {
      const list = inflightOwners.get(key);
      if (list) list.push(segmentIds[owners[i]]);
      else inflightOwners.set(key, [segmentIds[owners[i]]]);
    });
    const inflightSignatures = new Map<Id, Uint32Array>();
    segmentIds.forEach((id, r) =>
      inflightSignatures.set(
        id,
        signatures.subarray(r * signatureLength, (r + 1) * signatureLength),
      ),
    );
    this.inflight = { owners: inflightOwners, signatures: inflightSignatures };
    return {
      id: newId(),
      workspaceId: this.workspaceId,
      segmentIds,
      keys,
      owners,
      signatures,
      signatureLength,
    };
  }
}
