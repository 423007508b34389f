// The committed dedup index of one workspace (method.md §2: "deduplication" across imports),
// implementing dedup.ts's DedupIndex for reads. Writes never go through it: the Deduplicator
// runs over a BufferedDedupIndex whose pending additions become one DedupChunk per batch,
// which the store writes in the batch's own transaction (store/ingest-repo.ts), so what is on
// disk is always exactly the committed segments (exactly-once resume keeps the same
// decisions). The chunks are plain data; this file is the algorithm over them, and the store
// only saves and loads them (through a DedupChunkSource).
//
// Layout (schema step 4): chunks are append-only records WITHOUT a key index. Step 3 had a
// multiEntry index over every chunk's ~21 keys per segment, and those index inserts dominated
// ingestion (thousands of B-tree inserts per batch). Now the index lives in memory while a job
// runs — key fingerprints in an open-addressing table, exact hashes and a 2-bit sketch of each
// signature in typed arrays (~0.25 KB per kept segment) — and is rebuilt from the chunks (one
// scan of typed arrays) when a job opens the workspace. Full signatures stay on disk: the
// sketch bounds a candidate's similarity from above, and only candidates that might pass the
// threshold (near duplicates, rare) load their chunk's signatures (peak heap, issue: < 300 MB).
import type { DedupChunk, Id } from '../domain';
import { newId } from '../util/ids';
import type { DedupIndex, PendingAdditions } from './dedup';
import { hashString32 } from './hash';
import { FingerprintMultimap, IdList, PagedU32List } from './key-table';
import { estimateJaccard } from './minhash';

/** Where the committed chunks of a workspace are read from (the store's dedupChunks repository). */
export interface DedupChunkSource {
  /** Calls `visit` for every committed chunk of the workspace, in write order. */
  forEachChunk(workspaceId: Id, visit: (chunk: DedupChunk) => void): Promise<void>;
  /** A chunk's signatures (undefined when the chunk is gone). */
  signatures(chunkId: Id): Promise<Uint32Array | undefined>;
}

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
const recentCacheSize = 8192;
/** Committed chunks whose full signatures stay loaded (least recently used out). */
const loadedChunks = 8;
/** Bits kept of each signature value in the sketch, and values per sketch word. */
const sketchBits = 2;
const sketchMask = (1 << sketchBits) - 1;
const valuesPerWord = 32 / sketchBits;

export class ChunkedDedupIndex implements DedupIndex {
  private readonly ids = new IdList();
  private readonly table = new FingerprintMultimap();
  /** Two words of exact hash per ordinal. */
  private readonly exact = new PagedU32List();
  /** Low `sketchBits` bits of each signature value, packed (see `similarity`). */
  private readonly sketch = new PagedU32List();
  private signatureLength = 0;
  private sketchWords = 0;
  /** Chunk ids and the first ordinal of each, in load order (to find a row's signature). */
  private readonly chunkIds: Id[] = [];
  private readonly chunkStarts: number[] = [];
  /** Signatures of the chunk in flight (not yet readable from the database), by chunk number. */
  private readonly inflightSignatures = new Map<number, Uint32Array>();
  private readonly loaded = new Map<number, Uint32Array>();
  /** Ordinals of a batch whose transaction failed: ignored from then on. */
  private readonly dead: [number, number][] = [];
  private readonly recent = new Map<Id, number>();
  private inflightStart = 0;

  private constructor(
    private readonly chunks: DedupChunkSource,
    readonly workspaceId: Id,
  ) {}

  /** Opens the index and fills it from the workspace's committed chunks (one scan). */
  static async open(chunks: DedupChunkSource, workspaceId: Id): Promise<ChunkedDedupIndex> {
    const index = new ChunkedDedupIndex(chunks, workspaceId);
    await chunks.forEachChunk(workspaceId, (chunk) => index.addChunk(chunk));
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
      if (this.exact.get(ord * 2) === hi && this.exact.get(ord * 2 + 1) === lo)
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
   * Share of equal signature positions. Positions equal in full are equal in their low bits,
   * so the sketch's share is an upper bound: below `threshold` it is returned as is (the
   * decision is the same), otherwise the full signature decides. A segment of Jaccard s with
   * the candidate agrees in about s + (1 − s)/4 of the sketch, so below s ≈ 0.73 (at the 0.8
   * threshold) nothing is loaded: almost only near duplicates read signatures from disk.
   * Candidates come from getHash/getBucket just before.
   */
  async similarity(
    segmentId: string,
    signature: Uint32Array,
    threshold?: number,
  ): Promise<number | undefined> {
    const ord = this.recent.get(segmentId);
    const n = this.signatureLength;
    if (ord === undefined || signature.length !== n) return undefined;
    let same = 0;
    for (let w = 0; w < this.sketchWords; w++) {
      const word = this.sketch.get(ord * this.sketchWords + w);
      const from = w * valuesPerWord;
      for (let i = from; i < Math.min(n, from + valuesPerWord); i++)
        if ((signature[i] & sketchMask) === ((word >>> ((i - from) * sketchBits)) & sketchMask))
          same++;
    }
    if (threshold !== undefined && same / n < threshold) return same / n;
    const full = await this.fullSignature(ord);
    return full && estimateJaccard(signature, full);
  }

