// State of the Export step (issue 11 items 4–5): the chosen run, its statistics (the paper's
// v1 Table 2 for this run beside the paper's rows, keep rate at each k, score histograms per
// rater and iteration), the export form (format, tagging sentences §2.3, which pairs), a
// preview of the first rows with the count that will be exported, and the downloads: the data
// file, streamed from the store into the file (util/download.ts), the dataset card and the run
// report. Every read pages through the store (pipeline/export-service.ts), so a large run is
// never held in memory as objects.
import type { Run } from '../domain';
import {
  FORMAT_FILES,
  reportJson,
  reportMarkdown,
  type ExportFormat,
  type ExportOptions,
  type ExportSelection,
  type RunReport,
} from '../method/export';
import {
  exportFileName,
  exportPreview,
  exportRunChunks,
  runDatasetCard,
  runStatistics,
  type ExportPreview,
} from '../pipeline/export-service';
import type { Store } from '../store';
import { canStreamToFile, saveChunks, type DownloadEnv } from '../util/download';
import { CancelledError } from '../protocol/errors';
import { describeError } from './ports';

export { EXPECTED_BIN_LABELS, SCORE_LABELS, FORMAT_FILES } from '../method/export';
export type { RunReport, ExportFormat } from '../method/export';
export type { ExportPreview } from '../pipeline/export-service';

export type ExportStateStore = Pick<Store, 'runs' | 'candidates' | 'seeds'>;

export interface ExportForm {
  format: ExportFormat;
  systemTags: boolean;
  /** 'all' pairs, paper-mode 'score' ≥ k, or fast-mode 'expected' score ≥ atLeast. */
  rule: 'all' | 'score' | 'expected';
  k: number;
  atLeast: number;
  /** Whose rating decides: '' for each pair's latest, else a histogram key ("M0@1"). */
  rating: string;
  includeSeed: boolean;
  includeAugmented: boolean;
}

export const defaultExportForm = (): ExportForm => ({
  format: 'alpaca',
  systemTags: false,
  rule: 'score',
  k: 5,
  atLeast: 4.5,
  rating: '',
  includeSeed: true,
  includeAugmented: true,
});

/** The histogram key of a rating: rater and iteration ("M0 fast@1"). */
export const ratingKey = (h: { rater: string; iteration: number }) => `${h.rater}@${h.iteration}`;

/** The form as the export library's options. */
export function exportOptions(f: ExportForm): ExportOptions {
  const at = f.rating.lastIndexOf('@');
  const selection: ExportSelection = {
    rule:
      f.rule === 'score'
        ? { by: 'score', k: f.k }
        : f.rule === 'expected'
          ? { by: 'expected', atLeast: f.atLeast }
          : { by: 'all' },
    origins: [
      ...(f.includeSeed ? (['seed'] as const) : []),
      ...(f.includeAugmented ? (['augmented'] as const) : []),
    ],
  };
  if (at > 0) {
    selection.rater = f.rating.slice(0, at);
    selection.iteration = Number(f.rating.slice(at + 1));
  }
  return { format: f.format, selection, systemTags: f.systemTags };
}

export class ExportState {
  runs = $state<Run[]>([]);
  runId = $state<string | null>(null);
  run: Run | null = $derived(this.runs.find((r) => r.id === this.runId) ?? null);
  form = $state<ExportForm>(defaultExportForm());
  statistics = $state<RunReport | null>(null);
  preview = $state<ExportPreview | null>(null);
  /** What is being computed or written now, for the UI's busy state. */
  busy = $state<'statistics' | 'preview' | 'download' | null>(null);
  /** Bytes handed to the file so far during a download. */
  written = $state(0);
  error = $state<string | null>(null);
  /** The last download: its file name and how it was saved. */
  saved = $state<{ name: string; method: 'file-system-access' | 'blob'; bytes: number } | null>(
    null,
  );
  /** Whether downloads stream to disk in this browser (else built in memory first). */
  readonly streamsToFile: boolean;

  private generation = 0;
  private abort: AbortController | null = null;

  constructor(
    private readonly store: ExportStateStore,
    private readonly workspaceId: () => string | null,
    private readonly env?: DownloadEnv,
  ) {
    this.streamsToFile = env ? canStreamToFile(env) : canStreamToFile();
  }

