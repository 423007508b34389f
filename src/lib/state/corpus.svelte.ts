// State of the Data step (method.md §2 "Data": the unlabelled corpus and the seed pairs):
// imports run in the ingest worker as tracked jobs (progress, ETA, cancel in the jobs area);
// counts, histogram, samples and the segment browser read the store through a small port.
import { RpcClient, type Progress, type WorkerLike } from '../protocol';
import type {
  CorpusStats,
  DropReason,
  IngestCounts,
  IngestEvent,
  IngestResult,
  ReaderChoice,
  SeedFieldMapping,
  SeedImportOutcome,
  SeedPreview,
  SegmentRecord,
  SourceFile,
} from '../domain';
import type { IngestSchema } from '../pipeline/ingest-protocol';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';

/** What the Data step reads from the store (implemented over it in corpus-open.ts). */
export interface CorpusPort {
  stats(workspaceId: string): Promise<CorpusStats>;
  sourceFiles(workspaceId: string): Promise<SourceFile[]>;
  page(
    workspaceId: string,
    limit: number,
    after?: string,
  ): Promise<{ items: SegmentRecord[]; next: string | undefined }>;
  search(
    workspaceId: string,
    query: string,
  ): Promise<{ items: SegmentRecord[]; complete: boolean }>;
  samples(workspaceId: string, reason: DropReason, n: number): Promise<SegmentRecord[]>;
  seedCount(workspaceId: string): Promise<number>;
}

const pageSize = 200;

/** public/demo/ next to the app's index.html (works under any base path). */
function defaultDemoBase(): string {
  return `${location.origin}${location.pathname.replace(/[^/]*$/, '')}demo/`;
}

export type { CorpusStats, DropReason, SegmentRecord, SourceFile };

export class CorpusState {
  stats = $state<CorpusStats | null>(null);
  files = $state<SourceFile[]>([]);
  /** Counts of the running import (null when none runs). */
  live = $state<IngestCounts | null>(null);
  progress = $state<Progress | null>(null);
  running = $state(false);
  error = $state<string | null>(null);
  lastResult = $state<IngestResult | null>(null);
  seedCount = $state(0);

  /** Files an earlier session left unfinished; 'cancelled' ones wait for Resume. */
  unfinished = $derived(this.files.filter((f) => f.status !== 'done' && f.status !== 'failed'));
  failed = $derived(this.files.filter((f) => f.status === 'failed'));
  /** Imported files with record issues (bad rows, bytes replaced with U+FFFD, ...). */
  withIssues = $derived(this.files.filter((f) => f.status === 'done' && f.issues?.length));

  samplesReason = $state<DropReason | null>(null);
  samples = $state<SegmentRecord[]>([]);

  segments = $state<SegmentRecord[]>([]);
  query = $state('');
  searchComplete = $state(true);
  private nextAfter: string | undefined;
  private loadingMore = false;

  /**
   * The stated alternative to the paper's 'too-long' rule (issue 13 item 7): split a long
   * section at paragraph boundaries into 600–3,000-character segments instead of dropping it.
   * Applies to imports started in this session; each file keeps the choice it was imported
   * with, so a resume (even after a reload) segments it the same way (SourceFile.segment).
   */
  splitLongSections = $state(false);

  seedFile = $state<File | null>(null);
  seedPreview = $state<SeedPreview | null>(null);
  seedMapping = $state<SeedFieldMapping | null>(null);
  seedResult = $state<SeedImportOutcome | null>(null);
  seedBusy = $state(false);
  /** Leave out seed pairs that repeat an earlier pair of the file (issue 13 item 6). */
  seedSkipDuplicates = $state(true);

  private client: RpcClient<IngestSchema>;
  /** Workspaces whose interrupted imports were already continued in this session. */
  private autoResumed: string[] = [];

  constructor(
    private readonly port: CorpusPort,
    private readonly jobs: JobsState,
    spawn: () => WorkerLike,
    private readonly workspaceId: () => string | null,
    private readonly demoBase: () => string = defaultDemoBase,
    private readonly onChanged: () => void = () => undefined,
  ) {
    this.client = new RpcClient<IngestSchema>(spawn);
  }

  /** Reloads counts, files and the first page of segments of the current workspace. */
  async refresh(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    try {
      const [stats, files, seeds] = await Promise.all([
        this.port.stats(ws),
        this.port.sourceFiles(ws),
        this.port.seedCount(ws),
      ]);
      this.stats = stats;
      this.files = files;
      this.seedCount = seeds;
      await this.loadSegments(true);
    } catch (err) {
      this.error = describeError(err);
    }
  }

