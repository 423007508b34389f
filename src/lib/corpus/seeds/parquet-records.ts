// Seed records from a Parquet file (issue 11 item 6: an exported Parquet loads back as a seed
// set). Rows are read a row group at a time through Blob.slice; the seed size cap of
// records.ts bounds the whole. A record's `line` is its 1-based row number.
import { parquetMetadataAsync, parquetReadObjects, type AsyncBuffer } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../../protocol/errors';

export async function readParquetSeedRecords(
  file: Blob & { name: string },
): Promise<{ line: number; value: unknown }[]> {
  const buffer: AsyncBuffer = {
    byteLength: file.size,
    slice: (start, end) => file.slice(start, end).arrayBuffer(),
  };
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InputError(`not a readable Parquet file (${detail})`, { file: file.name });
  }
  const records: { line: number; value: unknown }[] = [];
  let rowStart = 0;
  for (const group of metadata.row_groups) {
    const rowEnd = rowStart + Number(group.num_rows);
    const rows = await parquetReadObjects({
      file: buffer,
      metadata,
      rowStart,
      rowEnd,
      compressors,
    });
    rows.forEach((value, k) => records.push({ line: rowStart + k + 1, value }));
    rowStart = rowEnd;
  }
  return records;
}
