// Entry point of the corpus readers: one File in, RawDocuments out, streamed. Dispatches
// on the file name; .gz and .zip wrap any other format (depth-limited). Runs in a worker.
import { InputError } from '../protocol/errors';
import { countBytes, gunzip, streamChunks, type ByteSource } from './readers/bytes';
import {
  createContext,
  type Entry,
  type ReadContext,
  type ReadFileOptions,
} from './readers/context';
import { readZip } from './readers/archive';
import { readCsv } from './readers/csv';
import { readJson } from './readers/json';
import { readJsonl } from './readers/jsonl';
import { readParquet } from './readers/parquet';
import { readWholeText } from './readers/text';
import { readWarc } from './readers/warc';
import type { RawDocument } from './types';

export type { ReadFileOptions, ReadStats } from './readers/context';
export { createReadStats } from './readers/context';

type Kind =
  | 'text'
  | 'markdown'
  | 'html'
  | 'jsonl'
  | 'json'
  | 'csv'
  | 'tsv'
  | 'parquet'
  | 'warc'
  | 'wet'
  | 'zip'
  | 'gz';

const EXTENSIONS: Record<string, Kind> = {
  txt: 'text',
  text: 'text',
  md: 'markdown',
  markdown: 'markdown',
  html: 'html',
  htm: 'html',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  csv: 'csv',
  tsv: 'tsv',
  parquet: 'parquet',
  warc: 'warc',
  wet: 'wet',
  zip: 'zip',
  gz: 'gz',
};

export const SUPPORTED_EXTENSIONS = Object.keys(EXTENSIONS).map((e) => `.${e}`);

function extensionOf(name: string): string {
  const base = name.split('/').pop() ?? name;
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : '';
}

function kindOf(name: string): Kind | undefined {
  return EXTENSIONS[extensionOf(name)];
}

/**
 * The format inside a .gz: from the inner extension, or a .warc / .wet part anywhere in the
 * name (split crawls are often named "crawl.warc.00001.gz" or "part.wet-3.gz").
 */
function innerKindOfGz(name: string): Kind | undefined {
  const inner = name.slice(0, -3);
  const kind = kindOf(inner);
  if (kind) return kind;
  const base = inner.split('/').pop() ?? inner;
  if (/\.warc(?:[.\-_]|$)/i.test(base)) return 'warc';
  if (/\.wet(?:[.\-_]|$)/i.test(base)) return 'wet';
  return undefined;
}

export function isSupportedFile(name: string): boolean {
  const kind = kindOf(name);
  if (kind !== 'gz') return kind !== undefined;
  const inner = innerKindOfGz(name);
  return inner !== undefined && inner !== 'gz';
}

function unsupported(name: string): InputError {
  const ext = extensionOf(name);
  return new InputError(
    `unsupported file type ${ext ? `".${ext}"` : '(no extension)'}; supported: ${SUPPORTED_EXTENSIONS.join(', ')} (and .gz of any of them)`,
    { file: name },
  );
}

/** Reads one entry of any supported kind (the recursion point for .gz and .zip). */
async function* readEntry(entry: Entry, ctx: ReadContext): AsyncGenerator<RawDocument> {
  const kind = kindOf(entry.formatName);
  switch (kind) {
    case 'text':
    case 'markdown':
    case 'html':
      return yield* readWholeText(entry, kind, ctx);
    case 'jsonl':
      return yield* readJsonl(entry, ctx);
    case 'json':
      return yield* readJson(entry, ctx);
    case 'csv':
      return yield* readCsv(entry, ',', ctx);
    case 'tsv':
      return yield* readCsv(entry, '\t', ctx);
    case 'parquet':
      return yield* readParquet(entry, ctx);
    case 'warc':
      return yield* readWarc(entry, ctx);
    case 'wet':
      return yield* readWarc(entry, ctx, true);
    case 'zip':
      return yield* readZip(entry, ctx, readEntry, isSupportedFile);
    case 'gz': {
      const innerName = entry.formatName.slice(0, -3);
      const innerKind = innerKindOfGz(entry.formatName);
      if (!innerKind || innerKind === 'gz') throw unsupported(entry.name);
      // warcio inflates .warc.gz itself, record by record, keeping offsets in stored bytes.
      if (innerKind === 'warc' || innerKind === 'wet') {
        return yield* readWarc(entry, ctx, innerKind === 'wet');
      }
      const inner: Entry = {
        ...entry,
        formatName: innerName,
        bytes: gunzip(entry.bytes, entry.name, ctx.maxUncompressedBytes),
        blob: undefined,
        openAt: undefined,
      };
      return yield* readEntry(inner, ctx);
    }
    default:
      throw unsupported(entry.name);
  }
}

/**
 * Streams the documents of one file. `opts.startOffset` resumes (record index for
 * JSONL/JSON/CSV/Parquet, byte offset for WARC, whole-file formats only at 0; inside zip
 * archives reading always restarts from the first entry). Bad records go to
 * `opts.onIssue`; a file that cannot be read at all throws InputError naming it.
 */
export async function* readFile(
  file: Blob & { name: string },
  opts: ReadFileOptions = {},
): AsyncGenerator<RawDocument> {
  const ctx = createContext(opts);
  if (!kindOf(file.name) || !isSupportedFile(file.name)) throw unsupported(file.name);
  if (file.size === 0) throw new InputError('file is empty', { file: file.name });
  const open = (offset: number): ByteSource => {
    const blob = offset > 0 ? file.slice(offset) : file;
    return countBytes(streamChunks(blob.stream()), (n) => {
      ctx.stats.bytesRead = offset + n;
      opts.onBytes?.(offset + n);
    });
  };
  const entry: Entry = {
    name: file.name,
    formatName: file.name,
    bytes: open(0),
    blob: file,
    openAt: open,
    archiveDepth: 0,
    resumable: true,
  };
  for await (const doc of readEntry(entry, ctx)) {
    ctx.stats.documents++;
    yield doc;
  }
}
