// The ingestion job (method.md §2 "Data"): reader → segmenter → dedup → batched writes,
// free of UI and of the worker, so Node tests drive it with fake-indexeddb and in-memory files.
//
// Exactly-once: every source file has a cursor (documents consumed and committed). Each batch
// of documents is written in ONE IndexedDB transaction together with its segments, the dedup
// index additions, the per-reason counters and the advanced cursor (ingest-repo.ts). A crash
// loses at most the uncommitted batch; resuming re-reads the file, skips the committed
// documents and continues — the dedup index on disk is exactly the committed state, so the
// decisions are the same as in an uninterrupted run: no duplicates, no gaps.
import type { DocumentFormat, ReaderOptions, RecordIssue } from '../corpus/types';
import { defaultSegmentOptions, type SegmentOptions } from '../corpus/types';
import { CancelledError, InputError, isCancel } from '../protocol/errors';
import type { Progress } from '../protocol/progress';
import type { Id, SourceFile } from '../domain';
import type { FileUpdate, IngestBatch } from '../store/ingest-repo';
import { emptyCounts, type IngestCounts, type ReaderChoice } from './ingest-protocol';
import { addCounts, addDocument, newBatch } from './ingest-batch';
import type { IngestDeps } from './ingest-deps';

export { addCounts };
export type { DedupPort, IngestDeps, OpenSource, ReadFn, SegmentFn } from './ingest-deps';

export interface IngestOptions {
  segment?: Partial<SegmentOptions>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  onCounts?: (c: IngestCounts) => void;
  onFile?: (sf: SourceFile) => void;
  /** Batch limits: the transaction closes at whichever comes first. */
  batchDocuments?: number;
  batchChars?: number;
  /** Test hook: called after each committed batch (a test throws here to simulate a crash). */
  afterCommit?: (batchNo: number) => void;
}

/** Messages of record issues kept on the source file record (all are counted). */
const maxIssueMessages = 20;

/**
 * Ingests the given source files in order. A file that fails (unreadable, bad format) is
 * marked 'failed' with its message and the job goes on; cancellation and a full disk stop
 * the job (the committed part stays and the file stays resumable).
 *
 * A batch may span files: a folder of 1,000 small HTML pages commits in a few dozen
 * transactions instead of thousands (each file's cursor and status travel in the batch).
 */
export async function ingestFiles(
  deps: IngestDeps,
  files: SourceFile[],
  opts: IngestOptions = {},
): Promise<{ files: SourceFile[]; counts: IngestCounts }> {
  const run = new IngestRun(deps, opts, files);
  return run.all();
}

