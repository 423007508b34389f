// The run report (issue 11 items 4–5), as JSON and as Markdown: the run's config and lineage
// (models, adapters, engines), counts at each stage, the paper's statistics table for this
// run with the paper's values beside it (v1 Table 2, stats-table.ts), the keep rate at each
// k (§2.3), the score histogram of every rater and iteration (an inline SVG), and the
// people's overrides. Built in one pass over a stream of pairs: only counters and running
// length statistics are held.
import type { RunConfig } from '../../domain/runs';
import { isSelected } from '../selection';
import { LengthAccumulator } from '../stats';
import { PAPER_TABLE, type StatsRow, type StatsRowId } from '../stats-table';
import { histogramSvg } from './histogram-svg';
import { toRow, type ExportSelection } from './select';
import type { ExportFormat, ExportPair, PairSource } from './types';

export interface ReportInput {
  runName: string;
  createdAt?: number;
  config: RunConfig;
  /** Items at each stage, in order (e.g. passages, instructions generated, filtered, rated). */
  stageCounts?: { stage: string; count: number }[];
  /** Which iteration/rater decides for the statistics table and keep rates. */
  selection?: Pick<ExportSelection, 'iteration' | 'rater'>;
  exported?: { path: string; format: ExportFormat; rows: number }[];
}

export interface ScoreHistogram {
  rater: string;
  iteration: number;
  /** Pairs rated 1..5 (index 0 is score 1). */
  counts: number[];
  /** Ratings that could not be parsed. */
  unscored: number;
  /** Fast-mode expected scores in half-point bins [1,1.5) … [4.5,5], when there are any. */
  expected?: number[];
  svg: string;
}

export interface RunReport {
  run: { name: string; createdAt?: number };
  config: RunConfig;
  stageCounts: { stage: string; count: number }[];
  statistics: StatsRow[];
  keepRates: { k: number; kept: number; rate: number }[];
  histograms: ScoreHistogram[];
  overrides: { accepted: number; rejected: number; edited: number };
  exported: { path: string; format: ExportFormat; rows: number }[];
}

export const EXPECTED_BIN_LABELS = ['1', '1.5', '2', '2.5', '3', '3.5', '4', '4.5'];
export const SCORE_LABELS = ['1', '2', '3', '4', '5', 'n/a'];

function expectedBin(e: number): number {
  return Math.min(7, Math.max(0, Math.floor((e - 1) * 2)));
}

class RowStats {
  count = 0;
  readonly instruction = new LengthAccumulator();
  readonly output = new LengthAccumulator();
  add(instruction: string, output: string) {
    this.count++;
    this.instruction.add(instruction);
    this.output.add(output);
  }
  row(id: StatsRowId): StatsRow {
    const { label, ...paper } = PAPER_TABLE[id];
    const { count } = this;
    return {
      id,
      label,
      count,
      instruction: this.instruction.stats(),
      output: this.output.stats(),
      paper,
    };
  }
}

export async function buildRunReport(
  input: ReportInput,
  pairs: PairSource<ExportPair>,
): Promise<RunReport> {
  const sel = input.selection ?? {};
  const rows = {
    seed: new RowStats(),
    a5: new RowStats(),
    a4: new RowStats(),
    all: new RowStats(),
  };
  const kept = [0, 0, 0, 0, 0];
  const histograms = new Map<string, Omit<ScoreHistogram, 'svg'>>();
  const overrides = { accepted: 0, rejected: 0, edited: 0 };
  for await (const pair of pairs) {
    const row = toRow(pair, sel);
    if (row.verdict === 'accept') overrides.accepted++;
    if (row.verdict === 'reject') overrides.rejected++;
    if (row.edited) overrides.edited++;
    if (pair.origin === 'seed') {
      if (row.verdict !== 'reject') rows.seed.add(row.instruction, row.output);
      continue;
    }
    const scored = {
      score: row.score,
      override: row.verdict === 'accept' ? 'keep' : row.verdict === 'reject' ? 'drop' : undefined,
    } as const;
    rows.all.add(row.instruction, row.output);
    if (isSelected(scored, 5)) rows.a5.add(row.instruction, row.output);
    if (isSelected(scored, 4)) rows.a4.add(row.instruction, row.output);
    for (let k = 1; k <= 5; k++) if (isSelected(scored, k)) kept[k - 1]++;
    for (const r of pair.ratings ?? []) {
      const key = `${r.rater}\u0000${r.iteration}`;
      const h = histograms.get(key) ?? {
        rater: r.rater,
        iteration: r.iteration,
        counts: [0, 0, 0, 0, 0],
        unscored: 0,
      };
      if (typeof r.score === 'number' && r.score >= 1 && r.score <= 5)
        h.counts[Math.round(r.score) - 1]++;
      else if (r.score !== undefined) h.unscored++;
      if (typeof r.expected === 'number')
        (h.expected ??= Array(8).fill(0))[expectedBin(r.expected)]++;
      histograms.set(key, h);
    }
  }
  const total = rows.all.count;
  return {
    run: { name: input.runName, createdAt: input.createdAt },
    config: input.config,
    stageCounts: input.stageCounts ?? [],
    statistics: (['seed', 'a5', 'a4', 'all'] as const).map((id) => rows[id].row(id)),
    keepRates: kept.map((n, i) => ({ k: i + 1, kept: n, rate: total ? n / total : 0 })),
    histograms: [...histograms.values()]
      .sort((a, b) => a.iteration - b.iteration || a.rater.localeCompare(b.rater))
      .map((h) => ({
        ...h,
        svg: histogramSvg(`Scores by ${h.rater}, iteration ${h.iteration}`, SCORE_LABELS, [
          ...h.counts,
          h.unscored,
        ]),
      })),
    overrides,
    exported: input.exported ?? [],
  };
}

/** The report as JSON text (the histograms' SVG included). */
export function reportJson(report: RunReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}
