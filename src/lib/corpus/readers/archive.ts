// Zip archives, streamed entry by entry with fflate's Unzip (local headers, no central
// directory, so nothing but the current chunk is held). Each entry is read by the
// normal dispatcher; nesting depth and total inflated size are capped (zip bombs).
import {
  Unzip,
  UnzipInflate,
  type AsyncFlateStreamHandler,
  type UnzipDecoderConstructor,
  type UnzipFile,
} from 'fflate';
import { CancelledError, InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { bombError, type ByteSource } from './bytes';
import { checkCancel, countSkip, reportIssue, type Entry, type ReadContext } from './context';
import {
  Crc32,
  DATA_DESCRIPTOR_FLAG,
  ENCRYPTED_FLAG,
  LocalHeaderScanner,
  methodName,
  type LocalHeader,
} from './zip-headers';

interface EntryState {
  name: string;
  chunks: Uint8Array[];
  done: boolean;
  error?: Error;
  discard: boolean;
  /** Why the entry is not read (encrypted, unsupported method); its bytes are dropped. */
  skip?: string;
  header?: LocalHeader;
  crc: Crc32;
  size: number;
}

export interface ZipEntry {
  path: string;
  bytes: ByteSource;
  skip?: string;
}

export interface UnzipOptions {
  /** Cap on the inflated bytes of the whole archive (zip bomb). */
  maxBytes: number;
  /** Cap on the number of entries. */
  maxEntries: number;
  signal?: AbortSignal;
  /** A problem of one entry found after it was read (CRC or size mismatch, lost header). */
  onProblem?: (path: string, message: string) => void;
}

/** Compressed bytes handed to fflate at once: one push inflates at most ~1,000x this. */
const PIECE_BYTES = 16 * 1024;

/** Accepts the bytes of an entry whose method is not unpacked, and drops them. */
function discarding(method: number): UnzipDecoderConstructor {
  return class {
    static compression = method;
    ondata: AsyncFlateStreamHandler = () => undefined;
    push(_chunk: Uint8Array, final: boolean): void {
      if (final) this.ondata(null, new Uint8Array(0), true);
    }
  };
}

/** The stored CRC-32 and size of a finished entry against what was inflated. */
function verify(state: EntryState): string | undefined {
  const h = state.header;
  if (!h || h.flags & DATA_DESCRIPTOR_FLAG || state.skip || state.error) return undefined;
  if (h.size !== 0xffffffff && state.size !== h.size) {
    return `entry is corrupt: its header says ${h.size} bytes, ${state.size} were unpacked; its text may be cut short or wrong`;
  }
  if (state.crc.value !== h.crc) {
    return `entry is corrupt: CRC-32 mismatch (stored ${hex(h.crc)}, computed ${hex(state.crc.value)}); its text may be wrong`;
  }
  return undefined;
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/**
 * Yields the files of a zip in stored order. The consumer must finish with one entry
 * before asking for the next; anything it leaves unread is inflated and dropped.
 */
export async function* unzipEntries(
  source: ByteSource,
  file: string,
  opts: UnzipOptions,
): AsyncGenerator<ZipEntry> {
  const { maxBytes, maxEntries } = opts;
  const found: EntryState[] = [];
  const headers = new LocalHeaderScanner();
  let inflated = 0;
  let failure: Error | undefined;
  const unzip = new Unzip((f: UnzipFile) => {
    const { header, skipped } = headers.take(f.name);
    for (const lost of skipped) {
      opts.onProblem?.(
        `${file}/${lost.name}`,
        `entry at byte ${lost.offset} was not read: the entry before it gives a wrong compressed size`,
      );
    }
    const state: EntryState = {
      name: f.name,
      chunks: [],
      done: false,
      discard: false,
      header,
      crc: new Crc32(),
      size: 0,
    };
    found.push(state);
    if (found.length > maxEntries) {
      const err = new InputError(
        `has more than ${maxEntries} entries; split it into smaller archives`,
        { file },
      );
      err.data.fatal = true;
      failure ??= err;
    }
    if (header && header.flags & ENCRYPTED_FLAG) {
      state.skip = 'skipped: the entry is encrypted (password-protected); extract it first';
    } else if (f.compression !== 0 && f.compression !== 8) {
      state.skip = `skipped: compression method ${methodName(f.compression)} is not supported (only stored and deflate)`;
    }
    if (f.compression !== 0 && f.compression !== 8) unzip.register(discarding(f.compression));
    f.ondata = (err, data, final) => {
      if (err) {
        if (!state.skip) state.error = err;
        state.done = true;
        return;
      }
      inflated += data.length;
      if (inflated > maxBytes) failure ??= bombError(file, maxBytes);
      if (!state.skip) {
        state.crc.update(data);
        state.size += data.length;
        if (!state.discard && data.length) state.chunks.push(data);
      }
      if (final) state.done = true;
    };
    // Started at once: fflate keeps the compressed bytes of an unstarted entry forever.
    f.start();
  });
  unzip.register(UnzipInflate);
  const input = source[Symbol.asyncIterator]();
  let inputDone = false;
  let sawBytes = false;
  const push = (piece: Uint8Array, final: boolean): void => {
    try {
      headers.feed(piece);
      unzip.push(piece, final);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new InputError(`zip archive is truncated or corrupt (${detail})`, { file });
    }
    if (failure) throw failure;
  };
  const pump = async (): Promise<void> => {
    const r = await input.next();
    if (r.done) {
      inputDone = true;
      push(new Uint8Array(0), true);
      return;
    }
    sawBytes = true;
    // Bounded pieces: caps and cancel are checked after each, whatever the chunk size.
    for (let at = 0; at < r.value.length; at += PIECE_BYTES) {
      if (opts.signal?.aborted) throw new CancelledError('Reading cancelled');
      push(r.value.subarray(at, at + PIECE_BYTES), false);
    }
  };

  let next = 0;
  try {
    for (;;) {
      while (next >= found.length && !inputDone) await pump();
      if (next >= found.length) break;
      const state = found[next++];
      if (state.name.endsWith('/')) {
        state.discard = true;
        state.chunks = [];
        continue;
      }
      async function* entryBytes(): ByteSource {
        for (;;) {
          if (state.chunks.length) {
            yield state.chunks.shift() as Uint8Array;
            continue;
          }
          if (state.error) {
            throw new InputError(`cannot unpack (${state.error.message})`, {
              file: `${file}/${state.name}`,
            });
          }
          if (state.done) return;
          if (inputDone) {
            const err = new InputError('zip archive is truncated (entry cut off)', {
              file: `${file}/${state.name}`,
            });
            err.data.archive = file; // a fault of the archive, not of this entry
            throw err;
          }
          await pump();
        }
      }
      yield { path: state.name, bytes: entryBytes(), ...(state.skip ? { skip: state.skip } : {}) };
      state.discard = true;
      state.chunks = [];
      while (!state.done && !inputDone) await pump();
      const corrupt = state.done ? verify(state) : undefined;
      if (corrupt) opts.onProblem?.(`${file}/${state.name}`, corrupt);
    }
  } finally {
    // Stopped early (error, cancel): release the underlying file stream.
    if (!inputDone) await input.return?.();
  }
  if (!sawBytes) throw new InputError('file is empty', { file });
}

export type Dispatch = (entry: Entry, ctx: ReadContext) => AsyncGenerator<RawDocument>;

/** Reads every supported file in a zip; a bad entry is reported and the rest continue. */
export async function* readZip(
  entry: Entry,
  ctx: ReadContext,
  dispatch: Dispatch,
  isSupported: (name: string) => boolean,
): AsyncGenerator<RawDocument> {
  const depth = entry.archiveDepth + 1;
  if (depth > ctx.maxArchiveDepth) {
    const err = new InputError(
      `archive nested ${depth} levels deep (e.g. a zip inside a zip inside a zip); ` +
        `at most ${ctx.maxArchiveDepth} levels are read. Extract the inner archive first.`,
      { file: entry.name },
    );
    err.data.fatal = true;
    throw err;
  }
  let files = 0;
  const entries = unzipEntries(entry.bytes, entry.name, {
    maxBytes: ctx.maxUncompressedBytes,
    maxEntries: ctx.maxArchiveEntries,
    signal: ctx.opts.signal,
    onProblem: (source, message) => reportIssue(ctx, 'bad-entry', { source, message }),
  });
  let seen = 0;
  for await (const zipped of entries) {
    checkCancel(ctx);
    seen++;
    const name = `${entry.name}/${zipped.path}`;
    const base = zipped.path.split('/').pop() ?? zipped.path;
    // macOS resource forks and dotfiles are never corpus text.
    if (zipped.path.startsWith('__MACOSX/') || base.startsWith('.')) {
      countSkip(ctx, 'archive-metadata');
      continue;
    }
    if (zipped.skip) {
      reportIssue(ctx, 'bad-entry', { source: name, message: zipped.skip });
      continue;
    }
    if (!isSupported(base)) {
      reportIssue(ctx, 'unsupported-entry', {
        source: name,
        message: 'skipped: unsupported file type inside the archive',
      });
      continue;
    }
    files++;
    ctx.stats.archiveEntries++;
    const inner: Entry = {
      name,
      formatName: base,
      bytes: zipped.bytes,
      archiveDepth: depth,
      resumable: false,
    };
    try {
      yield* dispatch(inner, ctx);
    } catch (err) {
      // Problems of one entry (binary, malformed) do not stop the archive; limits and
      // corruption of the archive itself do.
      if (!(err instanceof InputError) || err.data.fatal) throw err;
      if (err.file === entry.name || err.data.archive === entry.name) throw err;
      reportIssue(ctx, 'bad-entry', { source: err.file ?? name, message: err.reason });
    }
  }
  if (files === 0) {
    throw new InputError(
      seen && ctx.stats.skipped['bad-entry']
        ? 'archive contains no file that could be read (see the skipped entries)'
        : 'archive contains no supported files',
      { file: entry.name },
    );
  }
}
