// Parquet needs random access (the footer holds the schema and row-group offsets), so it
// reads through an AsyncBuffer: Blob.slice for a top-level file (only the requested byte
// ranges are loaded), or an in-memory copy bounded by maxBufferedBytes inside archives.
// Row groups are read one at a time, only the text/title/url columns.
import {
  parquetMetadataAsync,
  parquetReadObjects,
  parquetSchema,
  type AsyncBuffer,
} from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { readAll } from './bytes';
import { checkCancel, reportIssue, startOffsetOf, type Entry, type ReadContext } from './context';
import { chooseTextField, listFields, recordToDocument } from './fields';

const TITLE_URL_COLUMNS = ['title', 'heading', 'headline', 'url', 'link', 'uri', 'source_url'];

function blobBuffer(blob: Blob): AsyncBuffer {
  return {
    byteLength: blob.size,
    slice: (start, end) => blob.slice(start, end).arrayBuffer(),
  };
}

function memoryBuffer(bytes: Uint8Array): AsyncBuffer {
  return {
    byteLength: bytes.byteLength,
    slice: (start, end) =>
      (bytes.buffer as ArrayBuffer).slice(
        bytes.byteOffset + start,
        bytes.byteOffset + (end ?? bytes.byteLength),
      ),
  };
}

/** Record index = 0-based row number across all row groups. */
export async function* readParquet(entry: Entry, ctx: ReadContext): AsyncGenerator<RawDocument> {
  const file = entry.name;
  const start = startOffsetOf(ctx, entry);
  const buffer = entry.blob
    ? blobBuffer(entry.blob)
    : memoryBuffer(await readAll(entry.bytes, ctx.maxBufferedBytes, file));
  if (buffer.byteLength === 0) throw new InputError('file is empty', { file });
  let metadata;
  try {
    metadata = await parquetMetadataAsync(buffer);
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new InputError(`not a readable Parquet file (${detail})`, { file });
  }
  const columns = parquetSchema(metadata).children.map((c) => c.element.name);
  const textField = chooseTextField(columns, ctx, file);
  if (!columns.includes(textField)) {
    throw new InputError(`column "${textField}" not found; columns: ${listFields(columns)}`, {
      file,
      field: textField,
    });
  }
  const wanted = [textField, ...columns.filter((c) => TITLE_URL_COLUMNS.includes(c.toLowerCase()))];
  const totalRows = Number(metadata.num_rows);
  let groupStart = 0;
  for (const [groupNo, group] of metadata.row_groups.entries()) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (groupEnd > start) {
      checkCancel(ctx);
      const rowStart = Math.max(groupStart, start);
      const read = (columns: string[]) =>
        parquetReadObjects({
          file: buffer,
          metadata,
          columns,
          rowStart,
          rowEnd: groupEnd,
          compressors,
        });
      let rows: Record<string, unknown>[];
      try {
        rows = await read([...new Set(wanted)]);
      } catch (err) {
        // A corrupt page: name the row group and the column, skip the group, read the rest.
        const column = await firstBadColumn([...new Set(wanted)], read);
        const detail = err instanceof Error ? err.message : String(err);
        reportIssue(ctx, 'parquet-corrupt', {
          source: file,
          record: rowStart + 1,
          ...(column ? { field: column } : {}),
          message:
            `row group ${groupNo + 1} (rows ${rowStart + 1}-${groupEnd})` +
            `${column ? `, column "${column}"` : ''} cannot be read (${detail}); its rows are skipped`,
        });
        rows = [];
      }
      for (let k = 0; k < rows.length; k++) {
        checkCancel(ctx);
        ctx.stats.records++;
        const doc = recordToDocument(rows[k], textField, { index: rowStart + k }, file, ctx);
        if (doc) yield doc;
      }
    }
    groupStart = groupEnd;
    // Progress in bytes, proportional to rows (row groups are read by byte range, not in order).
    if (entry.archiveDepth === 0 && entry.blob && totalRows > 0) {
      ctx.stats.bytesRead = Math.round((buffer.byteLength * groupEnd) / totalRows);
      ctx.opts.onBytes?.(ctx.stats.bytesRead);
    }
  }
}

/** The first column that cannot be read on its own (undefined if each reads alone). */
async function firstBadColumn(
  columns: string[],
  read: (columns: string[]) => Promise<unknown>,
): Promise<string | undefined> {
  for (const column of columns) {
    try {
      await read([column]);
    } catch {
      return column;
    }
  }
  return undefined;
}