  async getSignature(segmentId: string): Promise<Uint32Array | undefined> {
    const ord = this.recent.get(segmentId);
    return ord === undefined ? undefined : this.fullSignature(ord);
  }

  /** A registered segment's signature from its chunk (in flight, recently used, or on disk). */
  private async fullSignature(ord: number): Promise<Uint32Array | undefined> {
    let lo = 0;
    let hi = this.chunkStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.chunkStarts[mid] <= ord) lo = mid;
      else hi = mid - 1;
    }
    let rows = this.inflightSignatures.get(lo) ?? this.loaded.get(lo);
    if (!rows) {
      rows = await this.chunks.signatures(this.chunkIds[lo]);
      if (!rows) return undefined;
    }
    if (!this.inflightSignatures.has(lo)) this.keepLoaded(lo, rows);
    const at = (ord - this.chunkStarts[lo]) * this.signatureLength;
    return rows.subarray(at, at + this.signatureLength);
  }

  private keepLoaded(chunk: number, rows: Uint32Array): void {
    this.loaded.delete(chunk);
    if (this.loaded.size >= loadedChunks) this.loaded.delete(this.loaded.keys().next().value!);
    this.loaded.set(chunk, rows);
  }

  /** The batch taken last has committed: its segments are now part of the committed index. */
  dropInflight(): void {
    this.inflightStart = this.ids.length;
    for (const [chunk, rows] of this.inflightSignatures) this.keepLoaded(chunk, rows);
    this.inflightSignatures.clear();
  }

  /** The batch taken last failed: its segments leave the index. */
  discardInflight(): void {
    if (this.inflightStart < this.ids.length) this.dead.push([this.inflightStart, this.ids.length]);
    this.inflightStart = this.ids.length;
    this.inflightSignatures.clear();
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
    this.exact.set(at, hi);
    this.exact.set(at + 1, lo);
    for (let i = 0; i < prints.length; i++) this.table.add(prints[i], ord);
    if (!this.signatureLength) {
      this.signatureLength = sig.length;
      this.sketchWords = Math.ceil(sig.length / valuesPerWord);
    }
    const base = this.sketch.reserve(this.sketchWords);
    for (let w = 0; w < this.sketchWords; w++) {
      let word = 0;
      const from = w * valuesPerWord;
      for (let i = from; i < Math.min(this.signatureLength, from + valuesPerWord); i++)
        word |= (sig[i] & sketchMask) << ((i - from) * sketchBits);
      this.sketch.set(base + w, word >>> 0);
    }
  }

  /** Loads a committed chunk of either layout (step 3: key strings; step 4: fingerprints). */
  private addChunk(chunk: DedupChunk): number {
    const n = chunk.signatureLength;
    if (this.signatureLength && n && n !== this.signatureLength)
      throw new Error('dedup signatures must all have the same length');
    this.chunkIds.push(chunk.id);
    this.chunkStarts.push(this.ids.length);
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
    return this.chunkIds.length - 1;
  }

  // The committed index is written only with the batch's transaction (see the header).
  async addHash(): Promise<void> {
    throw new Error('ChunkedDedupIndex is read-only: wrap it in a BufferedDedupIndex');
  }
  async addToBuckets(): Promise<void> {
    throw new Error('ChunkedDedupIndex is read-only: wrap it in a BufferedDedupIndex');
  }
  async putSignature(): Promise<void> {
    throw new Error('ChunkedDedupIndex is read-only: wrap it in a BufferedDedupIndex');
  }

  /**
   * Turns a batch's pending additions into its chunk for the batch's commit and adds them to
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
    this.inflightSignatures.set(this.addChunk(chunk), signatures);
    return chunk;
  }
}
