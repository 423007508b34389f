// Reads a seed file (JSONL, JSON, CSV/TSV) into plain records with their line numbers.
// Seed sets are small (the paper uses 3,200 pairs, method.md §2), so records are
// collected in memory, bounded by a size cap; decoding reuses the corpus readers' rules.
import Papa from 'papaparse';
import type { SeedLineError } from '../../domain/seeds';
import { InputError } from '../../protocol/errors';
import { decodeText, splitLines } from '../decode';
import { streamChunks } from '../readers/bytes';
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

export async function readSeedRecords(
  file: Blob & { name: string },
  errors: SeedLineError[],
): Promise<SeedRecord[]> {
  const name = file.name;
  const ext = name.slice(name.lastIndexOf('.')).toLowerCase();
  if (!SEED_EXTENSIONS.includes(ext)) {
    throw new InputError(
      `unsupported seed file type "${ext}"; supported: ${SEED_EXTENSIONS.join(', ')}`,
      { file: name },
    );
  }
  if (file.size === 0) throw new InputError('file is empty', { file: name });
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
    let all = '';
    for await (const chunk of text()) all += chunk;
    const parsed = Papa.parse<Record<string, string>>(all, {
      header: true,
      skipEmptyLines: 'greedy',
      delimiter: ext === '.tsv' ? '\t' : ',',
      transformHeader: (h) => h.trim(),
    });
    for (const e of parsed.errors) {
      if (e.row !== undefined) errors.push({ line: e.row + 2, message: `CSV: ${e.message}` });
    }
    parsed.data.forEach((row, i) => records.push({ line: i + 2, value: row }));
  }
  if (!records.length && !errors.length) throw new InputError('file is empty', { file: name });
  return records;
}
