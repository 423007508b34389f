// Cross-corpus deduplication (method.md §2: "deduplication"): exact duplicates by a hash of
// the normalised text, near duplicates by MinHash + LSH, verified by estimated Jaccard ≥ 0.8
// (the paper gives no threshold). The index is an async port so the same decisions hold
// across files, across separate imports into one workspace and across a reload mid-ingest:
// the ingestion layer backs it with IndexedDB and commits additions with each batch.
import type { DropReason } from '../domain';
import { hash64Hex, normalizeForHash } from './hash';
import {
  bandKeys,
  defaultLshOptions,
  estimateJaccard,
  hashAndSignature,
  MinHasher,
  type LshOptions,
  type MinHashOptions,
} from './minhash';
import type { Segment } from './types';

/** Persistent dedup state of one workspace. Band keys look like `b<band>:<8 hex>`. */
export interface DedupIndex {
  /** Id of the segment registered under this exact hash, if any. */
  getHash(hash: string): Promise<string | undefined>;
  addHash(hash: string, segmentId: string): Promise<void>;
  /** Ids of the segments registered in this LSH bucket (insertion order). */
  getBucket(bandKey: string): Promise<string[]>;
  addToBuckets(bandKeys: readonly string[], segmentId: string): Promise<void>;
  getSignature(segmentId: string): Promise<Uint32Array | undefined>;
  putSignature(segmentId: string, signature: Uint32Array): Promise<void>;
  /**
   * Estimated Jaccard of a registered segment with `signature`, for indexes that keep a
   * compact form of the signatures instead of returning them (dedup-index.ts);
   * undefined falls back to getSignature. When the similarity is below `threshold`, any value
   * below it may come back (an upper bound from a compact form, without loading the signature).
   */
  similarity?(
    segmentId: string,
    signature: Uint32Array,
    threshold?: number,
  ): Promise<number | undefined>;
}

/** Estimated Jaccard of `signature` with a registered segment's, if the index knows it. */
async function similarityTo(
  index: DedupIndex,
  segmentId: string,
  signature: Uint32Array,
  threshold?: number,
): Promise<number | undefined> {
  const compact = await index.similarity?.(segmentId, signature, threshold);
  if (compact !== undefined) return compact;
  const other = await index.getSignature(segmentId);
  return other && estimateJaccard(signature, other);
}

/** Index in plain Maps: tests, and the read-through layer of the buffered index below. */
export class MemoryDedupIndex implements DedupIndex {
  readonly hashes = new Map<string, string>();
  readonly buckets = new Map<string, string[]>();
  readonly signatures = new Map<string, Uint32Array>();

  async getHash(hash: string): Promise<string | undefined> {
    return this.hashes.get(hash);
  }
  async addHash(hash: string, segmentId: string): Promise<void> {
    if (!this.hashes.has(hash)) this.hashes.set(hash, segmentId);
  }
  async getBucket(bandKey: string): Promise<string[]> {
    return this.buckets.get(bandKey) ?? [];
  }
  async addToBuckets(keys: readonly string[], segmentId: string): Promise<void> {
    for (const key of keys) {
      const ids = this.buckets.get(key);
      if (!ids) this.buckets.set(key, [segmentId]);
      else if (!ids.includes(segmentId)) ids.push(segmentId);
    }
  }
  async getSignature(segmentId: string): Promise<Uint32Array | undefined> {
    return this.signatures.get(segmentId);
  }
  async putSignature(segmentId: string, signature: Uint32Array): Promise<void> {
    this.signatures.set(segmentId, signature);
  }
}

/** Additions not yet committed: written by the caller in its own (batch) transaction. */
export interface PendingAdditions {
  hashes: { hash: string; segmentId: string }[];
  buckets: { bandKey: string; segmentId: string }[];
  signatures: { segmentId: string; signature: Uint32Array }[];
}

/**
 * Reads from a committed index plus the not-yet-committed additions of the current batch,
 * and writes only to memory. The ingestion job takes the additions (`takePending`) into the
 * batch's transaction, or drops them (`discardPending`) when that transaction fails, so the
 * index on disk is always exactly the committed segments (resume gives the same decisions).
 */
export class BufferedDedupIndex implements DedupIndex {
  private pending = new MemoryDedupIndex();
  private log: PendingAdditions = { hashes: [], buckets: [], signatures: [] };

  constructor(private readonly committed: DedupIndex) {}

  async getHash(hash: string): Promise<string | undefined> {
    return this.pending.hashes.get(hash) ?? (await this.committed.getHash(hash));
  }
  async addHash(hash: string, segmentId: string): Promise<void> {
    await this.pending.addHash(hash, segmentId);
    this.log.hashes.push({ hash, segmentId });
  }
  async getBucket(bandKey: string): Promise<string[]> {
    const committed = await this.committed.getBucket(bandKey);
    const added = this.pending.buckets.get(bandKey);
    return added ? [...committed, ...added] : committed;
  }
  async addToBuckets(keys: readonly string[], segmentId: string): Promise<void> {
    await this.pending.addToBuckets(keys, segmentId);
    for (const bandKey of keys) this.log.buckets.push({ bandKey, segmentId });
  }
  async getSignature(segmentId: string): Promise<Uint32Array | undefined> {
    return this.pending.signatures.get(segmentId) ?? (await this.committed.getSignature(segmentId));
  }
  async similarity(
    segmentId: string,
    signature: Uint32Array,
    threshold?: number,
  ): Promise<number | undefined> {
    const own = this.pending.signatures.get(segmentId);
    if (own) return estimateJaccard(signature, own);
    return similarityTo(this.committed, segmentId, signature, threshold);
  }
  async putSignature(segmentId: string, signature: Uint32Array): Promise<void> {
    this.pending.signatures.set(segmentId, signature);
    this.log.signatures.push({ segmentId, signature });
  }
  takePending(): PendingAdditions {
    const taken = this.log;
    this.log = { hashes: [], buckets: [], signatures: [] };
    this.pending = new MemoryDedupIndex();
    return taken;
  }
  discardPending(): void {
    this.takePending();
  }
}

