// Downloads a checkpoint from the Hugging Face Hub (`{base}/{repo}/resolve/{revision}/{file}`)
// into the BlobCache: byte progress over all files, a storage-quota check before the first
// byte, HTTP Range resume from the last complete chunk after a cancel or reload, and
// specific ModelLoadErrors for gated, missing and unreachable files.
import { CancelledError, ModelLoadError, QuotaExceededError } from '../../protocol/errors';
import {
  type BlobCache,
  cachedPrefixBytes,
  chunkKey,
  defaultBlobCache,
  readCachedFile,
  readManifest,
  writeManifest,
} from './blob-cache';
import {
  CONFIG_FILE,
  GENERATION_CONFIG_FILE,
  type LoadOptions,
  type ModelFiles,
  type ModelSource,
  OPTIONAL_FILES,
  parseJsonFile,
  REQUIRED_FILES,
  shardsFromIndex,
  SINGLE_WEIGHTS_FILE,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_FILE,
  WEIGHTS_INDEX_FILE,
} from './model-files';

export const HF_BASE_URL = 'https://huggingface.co';
/** 16 MiB: a cancel or reload loses at most this much of a file in flight. */
export const DEFAULT_CHUNK_BYTES = 16 * 1024 * 1024;
/** Head room left free beyond the download itself (browsers evict close to the quota). */
export const DEFAULT_QUOTA_MARGIN_BYTES = 64 * 1024 * 1024;

const NETWORK_ATTEMPTS = 3;

export type StorageEstimateFn = () => Promise<{ quota?: number; usage?: number }>;

export interface HubSourceOptions {
  repo: string;
  revision?: string;
  /** Hub origin; tests point it at a local server. */
  baseUrl?: string;
  cache?: BlobCache;
  chunkBytes?: number;
  /** Hugging Face access token for gated or private repos. */
  accessToken?: string;
  /** Defaults to navigator.storage.estimate; null skips the quota check. */
  estimate?: StorageEstimateFn | null;
  quotaMarginBytes?: number;
  fetch?: typeof fetch;
}

interface PlannedFile {
  file: string;
  /** Bytes, or null when the server did not say (the download then fixes the total). */
  size: number | null;
}

function defaultEstimate(): StorageEstimateFn | null {
  const storage = (globalThis.navigator as Navigator | undefined)?.storage;
  return storage?.estimate ? () => storage.estimate() : null;
}

export class HubSource implements ModelSource {
  readonly repo: string;
  readonly revision: string;
  readonly cache: BlobCache;
  private baseUrl: string;
  private chunkBytes: number;
  private estimate: StorageEstimateFn | null;
  private margin: number;
  private fetchFn: typeof fetch;
  private token?: string;

  constructor(opts: HubSourceOptions) {
    this.repo = opts.repo;
    this.revision = opts.revision ?? 'main';
    this.baseUrl = (opts.baseUrl ?? HF_BASE_URL).replace(/\/+$/, '');
    this.cache = opts.cache ?? defaultBlobCache();
    this.chunkBytes = opts.chunkBytes ?? DEFAULT_CHUNK_BYTES;
    this.estimate = opts.estimate === undefined ? defaultEstimate() : opts.estimate;
    this.margin = opts.quotaMarginBytes ?? DEFAULT_QUOTA_MARGIN_BYTES;
    this.fetchFn = opts.fetch ?? globalThis.fetch.bind(globalThis);
    this.token = opts.accessToken;
  }

  get modelId(): string {
    return this.repo;
  }

  fileUrl(file: string): string {
    const path = file.split('/').map(encodeURIComponent).join('/');
    return `${this.baseUrl}/${this.repo}/resolve/${encodeURIComponent(this.revision)}/${path}`;
  }

  async load(opts: LoadOptions = {}): Promise<ModelFiles> {
    try {
      return await this.loadUnwrapped(opts);
    } catch (err) {
      if (opts.signal?.aborted || (err as Error)?.name === 'AbortError') {
        throw new CancelledError(`Download of ${this.repo} cancelled`);
      }
      throw err;
    }
  }

  private async loadUnwrapped(opts: LoadOptions): Promise<ModelFiles> {
    const { signal } = opts;
    const plan: PlannedFile[] = [];
    for (const file of REQUIRED_FILES) {
      plan.push({ file, size: (await this.sizeOf(file, signal)) ?? null });
    }
    for (const file of OPTIONAL_FILES) {
      const size = await this.sizeOf(file, signal, true);
      if (size !== undefined) plan.push({ file, size });
    }
    const weightNames = await this.weightFiles(signal);
    for (const file of weightNames) {
      plan.push({ file, size: (await this.sizeOf(file, signal)) ?? null });
    }

    const have = new Map<string, number>();
    for (const p of plan) have.set(p.file, await this.cachedBytes(p));
    await this.checkQuota(plan.reduce((n, p) => n + (p.size ?? 0) - have.get(p.file)!, 0));

    let total = plan.reduce((n, p) => n + (p.size ?? 0), 0);
    let done = [...have.values()].reduce((a, b) => a + b, 0);
    const emit = (detail: string) =>
      opts.onProgress?.({
        job: opts.job ?? this.repo,
        kind: 'download',
        phase: 'download',
        done,
        total,
        unit: 'bytes',
        file: detail,
        detail,
      });
    emit(plan[0].file);
    for (const p of plan) {
      const size = await this.download(p, have.get(p.file)!, signal, (n) => {
        done += n;
        if (p.size === null) total += n; // unknown size: the total grows with the bytes
        emit(p.file);
      });
      if (p.size !== null && size !== p.size) total += size - p.size;
    }
    emit(plan[plan.length - 1].file);
    return this.assemble(weightNames);
  }

