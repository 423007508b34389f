// Where downloaded model files live in the browser: Cache Storage, not IndexedDB (model
// bytes are large, immutable and streamed; Cache Storage keeps them as disk-backed Blobs
// that never pass through the JS heap at once). Node has no `caches`, so the downloader
// talks to this small BlobCache port and tests use the in-memory implementation.

export interface BlobCache {
  get(key: string): Promise<Blob | undefined>;
  put(key: string, blob: Blob): Promise<void>;
  delete(key: string): Promise<boolean>;
  /** All keys currently stored (full synthetic URLs). */
  keys(): Promise<string[]>;
}

/** Name of the Cache Storage bucket that holds Hugging Face model files. */
export const MODEL_CACHE_NAME = 'humpback-models';

/** `.invalid` is reserved (RFC 2606): these URLs can never be fetched by accident. */
const KEY_ORIGIN = 'https://humpback-models.invalid/hf/';

/** Cache Storage implementation (browser main thread and workers). */
export class CacheStorageBlobCache implements BlobCache {
  private cache: Promise<Cache>;
  constructor(name = MODEL_CACHE_NAME, storage: CacheStorage = globalThis.caches) {
    if (!storage) throw new Error('Cache Storage is not available in this context');
    this.cache = storage.open(name);
  }
  async get(key: string): Promise<Blob | undefined> {
    const res = await (await this.cache).match(key);
    return res ? res.blob() : undefined;
  }
  async put(key: string, blob: Blob): Promise<void> {
    const headers = { 'content-length': String(blob.size) };
    await (await this.cache).put(new Request(key), new Response(blob, { headers }));
  }
  async delete(key: string): Promise<boolean> {
    return (await this.cache).delete(key);
  }
  async keys(): Promise<string[]> {
    return (await (await this.cache).keys()).map((r) => r.url);
  }
}

/** In-memory implementation for Node tests (and as a no-persistence fallback). */
export class MemoryBlobCache implements BlobCache {
  readonly entries = new Map<string, Blob>();
  async get(key: string): Promise<Blob | undefined> {
    return this.entries.get(key);
  }
  async put(key: string, blob: Blob): Promise<void> {
    this.entries.set(key, blob);
  }
  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }
  async keys(): Promise<string[]> {
    return [...this.entries.keys()];
  }
}

/** The browser's model cache when Cache Storage exists, else an in-memory one. */
export function defaultBlobCache(): BlobCache {
  return typeof globalThis.caches !== 'undefined'
    ? new CacheStorageBlobCache()
    : new MemoryBlobCache();
}

/**
 * A file is stored as fixed-size chunks plus a small manifest written last: chunks make a
 * partial download resumable after a reload (only the chunk in flight is lost), and the
 * manifest marks the file complete.
 */
export interface FileManifest {
  size: number;
  chunkSize: number;
  chunks: number;
  complete: boolean;
}

const enc = encodeURIComponent;

export function modelPrefix(repo: string, revision: string): string {
  return `${KEY_ORIGIN}${enc(repo)}/${enc(revision)}/`;
}
export function manifestKey(repo: string, revision: string, file: string): string {
  return `${modelPrefix(repo, revision)}${enc(file)}/manifest`;
}
export function chunkKey(repo: string, revision: string, file: string, index: number): string {
  return `${modelPrefix(repo, revision)}${enc(file)}/chunk/${index}`;
}

export async function readManifest(
  cache: BlobCache,
  repo: string,
  revision: string,
  file: string,
): Promise<FileManifest | undefined> {
  const blob = await cache.get(manifestKey(repo, revision, file));
  if (!blob) return undefined;
  try {
    return JSON.parse(await blob.text()) as FileManifest;
  } catch {
    return undefined; // a torn write: treat the file as not cached
  }
}

export async function writeManifest(
  cache: BlobCache,
  repo: string,
  revision: string,
  file: string,
  manifest: FileManifest,
): Promise<void> {
  const blob = new Blob([JSON.stringify(manifest)], { type: 'application/json' });
  await cache.put(manifestKey(repo, revision, file), blob);
}

/** Bytes of a file already stored as leading complete chunks (where a resume starts). */
export async function cachedPrefixBytes(
  cache: BlobCache,
  repo: string,
  revision: string,
  file: string,
  size: number,
  chunkSize: number,
): Promise<{ bytes: number; chunks: number }> {
  let chunks = 0;
  let bytes = 0;
  while (bytes < size) {
    const blob = await cache.get(chunkKey(repo, revision, file, chunks));
    const expected = Math.min(chunkSize, size - bytes);
    if (!blob || blob.size !== expected) break;
    chunks++;
    bytes += expected;
  }
  return { bytes, chunks };
}

/** A complete cached file as one Blob composed of its chunks (no copy in Chromium). */
export async function readCachedFile(
  cache: BlobCache,
  repo: string,
  revision: string,
  file: string,
): Promise<Blob | undefined> {
  const manifest = await readManifest(cache, repo, revision, file);
  if (!manifest?.complete) return undefined;
  const parts: Blob[] = [];
  for (let i = 0; i < manifest.chunks; i++) {
    const part = await cache.get(chunkKey(repo, revision, file, i));
    if (!part) return undefined; // evicted piecemeal: download again
    parts.push(part);
  }
  const blob = new Blob(parts);
  return blob.size === manifest.size ? blob : undefined;
}

export interface CachedModel {
  repo: string;
  revision: string;
  /** Files with a complete manifest. */
  files: string[];
  /** Bytes of all stored chunks, complete or partial. */
  bytes: number;
  /** True when some file is only partly downloaded. */
  partial: boolean;
}

/** Every (repo, revision) in the cache with its size, for the models page. */
export async function listCachedModels(cache: BlobCache): Promise<CachedModel[]> {
  const models = new Map<string, CachedModel>();
  const partialFiles = new Map<string, Set<string>>();
  for (const key of await cache.keys()) {
    if (!key.startsWith(KEY_ORIGIN)) continue;
    const [repoEnc, revEnc, fileEnc, kind] = key.slice(KEY_ORIGIN.length).split('/');
    if (!repoEnc || !revEnc || !fileEnc) continue;
    const repo = decodeURIComponent(repoEnc);
    const revision = decodeURIComponent(revEnc);
    const file = decodeURIComponent(fileEnc);
    const id = `${repo}@${revision}`;
    let model = models.get(id);
    if (!model) {
      model = { repo, revision, files: [], bytes: 0, partial: false };
      models.set(id, model);
      partialFiles.set(id, new Set());
    }
    if (kind === 'chunk') {
      model.bytes += (await cache.get(key))?.size ?? 0;
      partialFiles.get(id)!.add(file);
    } else if (kind === 'manifest') {
      const manifest = await readManifest(cache, repo, revision, file);
      if (manifest?.complete) model.files.push(file);
    }
  }
  for (const [id, model] of models) {
    model.files.sort();
    model.partial = [...partialFiles.get(id)!].some((f) => !model.files.includes(f));
  }
  return [...models.values()].sort((a, b) => a.repo.localeCompare(b.repo));
}

/** Deletes every stored piece of one model revision; returns how many entries went. */
export async function deleteCachedModel(
  cache: BlobCache,
  repo: string,
  revision: string,
): Promise<number> {
  const prefix = modelPrefix(repo, revision);
  let removed = 0;
  for (const key of await cache.keys()) {
    if (key.startsWith(prefix) && (await cache.delete(key))) removed++;
  }
  return removed;
}