export interface DedupOptions {
  /** Estimated Jaccard of word 5-gram sets at or above which a segment is a near duplicate. */
  nearThreshold: number;
  minhash: Partial<MinHashOptions>;
  lsh: LshOptions;
}

export const defaultDedupOptions: DedupOptions = {
  nearThreshold: 0.8,
  minhash: {},
  lsh: defaultLshOptions,
};

export interface DedupVerdict {
  /** Exact-dedup hash of the normalised text (SegmentRecord.hash). */
  hash: string;
  reason?: Extract<DropReason, 'exact-duplicate' | 'near-duplicate'>;
  /** The earlier segment this one duplicates. */
  duplicateOf?: string;
}

/**
 * First-come-first-kept dedup over a DedupIndex. A segment that is neither an exact nor a near
 * duplicate of a registered one is registered (hash, band keys, signature). Checking an id
 * that is already registered is idempotent (a resumed batch re-checks the same segment).
 * Calls are serialised internally, since each decision depends on the previous additions.
 */
export class Deduplicator {
  readonly options: DedupOptions;
  private readonly hasher: MinHasher;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly index: DedupIndex = new MemoryDedupIndex(),
    opts: Partial<DedupOptions> = {},
  ) {
    this.options = { ...defaultDedupOptions, ...opts };
    this.hasher = new MinHasher(this.options.minhash);
  }

  /** Exact-dedup hash of a text (also for segments that are not checked). */
  hash(text: string): string {
    return hash64Hex(normalizeForHash(text));
  }

  check(segmentId: string, text: string): Promise<DedupVerdict> {
    const run = this.queue.then(() => this.decide(segmentId, text));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * The same decision for a segment whose hash and signature were computed elsewhere (a
   * segmenter worker, corpus/prepare.ts) with this deduplicator's MinHash options.
   */
  checkPrepared(
    segmentId: string,
    hash: string,
    signature: Uint32Array,
    keys?: string[],
  ): Promise<DedupVerdict> {
    const run = this.queue.then(() => this.decideHashed(segmentId, hash, signature, keys));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private decide(segmentId: string, text: string): Promise<DedupVerdict> {
    // One pass computes both hashes (an exact duplicate wastes its signature; they are rare).
    const { hash, signature } = hashAndSignature(this.hasher, text);
    return this.decideHashed(segmentId, hash, signature);
  }

  private async decideHashed(
    segmentId: string,
    hash: string,
    signature: Uint32Array,
    bandKeysOfSignature?: string[],
  ): Promise<DedupVerdict> {
    const owner = await this.index.getHash(hash);
    if (owner !== undefined) {
      return owner === segmentId
        ? { hash }
        : { hash, reason: 'exact-duplicate', duplicateOf: owner };
    }
    const keys = bandKeysOfSignature ?? bandKeys(signature, this.options.lsh);
    const buckets = await Promise.all(keys.map((k) => this.index.getBucket(k)));
    const seen = new Set<string>([segmentId]);
    for (const bucket of buckets) {
      for (const candidate of bucket) {
        if (seen.has(candidate)) continue;
        seen.add(candidate);
        const similarity = await similarityTo(
          this.index,
          candidate,
          signature,
          this.options.nearThreshold,
        );
        if (similarity !== undefined && similarity >= this.options.nearThreshold) {
          return { hash, reason: 'near-duplicate', duplicateOf: candidate };
        }
      }
    }
    await this.index.addHash(hash, segmentId);
    await this.index.addToBuckets(keys, segmentId);
    await this.index.putSignature(segmentId, signature);
    return { hash };
  }
}

export type IdentifiedSegment = Segment & { id: string };
export type DedupedSegment = IdentifiedSegment & { hash: string; duplicateOf?: string };

/**
 * Runs the segments through the deduplicator in order: kept ones may become
 * 'exact-duplicate' / 'near-duplicate'; already dropped ones only get their hash (they never
 * enter the index, so a dropped segment cannot make a later kept one a duplicate).
 */
export async function dedupSegments(
  segments: readonly IdentifiedSegment[],
  dedup: Deduplicator,
): Promise<DedupedSegment[]> {
  const out: DedupedSegment[] = [];
  for (const seg of segments) {
    if (seg.dropReason) {
      out.push({ ...seg, hash: dedup.hash(seg.text) });
      continue;
    }
    const verdict = await dedup.check(seg.id, seg.text);
    out.push({
      ...seg,
      hash: verdict.hash,
      ...(verdict.reason ? { dropReason: verdict.reason } : {}),
      ...(verdict.duplicateOf ? { duplicateOf: verdict.duplicateOf } : {}),
    });
  }
  return out;
}
