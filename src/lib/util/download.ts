// Saving a generated file from the browser (issue 11 item 5: exports are streamed). Where the
// File System Access API exists (Chromium: showSaveFilePicker), chunks go straight to the file
// the user picked as they are produced, so an export of any size needs memory for one chunk.
// Elsewhere the chunks are gathered into a Blob and downloaded through an object URL: the
// whole file then sits in memory (browsers may page large Blobs to disk, but not reliably),
// so very large exports need a Chromium-based browser.
import { CancelledError } from '../protocol/errors';

export const BLOB_FALLBACK_NOTE =
  'This browser cannot write to a file as it goes (no File System Access API), so the whole ' +
  'export is built in memory before the download starts; for very large exports use a ' +
  'Chromium-based browser (Chrome, Edge).';

export type Chunkish = Uint8Array<ArrayBuffer> | string;

interface WritableLike {
  write(data: Chunkish): Promise<void>;
  close(): Promise<void>;
  abort(reason?: unknown): Promise<void>;
}

interface SavePickerOptions {
  suggestedName: string;
  types?: { description: string; accept: Record<string, string[]> }[];
}

/** The browser pieces used (injectable for tests). */
export interface DownloadEnv {
  showSaveFilePicker?: (
    opts: SavePickerOptions,
  ) => Promise<{ createWritable(): Promise<WritableLike> }>;
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
  /** Clicks a download link for `url` named `name`. */
  clickDownload(url: string, name: string): void;
}

export function browserDownloadEnv(): DownloadEnv {
  const w = globalThis as unknown as { showSaveFilePicker?: DownloadEnv['showSaveFilePicker'] };
  return {
    showSaveFilePicker:
      typeof w.showSaveFilePicker === 'function'
        ? w.showSaveFilePicker.bind(globalThis)
        : undefined,
    createObjectURL: (blob) => URL.createObjectURL(blob),
    revokeObjectURL: (url) => URL.revokeObjectURL(url),
    clickDownload: (url, name) => {
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      a.rel = 'noopener';
      document.body.append(a);
      a.click();
      a.remove();
    },
  };
}

/** Whether a save streams to disk here (false: it is built in memory first). */
export function canStreamToFile(env: DownloadEnv = browserDownloadEnv()): boolean {
  return env.showSaveFilePicker !== undefined;
}

export interface SaveOptions {
  /** MIME type and extension for the picker's file type list, e.g. 'application/jsonl', '.jsonl'. */
  mime: string;
  extension: string;
  signal?: AbortSignal;
  /** Bytes (or characters, for string chunks) handed over so far. */
  onProgress?: (written: number) => void;
  env?: DownloadEnv;
}

export interface SaveResult {
  method: 'file-system-access' | 'blob';
  written: number;
}

const sizeOf = (c: Chunkish) => (typeof c === 'string' ? c.length : c.byteLength);

/**
 * Saves `chunks` as a file called `name`. Call it from the click handler: the picker needs the
 * user's gesture, so it is opened before the first chunk is pulled. Resolves to null when the
 * user closes the picker; throws CancelledError when `signal` aborts (the partial file is
 * discarded through the writable's abort).
 */
export async function saveChunks(
  name: string,
  chunks: AsyncIterable<Chunkish>,
  opts: SaveOptions,
): Promise<SaveResult | null> {
  const env = opts.env ?? browserDownloadEnv();
  let written = 0;
  const check = () => {
    if (opts.signal?.aborted) throw new CancelledError('Export cancelled');
  };
  if (env.showSaveFilePicker) {
    let handle;
    try {
      handle = await env.showSaveFilePicker({
        suggestedName: name,
        types: [{ description: name, accept: { [opts.mime]: [opts.extension] } }],
      });
    } catch (err) {
      if ((err as Error)?.name === 'AbortError') return null;
      throw err;
    }
    const writable = await handle.createWritable();
    try {
      for await (const chunk of chunks) {
        check();
        await writable.write(chunk);
        written += sizeOf(chunk);
        opts.onProgress?.(written);
      }
      check();
    } catch (err) {
      await writable.abort(err).catch(() => {});
      throw err;
    }
    await writable.close();
    return { method: 'file-system-access', written };
  }
  const parts: Chunkish[] = [];
  for await (const chunk of chunks) {
    check();
    parts.push(chunk);
    written += sizeOf(chunk);
    opts.onProgress?.(written);
  }
  check();
  const url = env.createObjectURL(new Blob(parts, { type: opts.mime }));
  try {
    env.clickDownload(url, name);
  } finally {
    // The download has taken its reference once the click is handled.
    setTimeout(() => env.revokeObjectURL(url), 60_000);
  }
  return { method: 'blob', written };
}
