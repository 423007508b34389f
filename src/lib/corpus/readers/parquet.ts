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
import { checkCancel, startOffsetOf, type Entry, type ReadContext } from './context';
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
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (groupEnd > start) {
      checkCancel(ctx);
      const rowStart = Math.max(groupStart, start);
      const rows = await parquetReadObjects({
        file: buffer,
        metadata,
        columns: [...new Set(wanted)],
        rowStart,
        rowEnd: groupEnd,
        compressors,
      });
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
