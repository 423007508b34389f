// The committed dedup index of one workspace (method.md §2: "deduplication" across imports),
// implementing corpus/dedup.ts's DedupIndex for reads. Writes never go through it: the
// Deduplicator runs over a BufferedDedupIndex whose pending additions become one DedupChunk
// per batch, written by commitIngestBatch in the batch's own transaction, so what is on disk is
// always exactly the committed segments (exactly-once resume keeps the same decisions).
//
// Layout (schema step 4): chunks are append-only records WITHOUT a key index. Step 3 had a
// multiEntry index over every chunk's ~21 keys per segment, and those index inserts dominated
// ingestion (thousands of B-tree inserts per batch). Now the index lives in memory while a job
// runs — 32-bit key fingerprints in an open-addressing table, exact hashes and 16-bit
// truncated signatures in typed arrays (~0.5 KB per kept segment) — and is rebuilt from the
// chunks (one scan of typed arrays) when a job opens the workspace.
import type { DedupIndex, PendingAdditions } from '../corpus/dedup';
import { hashString32 } from '../corpus/hash';
import { FingerprintMultimap, IdList, U32List } from '../corpus/key-table';
import { newId } from '../util/ids';
import type { Db } from './db';
import type { DedupChunk, Id } from './schema';

/** Workspace-scoped key as stored in step-3 chunks (`DedupChunk.keys`). */
export const scopedKey = (workspaceId: Id, key: string): string => `${workspaceId}\u0000${key}`;
const hashKey = (hash: string): string => `h:${hash}`;
const keySeed = 0x2545f491;
/** Fingerprint of an unscoped index key (`h:<hash>` or `b<band>:<bucket>`). */
export const keyPrint = (key: string): number => hashString32(key, keySeed);

/** The 64-bit exact hash as two words (hash64Hex gives 16 hex chars; others are hashed). */
function hashWords(hash: string): [number, number] {
  if (/^[0-9a-f]{16}$/.test(hash))
    return [parseInt(hash.slice(0, 8), 16), parseInt(hash.slice(8), 16)];
  return [hashString32(hash, 0x9747b28c), hashString32(hash, 0x3c6ef372)];
}

/** Ids → ordinals for the segments recent lookups returned (for the signature checks). */
const recentCacheSize = 65_536;

export class IdbDedupIndex implements DedupIndex {
  private readonly ids = new IdList();
  private readonly table = new FingerprintMultimap();
  /** Two words of exact hash per ordinal. */
  private readonly exact = new U32List();
  /** Low 16 bits of each signature value, two per word (see `similarity`). */
  private readonly sig16 = new U32List();
  private signatureLength = 0;
  /** Ordinals of a batch whose transaction failed: ignored from then on. */
  private readonly dead: [number, number][] = [];
  private readonly recent = new Map<Id, number>();
  private inflightStart = 0;

  private constructor(readonly workspaceId: Id) {}

  /** Opens the index and fills it from the workspace's committed chunks (one scan). */
  static async open(db: Db, workspaceId: Id): Promise<IdbDedupIndex> {
    const index = new IdbDedupIndex(workspaceId);
    let cursor = await db
      .transaction('dedupChunks')
      .store.index('byWorkspace')
      .openCursor(IDBKeyRange.only(workspaceId));
    while (cursor) {
      index.addChunk(cursor.value);
      cursor = await cursor.continue();
    }
    index.inflightStart = index.ids.length;
    return index;
  }

  /** Segments registered in memory (committed plus the batch in flight). */
  get size(): number {
    return this.ids.length;
  }

  async getHash(hash: string): Promise<string | undefined> {
    const [hi, lo] = hashWords(hash);
    for (const ord of this.table.get(keyPrint(hashKey(hash)))) {
      if (this.isDead(ord)) continue;
      if (this.exact.data[ord * 2] === hi && this.exact.data[ord * 2 + 1] === lo)
        return this.remember(ord);
    }
    return undefined;
  }

  async getBucket(bandKey: string): Promise<string[]> {
    const out: string[] = [];
    for (const ord of this.table.get(keyPrint(bandKey)))
      if (!this.isDead(ord)) out.push(this.remember(ord));
    return out;
  }

  /**
   * Share of equal signature positions, compared on the low 16 bits: two unrelated values agree
   * by chance with probability 2⁻¹⁶, which moves an estimate by < 0.001 — far below MinHash's
   * own error — while halving memory. Candidates come from getHash/getBucket just before.
   */
  async similarity(segmentId: string, signature: Uint32Array): Promise<number | undefined> {
    const ord = this.recent.get(segmentId);
    if (ord === undefined || signature.length !== this.signatureLength) return undefined;
    const words = this.sig16.data;
    const base = (ord * this.signatureLength) >>> 1;
    let same = 0;
    for (let i = 0; i < signature.length; i += 2) {
      const w = words[base + (i >>> 1)];
      if ((signature[i] & 0xffff) === (w & 0xffff)) same++;
      if (i + 1 < signature.length && (signature[i + 1] & 0xffff) === w >>> 16) same++;
    }
    return same / signature.length;
  }

