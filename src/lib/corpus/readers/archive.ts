// Zip archives, streamed entry by entry with fflate's Unzip (local headers, no central
// directory, so nothing but the current chunk is held). Each entry is read by the
// normal dispatcher; nesting depth and total inflated size are capped (zip bombs).
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import { InputError } from '../../protocol/errors';
import type { RawDocument } from '../types';
import { bombError, type ByteSource } from './bytes';
import { checkCancel, countSkip, reportIssue, type Entry, type ReadContext } from './context';

interface EntryState {
  name: string;
  chunks: Uint8Array[];
  done: boolean;
  error?: Error;
  discard: boolean;
}

export interface ZipEntry {
  path: string;
  bytes: ByteSource;
}

/**
 * Yields the files of a zip in stored order. The consumer must finish with one entry
 * before asking for the next; anything it leaves unread is inflated and dropped.
 */
export async function* unzipEntries(
  source: ByteSource,
  file: string,
  maxBytes: number,
): AsyncGenerator<ZipEntry> {
  const found: EntryState[] = [];
  let inflated = 0;
  let failure: Error | undefined;
  const unzip = new Unzip((f: UnzipFile) => {
    const state: EntryState = { name: f.name, chunks: [], done: false, discard: false };
    found.push(state);
    f.ondata = (err, data, final) => {
      if (err) {
        state.error = err;
        state.done = true;
        return;
      }
      inflated += data.length;
      if (inflated > maxBytes) failure ??= bombError(file, maxBytes);
      if (!state.discard && data.length) state.chunks.push(data);
      if (final) state.done = true;
    };
    // Started at once: fflate keeps the compressed bytes of an unstarted entry forever.
    f.start();
  });
  unzip.register(UnzipInflate);
  const input = source[Symbol.asyncIterator]();
  let inputDone = false;
  let sawBytes = false;
  const pump = async (): Promise<void> => {
    const r = await input.next();
    try {
      if (r.done) {
        inputDone = true;
        unzip.push(new Uint8Array(0), true);
      } else {
        sawBytes = true;
        unzip.push(r.value, false);
      }
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new InputError(`zip archive is truncated or corrupt (${detail})`, { file });
    }
    if (failure) throw failure;
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
      yield { path: state.name, bytes: entryBytes() };
      state.discard = true;
      state.chunks = [];
      while (!state.done && !inputDone) await pump();
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
  for await (const zipped of unzipEntries(entry.bytes, entry.name, ctx.maxUncompressedBytes)) {
    checkCancel(ctx);
    const name = `${entry.name}/${zipped.path}`;
    const base = zipped.path.split('/').pop() ?? zipped.path;
    // macOS resource forks and dotfiles are never corpus text.
    if (zipped.path.startsWith('__MACOSX/') || base.startsWith('.')) {
      countSkip(ctx, 'archive-metadata');
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
    throw new InputError('archive contains no supported files', { file: entry.name });
  }
}