class IngestRun {
  readonly counts = emptyCounts();
  private batch = newBatch();
  private batchNo = 0;
  /** Latest record of every file (updated from each commit's result). */
  private current = new Map<Id, SourceFile>();
  /** Files whose 'done' / 'failed' is in the pending batch: released after it commits. */
  private toRelease: SourceFile[] = [];
  /** The job's segment options; a file's stored choice overrides them (segmentOptionsOf). */
  private readonly segOpts: SegmentOptions;
  private readonly totalBytes: number;
  private bytesBefore = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    private readonly deps: IngestDeps,
    private readonly opts: IngestOptions,
    private readonly files: SourceFile[],
  ) {
    this.segOpts = { ...defaultSegmentOptions, ...opts.segment };
    this.totalBytes = files.reduce((n, f) => n + f.size, 0);
    this.counts.files = files.length;
    for (const f of files) this.current.set(f.id, f);
  }

  async all(): Promise<{ files: SourceFile[]; counts: IngestCounts }> {
    try {
      for (const [i, sf] of this.files.entries()) await this.file(sf, i);
      await this.commit();
      await this.settle();
    } catch (err) {
      if (!isCancel(err) && !this.opts.signal?.aborted) throw err;
      // Keep what was read before the cancel (it is consistent), then mark the rest.
      await this.commit();
      await this.settle();
      for (const f of this.files) {
        const sf = this.current.get(f.id)!;
        if (sf.status === 'done' || sf.status === 'failed') continue;
        this.opts.onFile?.(await this.deps.repo.setFileStatus(sf.id, 'cancelled'));
      }
      throw new CancelledError('Import cancelled; committed documents are kept');
    }
    const out = this.files.map((f) => this.current.get(f.id)!);
    return { files: out, counts: this.counts };
  }

  private async file(initial: SourceFile, index: number): Promise<void> {
    if (initial.status === 'done') {
      this.counts.filesDone++;
      this.bytesBefore += initial.size;
      return;
    }
    const detail = `file ${index + 1} of ${this.files.length}: ${initial.name}`;
    const update: FileUpdate = {
      sourceFileId: initial.id,
      expectedCursor: initial.cursor,
      cursor: { ...initial.cursor },
      status: 'reading',
      issueMessages: [],
      delta: emptyCounts(),
    };
    this.batch.files.push(update);
    this.opts.onFile?.({ ...initial, status: 'reading' });
    // Files fetched by URL (the demo) have size 0 until read: count what was actually read.
    let fileBytes = 0;
    try {
      await this.read(initial, update, (bytes) => {
        fileBytes = bytes;
        this.counts.bytes = this.bytesBefore + bytes;
        this.opts.onProgress?.({
          job: initial.importId,
          kind: 'ingest',
          phase: 'read',
          unit: 'bytes',
          done: this.counts.bytes,
          total: this.totalBytes,
          detail,
        });
      });
      this.currentUpdate(initial.id).status = 'done';
      this.toRelease.push(initial);
      this.counts.filesDone++;
    } catch (err) {
      if (isCancel(err) || this.opts.signal?.aborted || isFatal(err)) throw err;
      const last = this.currentUpdate(initial.id);
      last.status = 'failed';
      last.error = describeFileError(err, initial.name);
      // A failed file is not resumed: its staged copy is freed with the commit.
      this.toRelease.push(initial);
      this.counts.filesFailed++;
    }
    this.bytesBefore += Math.max(initial.size, fileBytes);
    this.counts.bytes = this.bytesBefore;
    const maxDocs = this.opts.batchDocuments ?? 200;
    if (this.batch.documents.length >= maxDocs || this.batch.chars >= (this.opts.batchChars ?? 2e6))
      await this.commit();
  }

  /** The file's update in the pending batch (a commit mid-file starts a new one). */
  private currentUpdate(id: Id): FileUpdate {
    let u = this.batch.files.find((f) => f.sourceFileId === id);
    if (!u) {
      const sf = this.current.get(id)!;
      u = {
        sourceFileId: id,
        expectedCursor: sf.cursor,
        cursor: { ...sf.cursor },
        status: 'reading',
        issueMessages: [],
        delta: emptyCounts(),
      };
      this.batch.files.push(u);
    }
    return u;
  }

  private async read(
    sf: SourceFile,
    update: FileUpdate,
    onBytes: (n: number) => void,
  ): Promise<void> {
    const file = await this.deps.open(sf);
    if (!file) {
      throw new InputError(
        'the file is no longer available (its staged copy is gone); add it again',
        {
          file: sf.name,
        },
      );
    }
    const skip = sf.cursor.records;
    let seen = 0;
    let bytesRead = sf.cursor.bytes;
    let u = update;
    let issuesKept = sf.issues?.length ?? 0;
    const readerOpts: ReaderOptions = {
      ...readerChoice(sf),
      signal: this.opts.signal,
      onBytes: (n) => {
        bytesRead = n;
        onBytes(n);
      },
      onIssue: (issue) => {
        // Issues before the resume point were counted by the run that committed them.
        if (seen < skip) return;
        this.batch.delta.issues++;
        u.delta.issues++;
        if (issuesKept++ < maxIssueMessages) u.issueMessages.push(issueMessage(issue));
      },
    };
    const segOpts = segmentOptionsOf(sf, this.segOpts);
    const maxDocs = this.opts.batchDocuments ?? 200;
    const maxChars = this.opts.batchChars ?? 2_000_000;
    for await (const doc of this.deps.read(file, readerOpts)) {
      if (this.opts.signal?.aborted) throw new CancelledError();
      seen++;
      if (seen <= skip) continue;
      await addDocument(this.deps, sf, doc, segOpts, this.batch, u.delta, readerOpts.onIssue);
      u.cursor = { records: seen, bytes: bytesRead };
      if (this.batch.documents.length >= maxDocs || this.batch.chars >= maxChars) {
        await this.commit();
        u = this.currentUpdate(sf.id);
      }
    }
    if (this.opts.signal?.aborted) throw new CancelledError();
    u.cursor = { records: seen, bytes: bytesRead };
  }

  /**
   * Starts writing the pending batch in one transaction (nothing when it is empty) and goes
   * on reading while it commits: IndexedDB does its work in the browser process, so reading
   * and segmenting the next batch overlaps it. At most one batch is in flight; its errors
   * surface at the next commit or at the end.
   */
  private async commit(): Promise<void> {
    await this.settle();
    const b = this.batch;
    if (!b.files.length && !b.documents.length) return;
    this.batch = newBatch();
    const input: IngestBatch = {
      workspaceId: this.files[0].workspaceId,
      pageId: b.pageId,
      files: b.files,
      documents: b.documents,
      segments: b.segments,
      dedup: this.deps.dedup.takePending(),
      delta: b.delta,
      lengths: b.lengths,
    };
    // The next batch continues from these cursors before this one has committed.
    for (const u of b.files) {
      const sf = this.current.get(u.sourceFileId)!;
      this.current.set(u.sourceFileId, { ...sf, cursor: { ...u.cursor }, status: u.status });
    }
    const release = this.toRelease;
    this.toRelease = [];
    const write = this.write(input, release);
    write.catch(() => undefined); // observed by settle()
    this.inflight = write;
  }

  /** Waits for the batch in flight, rethrowing its error. */
  private async settle(): Promise<void> {
    const pending = this.inflight;
    this.inflight = null;
    if (pending) await pending;
  }

  private async write(input: IngestBatch, release: SourceFile[]): Promise<void> {
    let updated: SourceFile[];
    try {
      updated = await this.deps.repo.commitIngestBatch(input);
    } catch (err) {
      this.deps.dedup.discardPending();
      throw err;
    }
    this.deps.dedup.committed();
    for (const sf of updated) {
      this.current.set(sf.id, sf);
      if (sf.status === 'done' || sf.status === 'failed') this.opts.onFile?.(sf);
    }
    addCounts(this.counts, input.delta);
    this.batchNo++;
    this.opts.onCounts?.({ ...this.counts, dropped: { ...this.counts.dropped } });
    for (const sf of release) await this.deps.release?.(sf);
    this.opts.afterCommit?.(this.batchNo);
  }
}