  /** model.safetensors, or the shards model.safetensors.index.json names. */
  private async weightFiles(signal?: AbortSignal): Promise<string[]> {
    if ((await this.sizeOf(SINGLE_WEIGHTS_FILE, signal, true)) !== undefined) {
      return [SINGLE_WEIGHTS_FILE];
    }
    const indexSize = await this.sizeOf(WEIGHTS_INDEX_FILE, signal, true);
    if (indexSize === undefined) {
      throw new ModelLoadError(
        `${this.repo}@${this.revision} has neither ${SINGLE_WEIGHTS_FILE} nor ` +
          `${WEIGHTS_INDEX_FILE}: only safetensors checkpoints are supported`,
        { modelId: this.repo, file: SINGLE_WEIGHTS_FILE },
      );
    }
    const plannedIndex = { file: WEIGHTS_INDEX_FILE, size: indexSize };
    await this.download(plannedIndex, await this.cachedBytes(plannedIndex), signal, () => {});
    return shardsFromIndex(await this.readJson(WEIGHTS_INDEX_FILE), this.repo);
  }

  /**
   * Size of a file from the cache manifest or a HEAD request; `undefined` when an optional
   * file does not exist (404).
   */
  private async sizeOf(
    file: string,
    signal?: AbortSignal,
    optional = false,
  ): Promise<number | null | undefined> {
    const manifest = await readManifest(this.cache, this.repo, this.revision, file);
    if (manifest?.complete) return manifest.size;
    const res = await this.request(file, { method: 'HEAD', signal }, optional);
    if (!res) return undefined;
    // A compressed response's content-length is not the file's size.
    if (res.headers.get('content-encoding')) return null;
    const linked = res.headers.get('x-linked-size') ?? res.headers.get('content-length');
    return linked !== null && /^\d+$/.test(linked) ? Number(linked) : null;
  }

  private async cachedBytes(p: PlannedFile): Promise<number> {
    const manifest = await readManifest(this.cache, this.repo, this.revision, p.file);
    if (manifest?.complete) return manifest.size;
    if (p.size === null) return 0;
    // Chunks from an earlier attempt count only if that attempt saw the same file size.
    if (!manifest || manifest.size !== p.size || manifest.chunkSize !== this.chunkBytes) return 0;
    const prefix = await cachedPrefixBytes(
      this.cache,
      this.repo,
      this.revision,
      p.file,
      p.size,
      this.chunkBytes,
    );
    return prefix.bytes;
  }

  private async checkQuota(remainingBytes: number): Promise<void> {
    if (!this.estimate || remainingBytes <= 0) return;
    const { quota, usage } = await this.estimate();
    if (quota === undefined) return;
    const availableBytes = Math.max(0, quota - (usage ?? 0));
    const neededBytes = remainingBytes + this.margin;
    if (availableBytes < neededBytes) {
      const mb = (n: number) => `${Math.ceil(n / 2 ** 20)} MB`;
      throw new QuotaExceededError(
        `Downloading ${this.repo} needs ${mb(neededBytes)} of browser storage but only ` +
          `${mb(availableBytes)} is free. Delete cached models or free disk space.`,
        { neededBytes, availableBytes, modelId: this.repo },
      );
    }
  }

