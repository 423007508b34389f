// The ingest worker's logic (workers/ingest.worker.ts only wires it to serve()): creates the
// source file records of an import, stages uploads into OPFS, runs ingestFiles, resumes
// unfinished files after a reload, and loads the embedded demo corpus.
import { defaultSegmentOptions, type SegmentOptions } from '../corpus/types';
import { InputError } from '../protocol/errors';
import type { CallContext } from '../protocol/server';
import type { IngestRepo } from '../store/ingest-repo';
import type { Id, SourceFile } from '../domain';
import { newId } from '../util/ids';
import {
  ingestFiles,
  type DedupPort,
  type IngestDeps,
  type IngestOptions,
  type PreparePool,
  type ReadFn,
  type SegmentFn,
} from './ingest';
import type {
  DemoRequest,
  IngestEvent,
  IngestRequest,
  IngestResult,
  ReaderChoice,
  ResumeRequest,
} from './ingest-protocol';
import { openStaged, opfsAvailable, removeStaged, stageFile } from './staging';

export interface ServiceDeps {
  repo: IngestRepo;
  read: ReadFn;
  segment: SegmentFn;
  /** The workspace's dedup decisions over its persisted index. */
  dedupFor: (workspaceId: Id) => Promise<DedupPort>;
  /**
   * A pool of segmenter workers for one job (segmenter-pool.ts), stopped when the job ends
   * or is cancelled; none (or size 1) = the single-thread path.
   */
  pool?: () => PreparePool | undefined;
  /** Stage uploads in OPFS (default: when available). Tests and benches keep files in memory. */
  stage?: boolean;
  fetch?: typeof fetch;
}

/** public/demo/manifest.json: document paths relative to it, the seed file, planted junk. */
export interface DemoManifest {
  documents: string[];
  seed?: string;
  junk?: { file: string; header: string; expect: string }[];
}

export class IngestService {
  /** Files handed over in this session and not staged (no OPFS, or staging off). */
  private memory = new Map<Id, File>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Batch limits and hooks passed to ingestFiles (tests simulate crashes through them). */
  testOptions: Pick<
    IngestOptions,
    'batchDocuments' | 'batchChars' | 'afterCommit' | 'groupDocuments'
  > = {};

  constructor(private readonly deps: ServiceDeps) {}

  /** Hands over the bytes of an unstaged ('memory') file again, e.g. after a re-pick. */
  adoptMemoryFile(sourceFileId: Id, file: File): void {
    this.memory.set(sourceFileId, file);
  }

  /** New import: records first (so a reload knows about the files), then staging, then ingest. */
  ingest(req: IngestRequest, ctx: CallContext<IngestEvent>): Promise<IngestResult> {
    return this.exclusive(async () => {
      const importId = newId();
      const stage = this.deps.stage ?? opfsAvailable();
      const records: SourceFile[] = req.files.map(({ file, path }) => {
        const id = newId();
        return {
          id,
          workspaceId: req.workspaceId,
          name: path || file.name,
          size: file.size,
          lastModified: file.lastModified,
          importId,
          status: 'pending',
          cursor: { bytes: 0, records: 0 },
          origin: stage ? { kind: 'opfs', path: `ingest-staging/${id}` } : { kind: 'memory' },
          ...(req.reader ? { reader: pickReader(req.reader) } : {}),
          segment: { packLongSections: req.segment?.packLongSections === true },
        };
      });
      await this.deps.repo.addSourceFiles(records);
      for (const [i, sf] of records.entries()) {
        const file = req.files[i].file;
        if (stage) {
          ctx.progress({
            job: importId,
            kind: 'ingest',
            phase: 'stage',
            unit: 'files',
            done: i,
            total: records.length,
            detail: `copying ${sf.name} into browser storage`,
          });
          await stageFile(sf.id, file, ctx.signal);
        } else this.memory.set(sf.id, file);
      }
      return this.run(req.workspaceId, records, importId, req.segment, ctx);
    });
  }

  /** Continues the workspace's unfinished files (all, or the given ones). */
  resume(req: ResumeRequest, ctx: CallContext<IngestEvent>): Promise<IngestResult> {
    return this.exclusive(async () => {
      let files = await this.deps.repo.unfinishedSourceFiles(req.workspaceId);
      if (req.sourceFileIds) files = files.filter((f) => req.sourceFileIds!.includes(f.id));
      return this.run(req.workspaceId, files, files[0]?.importId ?? null, req.segment, ctx);
    });
  }