/** Errors that stop the whole job instead of failing one file. */
function isFatal(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  // Quota: every further write fails the same way; crash-test hooks and store bugs too.
  return (
    err.name === 'QuotaExceededError' ||
    err.name === 'SimulatedCrash' ||
    err.name === 'NotFoundError'
  );
}

function describeFileError(err: unknown, file: string): string {
  if (err instanceof InputError) return err.file ? err.message : `${file}: ${err.message}`;
  const msg = err instanceof Error ? err.message : String(err);
  return `${file}: ${msg}`;
}

function issueMessage(issue: RecordIssue): string {
  const where = [
    issue.source,
    issue.line !== undefined ? `line ${issue.line}` : undefined,
    issue.record !== undefined ? `record ${issue.record}` : undefined,
    issue.field !== undefined ? `field "${issue.field}"` : undefined,
  ].filter(Boolean);
  return `${where.join(', ')}: ${issue.message}`;
}

function readerChoice(sf: SourceFile): ReaderChoice {
  return { textField: sf.reader?.textField, textFormat: sf.reader?.textFormat as DocumentFormat };
}

/** The file's stored segmentation choice wins, so a resume segments as the start did. */
export function segmentOptionsOf(sf: SourceFile, job: SegmentOptions): SegmentOptions {
  return sf.segment ? { ...job, packLongSections: sf.segment.packLongSections } : job;
}
