// The ingestion job (method.md §2 "Data"): reader → segmenter → dedup → batched writes,
// free of UI and of the worker, so Node tests drive it with fake-indexeddb and in-memory files.
//
// Exactly-once: every source file has a cursor (documents consumed and committed). Each batch
// of documents is written in ONE IndexedDB transaction together with its segments, the dedup
// index additions, the per-reason counters and the advanced cursor (ingest-repo.ts). A crash
// loses at most the uncommitted batch; resuming re-reads the file, skips the committed
// documents and continues — the dedup index on disk is exactly the committed state, so the
// decisions are the same as in an uninterrupted run: no duplicates, no gaps.
import type { PreparedDocument } from '../corpus/prepare';
import type { RawDocument, RecordIssue } from '../corpus/types';
import { defaultSegmentOptions, type SegmentOptions } from '../corpus/types';
import { CancelledError, InputError, isCancel } from '../protocol/errors';
import type { Progress } from '../protocol/progress';
import type { Id, SourceFile } from '../domain';
import type { FileUpdate, IngestBatch } from '../store/ingest-repo';
import { emptyCounts, type IngestCounts } from './ingest-protocol';
import { addCounts, addDocument, addPrepared, newBatch } from './ingest-batch';
import type { IngestDeps, PreparePool } from './ingest-deps';
import { readItems, type ReadItem } from './ingest-read';

export { addCounts };
export type {
  DedupPort,
  IngestDeps,
  OpenSource,
  PreparePool,
  ReadFn,
  SegmentFn,
} from './ingest-deps';

/** Documents (or characters) per group sent to one segmenter worker. */
const groupDocuments = 64;
const groupChars = 512_000;

export interface IngestOptions {
  segment?: Partial<SegmentOptions>;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  onCounts?: (c: IngestCounts) => void;
  onFile?: (sf: SourceFile) => void;
  /** Batch limits: the transaction closes at whichever comes first. */
  batchDocuments?: number;
  batchChars?: number;
  /** Documents per group sent to one segmenter worker (pooled path; tests make it small). */
  groupDocuments?: number;
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
  /** Progress of the read side (it may run ahead of the writer with the pool). */
  private readFile: Id | null = null;
  private readBytesBefore = 0;
  private readFileBytes = 0;
  private readonly issuesKept = new Map<Id, number>();
  private readonly failedFiles = new Set<Id>();
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
      const items = readItems(this.deps, this.files, {
        signal: this.opts.signal,
        isFatal,
        onBytes: (sf, index, bytes) => this.progress(sf, index, bytes),
      });
      const pool = this.deps.pool;
      if (pool && pool.size > 1 && this.deps.dedup.checkPrepared && this.deps.dedup.hashing)
        await this.pooled(items, pool);
      else for await (const item of items) await this.consume(item);
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

  /**
   * The pooled path: documents go to the segmenter workers in groups, up to two groups per
   * worker ahead of the writer, and come back to this one writer IN READ ORDER, which makes
   * the dedup decisions and commits exactly as the serial path does.
   */
  private async pooled(items: AsyncIterable<ReadItem>, pool: PreparePool): Promise<void> {
    const hashing = this.deps.dedup.hashing!;
    const inflight: { items: ReadItem[]; prepared: Promise<PreparedDocument[]> }[] = [];
    let group: ReadItem[] = [];
    let docs: RawDocument[] = [];
    let chars = 0;
    // One group is segmented with one set of options: each file's stored choice (segmentOptionsOf).
    let groupOpts = this.segOpts;
    const dispatch = () => {
      if (!group.length) return;
      const prepared = docs.length
        ? pool.prepare(docs, groupOpts, hashing)
        : Promise.resolve([] as PreparedDocument[]);
      prepared.catch(() => undefined); // awaited in order below
      inflight.push({ items: group, prepared });
      group = [];
      docs = [];
      chars = 0;
    };
    const drainOne = async () => {
      const next = inflight.shift()!;
      const prepared = await next.prepared;
      let d = 0;
      for (const item of next.items)
        await this.consume(item, item.kind === 'doc' ? prepared[d++] : undefined);
    };
    for await (const item of items) {
      if (item.kind === 'doc') {
        const opts = segmentOptionsOf(item.sf, this.segOpts);
        if (docs.length && opts.packLongSections !== groupOpts.packLongSections) dispatch();
        groupOpts = opts;
      }
      group.push(item);
      if (item.kind === 'doc') {
        docs.push(item.doc);
        chars += item.doc.content.length;
      }
      if (docs.length >= (this.opts.groupDocuments ?? groupDocuments) || chars >= groupChars) {
        dispatch();
        while (inflight.length > pool.size * 2) await drainOne();
      }
    }
    dispatch();
    while (inflight.length) await drainOne();
  }