  /**
   * On start: files a reload interrupted ('pending' / 'reading') continue by themselves, once
   * per workspace and session; 'cancelled' ones wait for the user's Resume.
   */
  async autoResume(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws || this.running || this.autoResumed.includes(ws)) return;
    this.autoResumed.push(ws);
    await this.refresh();
    const interrupted = this.unfinished.filter((f) => f.status !== 'cancelled');
    if (interrupted.length) await this.resume(interrupted.map((f) => f.id));
  }

  importFiles(files: { file: File; path?: string }[], reader?: ReaderChoice): Promise<void> {
    const ws = this.workspaceId();
    if (!ws || !files.length) return Promise.resolve();
    const label =
      files.length === 1
        ? `Import ${files[0].path || files[0].file.name}`
        : `Import ${files.length} files`;
    return this.runJob(label, (signal, onProgress) =>
      this.client.call(
        'ingest',
        { workspaceId: ws, files, ...(reader ? { reader } : {}), ...this.segmentChoice() },
        {
          signal,
          onProgress,
          onEvent: (e) => this.onEvent(e),
        },
      ),
    );
  }

  private segmentChoice(): { segment?: { packLongSections: true } } {
    return this.splitLongSections ? { segment: { packLongSections: true } } : {};
  }

  resume(sourceFileIds?: string[]): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return Promise.resolve();
    return this.runJob('Resume import', (signal, onProgress) =>
      this.client.call(
        'resume',
        { workspaceId: ws, ...(sourceFileIds ? { sourceFileIds } : {}), ...this.segmentChoice() },
        { signal, onProgress, onEvent: (e) => this.onEvent(e) },
      ),
    );
  }

  loadDemo(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return Promise.resolve();
    return this.runJob('Load demo data', async (signal, onProgress) => {
      const res = await this.client.call(
        'loadDemo',
        { workspaceId: ws, baseUrl: this.demoBase() },
        { signal, onProgress, onEvent: (e) => this.onEvent(e) },
      );
      this.seedResult = res.seeds;
      return res;
    });
  }

  async showSamples(reason: DropReason | null): Promise<void> {
    const ws = this.workspaceId();
    this.samplesReason = reason;
    this.samples = ws && reason ? await this.port.samples(ws, reason, 20) : [];
  }

  /** First page (reset) or the next page of kept segments, or the search results. */
  async loadSegments(reset = false): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    if (this.query.trim()) {
      if (!reset) return;
      const found = await this.port.search(ws, this.query.trim());
      this.segments = found.items;
      this.searchComplete = found.complete;
      this.nextAfter = undefined;
      return;
    }
    if (!reset && (!this.nextAfter || this.loadingMore)) return;
    this.loadingMore = true;
    try {
      const page = await this.port.page(ws, pageSize, reset ? undefined : this.nextAfter);
      this.segments = reset ? page.items : [...this.segments, ...page.items];
      this.nextAfter = page.next;
      this.searchComplete = true;
    } finally {
      this.loadingMore = false;
    }
  }

  async search(query: string): Promise<void> {
    this.query = query;
    await this.loadSegments(true);
  }

  async chooseSeedFile(file: File): Promise<void> {
    this.seedFile = file;
    this.seedMapping = null;
    this.seedResult = null;
    await this.previewSeeds();
  }

  /** Switches duplicate skipping and recounts the preview's valid pairs. */
  async setSeedSkipDuplicates(skip: boolean): Promise<void> {
    this.seedSkipDuplicates = skip;
    await this.previewSeeds(this.seedMapping ?? undefined);
  }

  async previewSeeds(mapping?: SeedFieldMapping): Promise<void> {
    if (!this.seedFile) return;
    this.seedBusy = true;
    try {
      const preview = await this.client.call('previewSeeds', {
        file: this.seedFile,
        skipDuplicates: this.seedSkipDuplicates,
        ...(mapping ? { mapping } : {}),
      });
      this.seedPreview = preview;
      this.seedMapping = mapping ?? preview.mapping;
    } catch (err) {
      this.error = describeError(err);
    } finally {
      this.seedBusy = false;
    }
  }

  async importSeeds(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws || !this.seedFile) return;
    this.seedBusy = true;
    try {
      this.seedResult = await this.client.call('importSeeds', {
        workspaceId: ws,
        file: this.seedFile,
        skipDuplicates: this.seedSkipDuplicates,
        ...(this.seedMapping ? { mapping: { ...this.seedMapping } } : {}),
      });
      this.seedFile = null;
      this.seedPreview = null;
      this.seedCount = await this.port.seedCount(ws);
      this.onChanged();
    } catch (err) {
      this.error = describeError(err);
    } finally {
      this.seedBusy = false;
    }
  }

  clearError(): void {
    this.error = null;
  }

  dispose(): void {
    this.client.terminate();
  }

  private onEvent(e: IngestEvent): void {
    if (e.kind === 'counts') this.live = e.counts;
    else {
      const i = this.files.findIndex((f) => f.id === e.sourceFileId);
      if (i >= 0)
        this.files[i] = {
          ...this.files[i],
          status: e.status,
          ...(e.error ? { error: e.error } : {}),
        };
      else void this.refreshFiles();
    }
  }

  private async refreshFiles(): Promise<void> {
    const ws = this.workspaceId();
    if (ws) this.files = await this.port.sourceFiles(ws);
  }

  private async runJob(
    label: string,
    work: (signal: AbortSignal, onProgress: (p: Progress) => void) => Promise<IngestResult>,
  ): Promise<void> {
    this.running = true;
    this.error = null;
    this.live = null;
    const { result } = this.jobs.start(label, ({ signal, onProgress }) =>
      work(signal, (p) => {
        this.progress = p;
        onProgress(p);
      }),
    );
    try {
      this.lastResult = await result;
    } catch (err) {
      this.error = describeError(err);
    } finally {
      this.running = false;
      this.progress = null;
      await this.refresh();
      this.onChanged();
    }
  }
}
