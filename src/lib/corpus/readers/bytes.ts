// Byte-stream plumbing shared by the readers. Everything is an AsyncIterable<Uint8Array>
// pulled one chunk at a time, so a reader never holds more than a chunk (plus one
// record) in memory. Only web APIs that exist in workers and in Node 20 are used.
import { InputError } from '../../protocol/errors';

export type ByteSource = AsyncIterable<Uint8Array>;

/** Pulls a ReadableStream chunk by chunk (not every browser has ReadableStream[Symbol.asyncIterator]). */
export async function* streamChunks(stream: ReadableStream<Uint8Array>): ByteSource {
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      if (value.length) yield value;
    }
  } finally {
    // Stopping early (cancel, error downstream) must release the file handle.
    await reader.cancel().catch(() => undefined);
  }
}

/** Wraps a pull-based source back into a ReadableStream (for DecompressionStream). */
export function toReadableStream(source: ByteSource): ReadableStream<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const r = await it.next();
          if (r.done) controller.close();
          else controller.enqueue(r.value);
        } catch (err) {
          controller.error(err);
        }
      },
      async cancel() {
        await it.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/** Reports the running byte count of a source (compressed bytes of the top-level file). */
export async function* countBytes(source: ByteSource, onBytes: (n: number) => void): ByteSource {
  let total = 0;
  for await (const chunk of source) {
    total += chunk.length;
    onBytes(total);
    yield chunk;
  }
}

/**
 * Reads up to `size` bytes from the front of a source and returns them together with a
 * source that replays them followed by the rest, so sniffing does not lose data.
 */
export async function peek(
  source: ByteSource,
  size: number,
): Promise<{ head: Uint8Array; rest: ByteSource }> {
  const it = source[Symbol.asyncIterator]();
  const parts: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < size) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    parts.push(r.value);
    have += r.value.length;
  }
  const head = concat(parts);
  async function* rest(): ByteSource {
    if (head.length) yield head;
    if (ended) return;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  }
  return { head: head.subarray(0, Math.min(size, head.length)), rest: rest() };
}

export function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Reads a whole (bounded) source into memory; `limit` guards formats that need random access. */
export async function readAll(
  source: ByteSource,
  limit: number,
  file: string,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let have = 0;
  for await (const chunk of source) {
    have += chunk.length;
    if (have > limit) {
      throw new InputError(
        `is larger than ${formatBytes(limit)}, the most this format can be read from inside an archive; extract it first`,
        { file },
      );
    }
    parts.push(chunk);
  }
  return concat(parts);
}

/**
 * Gunzips with the platform's DecompressionStream and caps the inflated size, so a
 * small .gz cannot expand into gigabytes (zip bomb). A truncated stream is an InputError.
 */
export async function* gunzip(source: ByteSource, file: string, maxBytes: number): ByteSource {
  const inflated = toReadableStream(source).pipeThrough(
    new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>,
  );
  let total = 0;
  try {
    for await (const chunk of streamChunks(inflated)) {
      total += chunk.length;
      if (total > maxBytes) throw bombError(file, maxBytes);
      yield chunk;
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    const detail = err instanceof Error ? err.message : String(err);
    throw new InputError(`gzip data is truncated or corrupt (${detail})`, { file });
  }
}

export function bombError(file: string, maxBytes: number): InputError {
  const err = new InputError(
    `expands to more than ${formatBytes(maxBytes)}; refusing to unpack it (possible zip bomb). ` +
      'Raise the archive size limit if the file is genuine.',
    { file },
  );
  err.data.fatal = true; // stops the whole archive, not just one entry
  return err;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(1)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}