  private progress(sf: SourceFile, index: number, bytes: number): void {
    if (this.readFile !== sf.id) {
      this.readBytesBefore += this.readFileBytes;
      this.readFile = sf.id;
    }
    this.readFileBytes = Math.max(sf.size, bytes);
    this.opts.onProgress?.({
      job: sf.importId,
      kind: 'ingest',
      phase: 'read',
      unit: 'bytes',
      done: this.readBytesBefore + bytes,
      total: this.totalBytes,
      detail: `file ${index + 1} of ${this.files.length}: ${sf.name}`,
    });
  }

  /** The writer: one item of the read stream, in order (a prepared document from the pool). */
  private async consume(item: ReadItem, prepared?: PreparedDocument): Promise<void> {
    const sf = item.sf;
    if (item.kind === 'done-before') {
      this.counts.filesDone++;
      this.bytesBefore += sf.size;
      return;
    }
    if (item.kind === 'start') {
      this.batch.files.push({
        sourceFileId: sf.id,
        expectedCursor: sf.cursor,
        cursor: { ...sf.cursor },
        status: 'reading',
        issueMessages: [],
        delta: emptyCounts(),
      });
      this.issuesKept.set(sf.id, sf.issues?.length ?? 0);
      this.opts.onFile?.({ ...sf, status: 'reading' });
      return;
    }
    if (this.failedFiles.has(sf.id)) {
      if (item.kind === 'end') await this.endFile(sf, item.bytes);
      return;
    }
    try {
      for (const issue of item.issues) this.countIssue(sf, issue);
      if (item.kind === 'end' && item.error !== undefined) throw item.error;
      if (item.kind === 'doc') {
        const u = this.currentUpdate(sf.id);
        const onIssue = (issue: RecordIssue) => this.countIssue(sf, issue);
        if (prepared)
          await addPrepared(this.deps, sf, item.doc, prepared, this.batch, u.delta, onIssue);
        else {
          const segOpts = segmentOptionsOf(sf, this.segOpts);
          await addDocument(this.deps, sf, item.doc, segOpts, this.batch, u.delta, onIssue);
        }
        this.currentUpdate(sf.id).cursor = { records: item.seen, bytes: item.bytes };
        this.counts.bytes = this.bytesBefore + item.bytes;
        if (this.batchFull()) await this.commit();
        return;
      }
      this.currentUpdate(sf.id).cursor = { records: item.seen, bytes: item.bytes };
      this.currentUpdate(sf.id).status = 'done';
      this.toRelease.push(sf);
      this.counts.filesDone++;
    } catch (err) {
      if (isCancel(err) || this.opts.signal?.aborted || isFatal(err)) throw err;
      const last = this.currentUpdate(sf.id);
      last.status = 'failed';
      last.error = describeFileError(err, sf.name);
      // A failed file is not resumed: its staged copy is freed with the commit.
      this.toRelease.push(sf);
      this.counts.filesFailed++;
      this.failedFiles.add(sf.id);
      if (item.kind === 'doc') return; // the file's 'end' item closes its byte count
    }
    await this.endFile(sf, item.bytes);
  }

  private async endFile(sf: SourceFile, bytes: number): Promise<void> {
    this.bytesBefore += Math.max(sf.size, bytes);
    this.counts.bytes = this.bytesBefore;
    if (this.batchFull()) await this.commit();
  }

  private batchFull(): boolean {
    const maxDocs = this.opts.batchDocuments ?? 200;
    const maxChars = this.opts.batchChars ?? 2_000_000;
    return this.batch.documents.length >= maxDocs || this.batch.chars >= maxChars;
  }

  private countIssue(sf: SourceFile, issue: RecordIssue): void {
    const u = this.currentUpdate(sf.id);
    this.batch.delta.issues++;
    u.delta.issues++;
    const kept = this.issuesKept.get(sf.id) ?? 0;
    this.issuesKept.set(sf.id, kept + 1);
    if (kept < maxIssueMessages) u.issueMessages.push(issueMessage(issue));
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
    err.name === 'NotFoundError' ||
    // The pool restarts a crashed segmenter once; a second crash stops the job (resumable).
    err.name === 'WorkerCrashedError'
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

/** The file's stored segmentation choice wins, so a resume segments as the start did. */
export function segmentOptionsOf(sf: SourceFile, job: SegmentOptions): SegmentOptions {
  return sf.segment ? { ...job, packLongSections: sf.segment.packLongSections } : job;
}