  async getSignature(): Promise<Uint32Array | undefined> {
    // Full signatures stay on disk; the Deduplicator compares through `similarity`.
    return undefined;
  }

  /** The batch taken last has committed: its segments are now part of the committed index. */
  dropInflight(): void {
    this.inflightStart = this.ids.length;
  }

  /** The batch taken last failed: its segments leave the index. */
  discardInflight(): void {
    if (this.inflightStart < this.ids.length) this.dead.push([this.inflightStart, this.ids.length]);
    this.inflightStart = this.ids.length;
  }

  private isDead(ord: number): boolean {
    for (const [from, to] of this.dead) if (ord >= from && ord < to) return true;
    return false;
  }

  private remember(ord: number): string {
    const id = this.ids.get(ord);
    // Least recently returned first out (Map order), so the candidates of the running
    // decision stay: a candidate must still be here when its similarity is asked for.
    this.recent.delete(id);
    if (this.recent.size >= recentCacheSize) this.recent.delete(this.recent.keys().next().value!);
    this.recent.set(id, ord);
    return id;
  }

  /** Adds one segment; `prints` are its key fingerprints (exact hash key first). */
  private addSegment(id: Id, hi: number, lo: number, prints: ArrayLike<number>, sig: Uint32Array) {
    const ord = this.ids.push(id);
    const at = this.exact.reserve(2);
    this.exact.data[at] = hi;
    this.exact.data[at + 1] = lo;
    for (let i = 0; i < prints.length; i++) this.table.add(prints[i], ord);
    if (!this.signatureLength) this.signatureLength = sig.length;
    const base = this.sig16.reserve(this.signatureLength >>> 1);
    const words = this.sig16.data;
    for (let i = 0; i < this.signatureLength; i += 2)
      words[base + (i >>> 1)] = (sig[i] & 0xffff) | ((sig[i + 1] & 0xffff) << 16);
  }

  /** Loads a committed chunk of either layout (step 3: key strings; step 4: fingerprints). */
  private addChunk(chunk: DedupChunk): void {
    const n = chunk.signatureLength;
    if (n % 2 !== 0) throw new Error('dedup signatures must have an even length');
    const rows = chunk.segmentIds.length;
    const words = new Uint32Array(rows * 2);
    const prints: number[][] = Array.from({ length: rows }, () => []);
    if (chunk.prints && chunk.printOwners && chunk.exact) {
      words.set(chunk.exact);
      chunk.prints.forEach((p, i) => prints[chunk.printOwners![i]].push(p));
    } else {
      const prefix = scopedKey(this.workspaceId, '').length;
      (chunk.keys ?? []).forEach((scoped, i) => {
        const row = chunk.owners![i];
        const key = scoped.slice(prefix);
        prints[row].push(keyPrint(key));
        if (key.startsWith('h:')) [words[row * 2], words[row * 2 + 1]] = hashWords(key.slice(2));
      });
    }
    for (let r = 0; r < rows; r++) {
      const sig = chunk.signatures.subarray(r * n, r * n + n);
      this.addSegment(chunk.segmentIds[r], words[r * 2], words[r * 2 + 1], prints[r], sig);
    }
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
   * Turns a batch's pending additions into its chunk for commitIngestBatch and adds them to
   * memory at once (the next batch is deduplicated while this one commits). If the
   * transaction fails, `discardInflight` takes them out again.
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
    const prints: number[] = [];
    const owners: number[] = [];
    const exactWords: number[] = [];
    for (const { hash, segmentId } of pending.hashes) {
      const r = row(segmentId);
      prints.push(keyPrint(hashKey(hash)));
      owners.push(r);
      [exactWords[r * 2], exactWords[r * 2 + 1]] = hashWords(hash);
    }
    for (const { bandKey, segmentId } of pending.buckets) {
      prints.push(keyPrint(bandKey));
      owners.push(row(segmentId));
    }
    const signatureLength = pending.signatures[0]?.signature.length ?? 0;
    const signatures = new Uint32Array(segmentIds.length * signatureLength);
    for (const { segmentId, signature } of pending.signatures)
      signatures.set(signature, row(segmentId) * signatureLength);
    const exact = new Uint32Array(segmentIds.length * 2);
    exactWords.forEach((w, i) => (exact[i] = w));
    const chunk: DedupChunk = {
      id: newId(),
      workspaceId: this.workspaceId,
      segmentIds,
      prints: Uint32Array.from(prints),
      printOwners: Uint32Array.from(owners),
      exact,
      signatures,
      signatureLength,
    };
    this.inflightStart = this.ids.length;
    this.addChunk(chunk);
    return chunk;
  }
}
