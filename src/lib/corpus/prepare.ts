// The per-document work of ingestion that does not depend on other documents (method.md §2
// "Data"): HTML extraction, header-tree segmentation, the per-segment filters, and each
// segment's exact-dedup hash and MinHash signature. It runs on a pool of segmenter workers
// (pipeline/segmenter-pool.ts); the dedup DECISIONS depend on every earlier segment and stay
// with the one writer, in document order, so the pooled path stores what the serial one does.
import { AppError, InputError, serializeError, type SerializedError } from '../protocol/errors';
import { hash64Hex, normalizeForHash } from './hash';
import {
  bandKeys,
  hashAndSignature,
  MinHasher,
  type LshOptions,
  type MinHashOptions,
} from './minhash';
import { segmentDocument } from './segment';
import type { RawDocument, Segment, SegmentOptions } from './types';

export interface PreparedSegment extends Segment {
  /** Exact-dedup hash of the normalised text (what Deduplicator.hash returns). */
  hash: string;
  /** MinHash signature, only for segments the filters kept (they go to the dedup decision). */
  signature?: Uint32Array;
  /** Its LSH band keys (bandKeys), computed here too: a quarter of a decision's work. */
  keys?: string[];
  /** On the wire: where `signature` lies in the batch's packed buffer (packSignatures). */
  sigAt?: number;
  sigLen?: number;
}

export type PreparedDocument =
  | { ok: true; title?: string; segments: PreparedSegment[]; issues?: string[] }
  /**
   * The segmenter threw. `fatal`: an AppError other than InputError, which stops the job (as
   * in the serial path); anything else is one record issue with this message.
   */
  | { ok: false; error: SerializedError; message: string; fatal: boolean };

/** Segments one document and hashes its segments (the serial path does the same in steps). */
/** How the writer's deduplicator hashes (DedupOptions' minhash and lsh). */
export interface HashingOptions {
  minhash: Partial<MinHashOptions>;
  lsh: LshOptions;
}

export function prepareDocument(
  doc: RawDocument,
  segOpts: SegmentOptions,
  hashing: HashingOptions,
): PreparedDocument {
  const hasher = hasherFor(hashing.minhash);
  let parsed: ReturnType<typeof segmentDocument>;
  try {
    parsed = segmentDocument(doc, segOpts);
  } catch (err) {
    const fatal = err instanceof AppError && !(err instanceof InputError);
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, error: serializeError(err), message, fatal };
  }
  const segments = parsed.segments.map((seg): PreparedSegment => {
    if (seg.dropReason) return { ...seg, hash: hash64Hex(normalizeForHash(seg.text)) };
    const { hash, signature } = hashAndSignature(hasher, seg.text);
    return { ...seg, hash, signature, keys: bandKeys(signature, hashing.lsh) };
  });
  return {
    ok: true,
    ...(parsed.title !== undefined ? { title: parsed.title } : {}),
    segments,
    ...(parsed.issues ? { issues: parsed.issues } : {}),
  };
}

/** One hasher per option set in a worker (building its probe tables is not free). */
const hashers = new Map<string, MinHasher>();
export function hasherFor(opts: Partial<MinHashOptions>): MinHasher {
  const key = JSON.stringify(opts);
  let h = hashers.get(key);
  if (!h) hashers.set(key, (h = new MinHasher(opts)));
  return h;
}

/**
 * Packs the signatures of a batch into ONE buffer (transferred, not copied, to the writer):
 * each kept segment's signature becomes a view into it. Returns the buffer.
 */
export function packSignatures(docs: PreparedDocument[]): Uint32Array {
  let n = 0;
  for (const d of docs) if (d.ok) for (const s of d.segments) n += s.signature?.length ?? 0;
  const packed = new Uint32Array(n);
  let at = 0;
  for (const d of docs) {
    if (!d.ok) continue;
    for (const s of d.segments) {
      if (!s.signature) continue;
      packed.set(s.signature, at);
      s.sigAt = at;
      s.sigLen = s.signature.length;
      delete s.signature;
      at += s.sigLen;
    }
  }
  return packed;
}

/** The inverse of packSignatures on the writer's side (views into `packed`, no copies). */
export function unpackSignatures(docs: PreparedDocument[], packed: Uint32Array): void {
  for (const d of docs) {
    if (!d.ok) continue;
    for (const s of d.segments) {
      if (s.sigAt === undefined || s.sigLen === undefined) continue;
      s.signature = packed.subarray(s.sigAt, s.sigAt + s.sigLen);
      delete s.sigAt;
      delete s.sigLen;
    }
  }
}
