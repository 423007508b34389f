// Export of a curated set (issue 11 item 5): select pairs, stream them in a trainer's format,
// and describe them (dataset card, run report). Pure functions over plain pairs; the store
// and the Review screen feed them, and util/download.ts saves the chunks.
import { jsonlChunks } from './jsonl';
import { parquetChunks } from './parquet';
import { selectRows, type ExportSelection } from './select';
import type { Chunk, ExportFormat, ExportPair, PairSource } from './types';

export * from './types';
export * from './select';
export * from './from-store';
export { jsonlChunks, jsonlRecord, userText, DEFAULT_CHUNK_BYTES } from './jsonl';
export {
  parquetChunks,
  parquetSchema,
  DEFAULT_ROW_GROUP_ROWS,
  DEFAULT_ROW_GROUP_CHARS,
} from './parquet';
export { datasetCard, cardFrontMatter, sizeCategory, type CardInput, type CardFile } from './card';
export {
  buildRunReport,
  reportJson,
  EXPECTED_BIN_LABELS,
  SCORE_LABELS,
  type RunReport,
  type ReportInput,
} from './report';
export { reportMarkdown } from './report-markdown';
export { histogramSvg, svgDataUri } from './histogram-svg';

export const FORMAT_FILES: Record<
  ExportFormat,
  { extension: string; mime: string; label: string }
> = {
  alpaca: { extension: '.jsonl', mime: 'application/jsonl', label: 'JSONL, Alpaca fields' },
  openai: { extension: '.jsonl', mime: 'application/jsonl', label: 'JSONL, OpenAI chat messages' },
  sharegpt: {
    extension: '.jsonl',
    mime: 'application/jsonl',
    label: 'JSONL, ShareGPT conversations',
  },
  parquet: { extension: '.parquet', mime: 'application/vnd.apache.parquet', label: 'Parquet' },
};

export interface ExportOptions {
  format: ExportFormat;
  selection: ExportSelection;
  systemTags?: boolean;
}

/** The selected pairs of `pairs` as a file in `format`, streamed. */
export function exportChunks(
  pairs: PairSource<ExportPair>,
  opts: ExportOptions,
): AsyncGenerator<Chunk> {
  const rows = selectRows(pairs, opts.selection);
  const systemTags = opts.systemTags ?? false;
  return opts.format === 'parquet'
    ? parquetChunks(rows, { systemTags })
    : jsonlChunks(rows, opts.format, { systemTags });
}
