// A run's data leaving the store (issue 11 items 4–5): the run's seed pairs and candidates
// streamed page by page as plain export pairs, into the statistics (the paper's v1 Table 2,
// keep rates, histograms: method/export/report.ts), into the preview and count of an export,
// and into the format writers. Only one page of candidates is held at a time, so a run of any
// size is exported and summarised without loading it (the writers then hold one chunk or one
// Parquet row group). The Export step's state and the workshop read the statistics from here.
import type { Run } from '../domain';
import {
  buildRunReport,
  candidateToPair,
  datasetCard,
  exportChunks,
  FORMAT_FILES,
  isExportable,
  selectRows,
  seedToPair,
  type CardInput,
  type Chunk,
  type ExportOptions,
  type ExportPair,
  type ExportRow,
  type ExportSelection,
  type RunReport,
} from '../method/export';
import type { Store } from '../store';

export type ExportStore = Pick<Store, 'candidates' | 'seeds'>;
export type ExportRun = Pick<
  Run,
  'id' | 'workspaceId' | 'name' | 'createdAt' | 'config' | 'stages'
>;

/** Candidates read per store transaction. */
export const EXPORT_PAGE_SIZE = 500;

export interface RunPairsOptions {
  /** Include the workspace's seed pairs first (default true). */
  seeds?: boolean;
  pageSize?: number;
  signal?: AbortSignal;
}

/**
 * The run's pairs: the workspace's seed pairs (a few thousand at most, read at once), then the
 * run's usable or accepted candidates in write order, one page per transaction.
 */
export async function* runPairs(
  store: ExportStore,
  run: Pick<Run, 'id' | 'workspaceId'>,
  opts: RunPairsOptions = {},
): AsyncGenerator<ExportPair> {
  if (opts.seeds ?? true) {
    for (const s of await store.seeds.list(run.workspaceId)) yield seedToPair(s);
  }
  let after: string | undefined;
  do {
    opts.signal?.throwIfAborted();
    const page = await store.candidates.page(run.id, opts.pageSize ?? EXPORT_PAGE_SIZE, after);
    for (const c of page.items) if (isExportable(c)) yield candidateToPair(c);
    after = page.next;
  } while (after !== undefined);
}

/** Items done at each of the run's stages, in the order they were run. */
export function stageCounts(run: Pick<Run, 'stages'>): { stage: string; count: number }[] {
  return Object.entries(run.stages)
    .filter(([, s]) => s !== undefined)
    .sort(([, a], [, b]) => (a!.startedAt ?? 0) - (b!.startedAt ?? 0))
    .map(([stage, s]) => ({ stage, count: s!.done }));
}

/**
 * The run's statistics in one streamed pass: the paper's statistics table (seed, A_5, A_4,
 * all candidates), keep rate at each k, the score histogram per rater and iteration, and the
 * people's overrides. `selection` says whose rating decides for the table and the keep rates.
 */
export function runStatistics(
  store: ExportStore,
  run: ExportRun,
  selection: Pick<ExportSelection, 'iteration' | 'rater'> = {},
  exported?: RunReport['exported'],
  signal?: AbortSignal,
): Promise<RunReport> {
  return buildRunReport(
    {
      runName: run.name,
      createdAt: run.createdAt,
      config: run.config,
      stageCounts: stageCounts(run),
      selection,
      exported,
    },
    runPairs(store, run, { signal }),
  );
}

export interface ExportCounts {
  seed: number;
  augmented: number;
  /** Exported pairs whose text a person edited. */
  edited: number;
}

export interface ExportPreview {
  rows: ExportRow[];
  counts: ExportCounts;
}

const wantsSeeds = (sel: ExportSelection) => (sel.origins ?? ['seed']).includes('seed');

/** The first `limit` rows an export would write and how many it writes (a full streamed pass). */
export async function exportPreview(
  store: ExportStore,
  run: Pick<Run, 'id' | 'workspaceId'>,
  selection: ExportSelection,
  limit = 5,
  signal?: AbortSignal,
): Promise<ExportPreview> {
  const rows: ExportRow[] = [];
  const counts: ExportCounts = { seed: 0, augmented: 0, edited: 0 };
  const pairs = runPairs(store, run, { seeds: wantsSeeds(selection), signal });
  for await (const row of selectRows(pairs, selection)) {
    if (rows.length < limit) rows.push(row);
    counts[row.origin]++;
    if (row.edited) counts.edited++;
  }
  return { rows, counts };
}

/** The export file, streamed from the store through the format's writer. */
export function exportRunChunks(
  store: ExportStore,
  run: Pick<Run, 'id' | 'workspaceId'>,
  opts: ExportOptions,
  signal?: AbortSignal,
): AsyncGenerator<Chunk> {
  return exportChunks(runPairs(store, run, { seeds: wantsSeeds(opts.selection), signal }), opts);
}

/** A file name for a run's export: the run's name made safe, the format, the extension. */
export function exportFileName(runName: string, format: ExportOptions['format']): string {
  const slug =
    runName
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '') || 'run';
  return `${slug}-${format}${FORMAT_FILES[format].extension}`;
}

/** The dataset card (README.md) describing an export of the run. */
export function runDatasetCard(
  run: ExportRun,
  opts: ExportOptions,
  counts: ExportCounts,
  fileName: string,
): string {
  const corpus = run.config.corpus;
  const input: CardInput = {
    prettyName: run.name,
    source: {
      description:
        'Passages of an unlabelled text corpus imported into Humpback Studio and segmented by ' +
        'its headers (Li et al. 2023, §2.1)',
      documents: corpus?.documents,
      segments: corpus?.keptSegments,
    },
    method: {
      rule: opts.selection.rule,
      iteration: opts.selection.iteration,
      iterations: run.config.iterations,
      systemTags: opts.systemTags ?? false,
    },
    lineage: run.config.lineage,
    counts,
    files: [{ path: fileName, format: opts.format }],
  };
  return datasetCard(input);
}