  /** Fetches the demo manifest and ingests its files (origin: their URLs, so no staging). */
  loadDemo(req: DemoRequest, ctx: CallContext<IngestEvent>): Promise<IngestResult> {
    return this.exclusive(async () => {
      const manifest = await this.fetchManifest(req.baseUrl);
      const importId = newId();
      const records: SourceFile[] = [];
      for (const path of manifest.documents) {
        const url = new URL(path, req.baseUrl).href;
        records.push({
          id: newId(),
          workspaceId: req.workspaceId,
          name: `demo/${path}`,
          size: 0,
          lastModified: 0,
          importId,
          status: 'pending',
          cursor: { bytes: 0, records: 0 },
          origin: { kind: 'url', url },
        });
      }
      await this.deps.repo.addSourceFiles(records);
      return this.run(req.workspaceId, records, importId, undefined, ctx);
    });
  }

  async fetchManifest(baseUrl: string): Promise<DemoManifest> {
    const url = new URL('manifest.json', baseUrl).href;
    const res = await (this.deps.fetch ?? fetch)(url);
    if (!res.ok)
      throw new InputError(`could not load the demo manifest (HTTP ${res.status})`, { file: url });
    const manifest = (await res.json()) as Partial<DemoManifest>;
    if (!Array.isArray(manifest.documents))
      throw new InputError('the demo manifest has no "documents" list', { file: url });
    return manifest as DemoManifest;
  }

  private async run(
    workspaceId: Id,
    files: SourceFile[],
    importId: Id | null,
    segment: Partial<SegmentOptions> | undefined,
    ctx: CallContext<IngestEvent>,
  ): Promise<IngestResult> {
    const pool = this.deps.pool?.();
    const stopPool = () => pool?.dispose();
    ctx.signal.addEventListener('abort', stopPool);
    try {
      return await this.runWith(workspaceId, files, importId, segment, ctx, pool);
    } finally {
      ctx.signal.removeEventListener('abort', stopPool);
      stopPool();
    }
  }

  private async runWith(
    workspaceId: Id,
    files: SourceFile[],
    importId: Id | null,
    segment: Partial<SegmentOptions> | undefined,
    ctx: CallContext<IngestEvent>,
    pool: PreparePool | undefined,
  ): Promise<IngestResult> {
    const ingestDeps: IngestDeps = {
      repo: this.deps.repo,
      read: this.deps.read,
      segment: this.deps.segment,
      dedup: await this.deps.dedupFor(workspaceId),
      open: (sf) => this.open(sf),
      release: (sf) => this.release(sf),
      ...(pool ? { pool } : {}),
    };
    const opts: IngestOptions = {
      ...this.testOptions,
      segment: { ...defaultSegmentOptions, ...segment },
      signal: ctx.signal,
      onProgress: (p) => ctx.progress(p),
      onCounts: (counts) => ctx.emit({ kind: 'counts', counts }),
      onFile: (sf) =>
        ctx.emit({
          kind: 'file',
          sourceFileId: sf.id,
          name: sf.name,
          status: sf.status,
          ...(sf.error ? { error: sf.error } : {}),
        }),
    };
    const result = await ingestFiles(ingestDeps, files, opts);
    return {
      importId,
      files: result.files.map((f) => ({
        id: f.id,
        name: f.name,
        status: f.status,
        ...(f.error ? { error: f.error } : {}),
      })),
      counts: result.counts,
    };
  }

  private async open(sf: SourceFile): Promise<File | null> {
    const origin = sf.origin ?? { kind: 'memory' };
    if (origin.kind === 'memory') return this.memory.get(sf.id) ?? null;
    // Readers pick the format by name, so the bytes are wrapped under the user's file name
    // (a File over a Blob references the bytes, it does not copy them).
    const named = (blob: Blob) => new File([blob], sf.name.slice(sf.name.lastIndexOf('/') + 1));
    if (origin.kind === 'opfs') {
      const staged = await openStaged(origin.path);
      return staged ? named(staged) : null;
    }
    const res = await (this.deps.fetch ?? fetch)(origin.url);
    if (!res.ok) throw new InputError(`download failed (HTTP ${res.status})`, { file: sf.name });
    return named(await res.blob());
  }

  private async release(sf: SourceFile): Promise<void> {
    this.memory.delete(sf.id);
    if (sf.origin?.kind === 'opfs') await removeStaged(sf.origin.path);
  }

  /** One job at a time: two imports of one workspace must not interleave their batches. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function pickReader(r: ReaderChoice): SourceFile['reader'] {
  const out: NonNullable<SourceFile['reader']> = {};
  if (r.textField) out.textField = r.textField;
  if (r.textFormat) out.textFormat = r.textFormat;
  return out;
}