  /**
   * Streams one file into the cache from byte `start` (a Range request when resuming),
   * storing each complete chunk as it arrives. Returns the file's final size.
   */
  private async download(
    p: PlannedFile,
    start: number,
    signal: AbortSignal | undefined,
    onBytes: (n: number) => void,
  ): Promise<number> {
    if (p.size !== null && start >= p.size) {
      await this.finish(p.file, p.size);
      return p.size;
    }
    if (p.size !== null) {
      await writeManifest(this.cache, this.repo, this.revision, p.file, {
        size: p.size,
        chunkSize: this.chunkBytes,
        chunks: Math.ceil(p.size / this.chunkBytes),
        complete: false,
      });
    }
    const headers: Record<string, string> = start > 0 ? { Range: `bytes=${start}-` } : {};
    const res = (await this.request(p.file, { headers, signal }))!;
    // A server that ignores Range sends the whole file: skip what we already have.
    let skip = start > 0 && res.status === 200 ? start : 0;
    let offset = start;
    let chunk = Math.floor(start / this.chunkBytes);
    let pending: Uint8Array[] = [];
    let pendingBytes = 0;
    const store = async (bytes: Uint8Array[]) => {
      await this.cache.put(
        chunkKey(this.repo, this.revision, p.file, chunk++),
        new Blob(bytes as BlobPart[]),
      );
    };
    if (!res.body) throw this.fail(p.file, 'the response has no body');
    const reader = res.body.getReader();
    for (;;) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (err) {
        if (signal?.aborted) throw new CancelledError();
        // Completed chunks stay cached: the next attempt resumes after them.
        throw this.fail(
          p.file,
          `connection lost after ${offset} bytes (${(err as Error).message})`,
        );
      }
      const { done, value } = next;
      if (done) break;
      let piece = value;
      if (skip > 0) {
        const cut = Math.min(skip, piece.length);
        skip -= cut;
        piece = piece.subarray(cut);
        if (!piece.length) continue;
      }
      const received = piece.length;
      offset += received;
      while (pendingBytes + piece.length >= this.chunkBytes) {
        const take = this.chunkBytes - pendingBytes;
        await store([...pending, piece.subarray(0, take)]);
        piece = piece.subarray(take);
        pending = [];
        pendingBytes = 0;
      }
      if (piece.length) {
        pending.push(piece);
        pendingBytes += piece.length;
      }
      onBytes(received);
      // Bodies that arrive in one piece (or a fetch that ignores the signal) still stop here.
      if (signal?.aborted) throw new CancelledError();
    }
    if (pendingBytes) await store(pending);
    if (p.size !== null && offset !== p.size) {
      throw this.fail(p.file, `the download ended after ${offset} of ${p.size} bytes`);
    }
    await this.finish(p.file, offset);
    return offset;
  }

  private async finish(file: string, size: number): Promise<void> {
    await writeManifest(this.cache, this.repo, this.revision, file, {
      size,
      chunkSize: this.chunkBytes,
      chunks: Math.ceil(size / this.chunkBytes),
      complete: true,
    });
  }

  /** Fetches with the token; maps HTTP and network failures to ModelLoadError. */
  private async request(
    file: string,
    init: RequestInit,
    optional = false,
  ): Promise<Response | undefined> {
    const headers = new Headers(init.headers);
    if (this.token) headers.set('Authorization', `Bearer ${this.token}`);
    let res: Response | undefined;
    // HEAD and GET are idempotent: retry transient failures (a reused keep-alive socket the
    // server just closed, a network blip) before giving up.
    for (let attempt = 1; !res; attempt++) {
      try {
        res = await this.fetchFn(this.fileUrl(file), { ...init, headers });
      } catch (err) {
        if ((err as Error)?.name === 'AbortError' || init.signal?.aborted) throw err;
        if (attempt >= NETWORK_ATTEMPTS) {
          throw this.fail(file, `network error (${(err as Error).message}); check the connection`);
        }
        await new Promise((r) => setTimeout(r, 250 * attempt));
      }
    }
    if (res.ok) return res;
    await res.body?.cancel().catch(() => {});
    if (res.status === 404 && optional) return undefined;
    const code = res.headers.get('x-error-code');
    if (res.status === 401 || res.status === 403) {
      const why =
        code === 'RepoNotFound'
          ? 'the repo does not exist or is private'
          : 'the repo is gated or private: accept its license on huggingface.co and use an access token, or load the files from a local folder';
      throw this.fail(file, `HTTP ${res.status}, ${why}`, res.status);
    }
    if (res.status === 404) {
      throw this.fail(file, `not found (HTTP 404); check the repo id and revision`, 404);
    }
    throw this.fail(file, `HTTP ${res.status} ${res.statusText}`.trim(), res.status);
  }

  private fail(file: string, why: string, status?: number): ModelLoadError {
    return new ModelLoadError(`${file} of ${this.repo}@${this.revision}: ${why}`, {
      modelId: this.repo,
      revision: this.revision,
      file,
      status,
    });
  }

  private async readJson(file: string) {
    const blob = await readCachedFile(this.cache, this.repo, this.revision, file);
    if (!blob) throw this.fail(file, 'missing from the cache after download');
    return parseJsonFile(await blob.text(), file, this.repo);
  }

  private async assemble(weightNames: string[]): Promise<ModelFiles> {
    const weights = [];
    for (const file of weightNames) {
      const blob = await readCachedFile(this.cache, this.repo, this.revision, file);
      if (!blob) throw this.fail(file, 'missing from the cache after download');
      weights.push({ file, blob });
    }
    const hasGeneration = (
      await readManifest(this.cache, this.repo, this.revision, GENERATION_CONFIG_FILE)
    )?.complete;
    return {
      modelId: this.repo,
      config: await this.readJson(CONFIG_FILE),
      generationConfig: hasGeneration ? await this.readJson(GENERATION_CONFIG_FILE) : undefined,
      tokenizerJson: await this.readJson(TOKENIZER_FILE),
      tokenizerConfig: await this.readJson(TOKENIZER_CONFIG_FILE),
      weights,
      weightBytes: weights.reduce((n, w) => n + w.blob.size, 0),
    };
  }
}
