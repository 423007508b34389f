// The pool of segmenter workers (issue 14 item 1): the ingest worker reads and decodes, hands
// documents to these workers in groups (extraction, segmentation, filters, hashes and MinHash
// signatures: corpus/prepare.ts), and stays the one writer that decides dedup and commits in
// read order (ingest.ts). Sized to the machine; a size of 1 keeps today's single-thread path.
//
// A crashed worker is expected (out of memory on a giant page, a bug): it is replaced and its
// group sent once more; a second crash on the same group fails the job with a clear error,
// and nothing committed is lost (the job resumes from its cursors).
import { unpackSignatures, type HashingOptions, type PreparedDocument } from '../corpus/prepare';
import type { RawDocument, SegmentOptions } from '../corpus/types';
import type { WorkerLike } from '../protocol/client';
import {
  CancelledError,
  deserializeError,
  WorkerCrashedError,
  type SerializedError,
} from '../protocol/errors';
import type { PreparePool } from './ingest-deps';

export interface SegmenterRequest {
  seq: number;
  docs: RawDocument[];
  segment: SegmentOptions;
  hashing: HashingOptions;
}

export type SegmenterResponse =
  /** `busyMs`: the worker's time preparing the group (the work taken off the writer). */
  | { seq: number; docs: PreparedDocument[]; signatures: Uint32Array; busyMs: number }
  | { seq: number; failure: SerializedError };

/**
 * Workers for a machine: one per logical core but the writer's, at most `cap` (1 = no pool).
 * Measured on 2 cores (npm run bench -- ingest, quiet machine): 2 segmenters beside the
 * writer ran at 0.84x (JSONL) and 0.94x (HTML) of the serial path, so 2 cores get none.
 */
export function poolSizeFor(hardwareConcurrency: number | undefined, cap = 8): number {
  return Math.max(1, Math.min(cap, Math.floor(hardwareConcurrency ?? 1) - 1));
}

interface Job {
  request: SegmenterRequest;
  crashes: number;
  resolve: (docs: PreparedDocument[]) => void;
  reject: (err: Error) => void;
}

interface Slot {
  worker: WorkerLike;
  job: Job | null;
}

export class SegmenterPool implements PreparePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private seq = 0;
  private disposed = false;
  /** Workers started, replacements included (tests read it). */
  started = 0;
  /** Time the workers spent preparing groups, summed over workers (benches read it). */
  busyMs = 0;

  constructor(
    private readonly spawn: () => WorkerLike,
    readonly size: number,
  ) {}

  prepare(
    docs: RawDocument[],
    segment: SegmentOptions,
    hashing: HashingOptions,
  ): Promise<PreparedDocument[]> {
    if (this.disposed) return Promise.reject(new CancelledError('the segmenter pool is stopped'));
    return new Promise((resolve, reject) => {
      const request = { seq: ++this.seq, docs, segment, hashing };
      this.queue.push({ request, crashes: 0, resolve, reject });
      this.pump();
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const stopped = new CancelledError('Import cancelled');
    for (const slot of this.slots) {
      slot.worker.terminate();
      slot.job?.reject(stopped);
      slot.job = null;
    }
    for (const job of this.queue.splice(0)) job.reject(stopped);
  }

  private pump(): void {
    while (this.queue.length) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.startWorker();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.request);
    }
  }

  private startWorker(at = this.slots.length): Slot {
    const slot: Slot = { worker: this.spawn(), job: null };
    this.started++;
    this.slots[at] = slot;
    slot.worker.addEventListener('message', (ev) => this.onMessage(slot, ev as MessageEvent));
    const crashed = (ev: Event) => {
      ev.preventDefault?.();
      const message = (ev as ErrorEvent).message || 'failed to load or threw';
      this.onCrash(slot, message);
    };
    slot.worker.addEventListener('error', crashed);
    slot.worker.addEventListener('messageerror', crashed);
    return slot;
  }

  private onMessage(slot: Slot, ev: MessageEvent): void {
    const res = ev.data as SegmenterResponse;
    const job = slot.job;
    if (!job || job.request.seq !== res.seq) return;
    slot.job = null;
    if ('failure' in res) job.reject(deserializeError(res.failure));
    else {
      this.busyMs += res.busyMs;
      unpackSignatures(res.docs, res.signatures);
      job.resolve(res.docs);
    }
    this.pump();
  }

  private onCrash(slot: Slot, message: string): void {
    if (this.disposed) return;
    const at = this.slots.indexOf(slot);
    if (at < 0) return;
    slot.worker.terminate();
    const job = slot.job;
    slot.job = null;
    this.startWorker(at);
    if (job) {
      job.crashes++;
      if (job.crashes > 1) {
        job.reject(
          new WorkerCrashedError(
            `A segmenter worker crashed twice on the same documents (${message}); the import ` +
              'stopped, everything committed is kept and it can be resumed',
          ),
        );
      } else this.queue.unshift(job);
    }
    this.pump();
  }
}
