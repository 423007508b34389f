// Parquet export (issue 11 item 5: the format Hugging Face datasets publish), written with
// hyparquet-writer's incremental ParquetWriter. Rows are gathered into a row group of at most
// `rowGroupRows` rows or `rowGroupChars` characters of text, whichever comes first; the group
// is encoded, its bytes handed out as one chunk, and the next group is pulled. Memory bound:
// one row group's column arrays, its encoded bytes (the writer's buffer keeps the size of the
// largest group), and the footer's per-group metadata (a few hundred bytes per group).
// Columns: instruction, input ('' when none, as Alpaca files have it), output, then system
// (the §2.3 tag, only with systemTags), origin, rater, iteration, score, expected_score,
// verdict, edited and source: the review's provenance, which trainers ignore.
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { tagFor } from '../tagging';
import type { Chunk, ExportRow, PairSource } from './types';

export interface ParquetOptions {
  systemTags?: boolean;
  /** Rows per row group at most (default 10,000). */
  rowGroupRows?: number;
  /** Characters of text per row group at most (default 8 Mi, about 8–24 MB of UTF-8). */
  rowGroupChars?: number;
}

export const DEFAULT_ROW_GROUP_ROWS = 10_000;
export const DEFAULT_ROW_GROUP_CHARS = 8 * 1024 * 1024;

const text = (name: string, required: boolean): SchemaElement => ({
  name,
  type: 'BYTE_ARRAY',
  converted_type: 'UTF8',
  repetition_type: required ? 'REQUIRED' : 'OPTIONAL',
});

/** The file's columns, in order; `system` only when tags are written. */
export function parquetSchema(systemTags: boolean): SchemaElement[] {
  const leaves: SchemaElement[] = [
    text('instruction', true),
    text('input', true),
    text('output', true),
    ...(systemTags ? [text('system', true)] : []),
    text('origin', true),
    text('rater', false),
    { name: 'iteration', type: 'INT32', repetition_type: 'OPTIONAL' },
    { name: 'score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    { name: 'expected_score', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    text('verdict', false),
    { name: 'edited', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    text('source', false),
  ];
  return [{ name: 'root', num_children: leaves.length }, ...leaves];
}

const LONG_TEXT = new Set(['instruction', 'output']);

function columnValues(rows: ExportRow[], systemTags: boolean) {
  const col = <T>(f: (r: ExportRow) => T) => rows.map(f);
  const columns: Record<string, unknown[]> = {
    instruction: col((r) => r.instruction),
    input: col((r) => r.input ?? ''),
    output: col((r) => r.output),
    ...(systemTags ? { system: col((r) => tagFor(r.origin)) } : {}),
    origin: col((r) => r.origin),
    rater: col((r) => r.rater ?? null),
    iteration: col((r) => r.iteration ?? null),
    score: col((r) => r.score ?? null),
    expected_score: col((r) => r.expected ?? null),
    verdict: col((r) => r.verdict ?? null),
    edited: col((r) => r.edited === true),
    source: col((r) => r.source ?? null),
  };
  // Long, unique texts: a dictionary would not pay and min/max statistics are of no use,
  // and both cost time (measured in test/bench/node/export.bench.ts); the short repeated
  // columns keep the writer's defaults.
  return Object.entries(columns).map(([name, data]) =>
    LONG_TEXT.has(name)
      ? { name, data, encoding: 'PLAIN' as const, statistics: false }
      : { name, data },
  );
}

/** A ByteWriter whose flush (called by ParquetWriter after each row group) takes the bytes out. */
class ChunkWriter extends ByteWriter {
  private readonly chunks: Chunk[] = [];
  flush(): void {
    if (this.index === 0) return;
    this.chunks.push(new Uint8Array(this.buffer.slice(0, this.index)));
    this.index = 0; // `offset` keeps counting: the footer's offsets are file positions
  }
  override finish(): void {
    this.flush();
  }
  take(): Chunk[] {
    return this.chunks.splice(0);
  }
}

const rowChars = (r: ExportRow) =>
  r.instruction.length + (r.input?.length ?? 0) + r.output.length + (r.source?.length ?? 0);

/** The Parquet file, streamed: one chunk per row group (the first also holds the magic), then the footer. */
export async function* parquetChunks(
  rows: PairSource<ExportRow>,
  opts: ParquetOptions = {},
): AsyncGenerator<Chunk> {
  const systemTags = opts.systemTags ?? false;
  const maxRows = opts.rowGroupRows ?? DEFAULT_ROW_GROUP_ROWS;
  const maxChars = opts.rowGroupChars ?? DEFAULT_ROW_GROUP_CHARS;
  const writer = new ChunkWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: parquetSchema(systemTags),
    createdBy: 'Humpback Studio',
  });
  let group: ExportRow[] = [];
  let chars = 0;
  const writeGroup = () => {
    // Synchronous: ChunkWriter.flush returns nothing, so write() encodes the group now.
    void parquet.write({ columnData: columnValues(group, systemTags), rowGroupSize: group.length });
    group = [];
    chars = 0;
    return writer.take();
  };
  for await (const row of rows) {
    group.push(row);
    chars += rowChars(row);
    if (group.length >= maxRows || chars >= maxChars) yield* writeGroup();
  }
  if (group.length) yield* writeGroup();
  void parquet.finish();
  yield* writer.take();
}