  /** Lists the workspace's runs, keeps the chosen one (else the newest), and refreshes. */
  async load(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    try {
      const runs = await this.store.runs.list(ws);
      this.runs = [...runs].sort((a, b) => b.createdAt - a.createdAt);
      if (!this.runs.some((r) => r.id === this.runId)) this.runId = this.runs[0]?.id ?? null;
      await this.refresh();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  async select(runId: string): Promise<void> {
    this.runId = runId;
    this.form.rating = '';
    await this.refresh();
  }

  /** Recomputes the statistics and the preview (one streamed pass each); stale results drop. */
  async refresh(): Promise<void> {
    const run = this.run && $state.snapshot(this.run);
    const gen = ++this.generation;
    this.error = null;
    if (!run) {
      this.statistics = null;
      this.preview = null;
      return;
    }
    const opts = exportOptions($state.snapshot(this.form));
    const { iteration, rater } = opts.selection;
    try {
      this.busy = 'statistics';
      const statistics = await runStatistics(this.store, run, { iteration, rater });
      if (gen !== this.generation) return;
      this.statistics = statistics;
      this.busy = 'preview';
      const preview = await exportPreview(this.store, run, opts.selection, 5);
      if (gen !== this.generation) return;
      this.preview = preview;
    } catch (err) {
      if (gen === this.generation) this.error = describeError(err);
    } finally {
      if (gen === this.generation) this.busy = null;
    }
  }

  /** Only the preview (the statistics do not depend on format, tags or rule). */
  async refreshPreview(): Promise<void> {
    const run = this.run && $state.snapshot(this.run);
    if (!run) return;
    const gen = ++this.generation;
    const opts = exportOptions($state.snapshot(this.form));
    try {
      this.busy = 'preview';
      const preview = await exportPreview(this.store, run, opts.selection, 5);
      if (gen === this.generation) this.preview = preview;
    } catch (err) {
      if (gen === this.generation) this.error = describeError(err);
    } finally {
      if (gen === this.generation) this.busy = null;
    }
  }

  /** Streams the export into a file. Call from the click handler (the save picker needs it). */
  async download(): Promise<void> {
    const run = this.run && $state.snapshot(this.run);
    if (!run || this.busy === 'download') return;
    const opts = exportOptions($state.snapshot(this.form));
    const name = exportFileName(run.name, opts.format);
    const { extension, mime } = FORMAT_FILES[opts.format];
    this.abort = new AbortController();
    const signal = this.abort.signal;
    this.busy = 'download';
    this.error = null;
    this.written = 0;
    try {
      const result = await saveChunks(name, exportRunChunks(this.store, run, opts, signal), {
        mime,
        extension,
        signal,
        env: this.env,
        onProgress: (n) => (this.written = n),
      });
      if (result) this.saved = { name, method: result.method, bytes: result.written };
    } catch (err) {
      this.error = err instanceof CancelledError ? 'Export cancelled.' : describeError(err);
    } finally {
      this.busy = null;
      this.abort = null;
    }
  }

  cancel(): void {
    this.abort?.abort();
  }

  /** The dataset card (README.md) for the export the form describes. */
  async downloadCard(): Promise<void> {
    const run = this.run && $state.snapshot(this.run);
    if (!run || !this.preview) return;
    const opts = exportOptions($state.snapshot(this.form));
    const card = runDatasetCard(
      run,
      opts,
      $state.snapshot(this.preview.counts),
      exportFileName(run.name, opts.format),
    );
    await this.saveText('README.md', card, 'text/markdown', '.md');
  }

  /** The run report as JSON or Markdown (statistics, histograms, lineage, this export). */
  async downloadReport(kind: 'json' | 'md'): Promise<void> {
    const run = this.run && $state.snapshot(this.run);
    if (!run || !this.statistics || !this.preview) return;
    const opts = exportOptions($state.snapshot(this.form));
    const { seed, augmented } = this.preview.counts;
    const report: RunReport = {
      ...$state.snapshot(this.statistics),
      exported: [
        {
          path: exportFileName(run.name, opts.format),
          format: opts.format,
          rows: seed + augmented,
        },
      ],
    };
    const base = exportFileName(run.name, opts.format).replace(/\.[a-z]+$/, '');
    if (kind === 'json')
      await this.saveText(`${base}-report.json`, reportJson(report), 'application/json', '.json');
    else await this.saveText(`${base}-report.md`, reportMarkdown(report), 'text/markdown', '.md');
  }

  private async saveText(name: string, text: string, mime: string, extension: string) {
    this.error = null;
    try {
      const chunks = (async function* () {
        yield new TextEncoder().encode(text);
      })();
      const result = await saveChunks(name, chunks, { mime, extension, env: this.env });
      if (result) this.saved = { name, method: result.method, bytes: result.written };
    } catch (err) {
      this.error = describeError(err);
    }
  }
}
