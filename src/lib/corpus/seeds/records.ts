// Reads a seed file (JSONL, JSON, CSV/TSV) into plain records with their line numbers.
// Seed sets are small (the paper uses 3,200 pairs, method.md §2), so records are
// collected in memory, bounded by a size cap; decoding reuses the corpus readers' rules.
import type { SeedLineError } from '../../domain/seeds';
import { InputError } from '../../protocol/errors';
import { decodeText, splitLines } from '../decode';
import { streamChunks } from '../readers/bytes';
import { CsvRowSplitter, type CsvRow } from '../readers/csv-rows';
import { JsonRecordScanner } from '../readers/json';
import { readParquetSeedRecords } from './parquet-records';

export interface SeedRecord {
  /** 1-based line where the record starts. */
  line: number;
  value: unknown;
}

export type { SeedLineError };

export const SEED_EXTENSIONS = ['.jsonl', '.ndjson', '.json', '.csv', '.tsv', '.parquet'];
const MAX_SEED_BYTES = 256 * 1024 ** 2;

/** The seed format from the name, or from the first non-blank character when it has none. */
function seedExtension(name: string, head: string): string {
  const base = name.split('/').pop() ?? name;
  const dot = base.lastIndexOf('.');
  if (dot > 0) return base.slice(dot).toLowerCase();
  const first = head.trimStart()[0];
  // A JSON array, or objects one per line (the JSON scanner reads both).
  if (first === '[' || first === '{') return '.json';
  throw new InputError(
    `has no file extension and does not start like JSON; name it ${SEED_EXTENSIONS.join(', ')}`,
    { file: name },
  );
}

export async function readSeedRecords(
  file: Blob & { name: string },
  errors: SeedLineError[],
): Promise<SeedRecord[]> {
  const name = file.name;
  if (file.size === 0) throw new InputError('file is empty', { file: name });
  const ext = seedExtension(name, await file.slice(0, 1024).text());
  if (!SEED_EXTENSIONS.includes(ext)) {
    throw new InputError(
      `unsupported seed file type "${ext}"; supported: ${SEED_EXTENSIONS.join(', ')}`,
      { file: name },
    );
  }
  if (file.size > MAX_SEED_BYTES) {
    throw new InputError('seed file is larger than 256 MiB; seed sets are a few thousand pairs', {
      file: name,
    });
  }
  if (ext === '.parquet') {
    const rows = await readParquetSeedRecords(file);
    if (!rows.length) throw new InputError('file is empty', { file: name });
    return rows;
  }
  const counters = { replacementChars: 0 };
  const text = () => decodeText(streamChunks(file.stream()), name, counters);
  const records: SeedRecord[] = [];
  if (ext === '.jsonl' || ext === '.ndjson') {
    for await (const { line, text: raw } of splitLines(text(), name, MAX_SEED_BYTES)) {
      if (!raw.trim()) continue;
      try {
        records.push({ line, value: JSON.parse(raw) });
      } catch (err) {
        errors.push({ line, message: `malformed JSON (${(err as Error).message})` });
      }
    }
  } else if (ext === '.json') {
    const scanner = new JsonRecordScanner(name, MAX_SEED_BYTES);
    for await (const chunk of text()) {
      for (const { text: raw, line } of scanner.feed(chunk)) {
        try {
          records.push({ line, value: JSON.parse(raw) });
        } catch (err) {
          errors.push({ line, message: `malformed JSON record (${(err as Error).message})` });
        }
      }
    }
    scanner.finish();
  } else {
    // Rows with broken quoting are reported and skipped; the rows after them still count.
    const splitter = new CsvRowSplitter(ext === '.tsv' ? '\t' : ',', name, MAX_SEED_BYTES);
    let header: string[] | undefined;
    const take = (rows: CsvRow[]) => {
      for (const { cells, line, bad } of rows) {
        if (bad) {
          errors.push({
            line,
            message: `CSV: row skipped, unbalanced or misplaced quote (${bad})`,
          });
          continue;
        }
        if (!header) {
          header = cells.map((h) => h.trim());
          continue;
        }
        if (cells.every((c) => !c.trim())) continue;
        if (cells.length !== header.length) {
          errors.push({
            line,
            message: `CSV: row has ${cells.length} fields, the header has ${header.length}`,
          });
          if (cells.length < header.length) continue;
        }
        const value: Record<string, string> = {};
        header.forEach((h, k) => (value[h] = cells[k] ?? ''));
        records.push({ line, value });
      }
    };
    for await (const chunk of text()) take(splitter.feed(chunk));
    take(splitter.finish());
  }
  if (!records.length && !errors.length) throw new InputError('file is empty', { file: name });
  return records;
}
