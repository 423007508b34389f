// State of the Models screen's catalogue and cache (issue 9 §1-2): which checkpoints fit this
// device (ONNX) and which web-llm prebuilt models it can run, with a reason for each hidden
// one; downloads of Hugging Face checkpoints into the model cache (byte progress, resumable,
// cancellable, quota-checked before the first byte: engines/hf/hub-source.ts); the cached
// models of both engines with their sizes, and delete. The Hugging Face access token lives in
// this object (memory of this tab) unless the user asks to remember it in settings.
import type { CachedModel, BlobCache } from '../engines/hf/blob-cache';
import { deleteCachedModel, listCachedModels } from '../engines/hf/blob-cache';
import { HubSource, type StorageEstimateFn } from '../engines/hf/hub-source';
import { isLocalCopy } from '../engines/hf/local-cache';
import {
  defaultDtype,
  deviceBudget,
  judgeFit,
  ONNX_CATALOGUE,
  type CatalogueEntry,
  type DeviceBudget,
  type FitVerdict,
  type OnnxDtype,
} from '../engines/catalogue/onnx-catalogue';
import {
  deleteWebLlmCached,
  listWebLlmCache,
  type CacheStorageLike,
  type WebLlmCachedModel,
} from '../engines/catalogue/webllm-cache';
import { listWebLlmModels, type WebLlmListing } from '../engines/catalogue/webllm-catalogue';
import type { WebLlmRecord } from '../engines/webllm/models';
import { isCancel } from '../protocol';
import type { GpuReport } from '../util/capabilities';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';

export type { CachedModel, CatalogueEntry, FitVerdict, OnnxDtype, WebLlmCachedModel };

/** Settings key of a remembered access token (only when the user ticks "remember"). */
export const TOKEN_SETTING = 'hfAccessToken';

export interface ModelsDeps {
  jobs: JobsState;
  /** Where Hugging Face downloads go (the engine's HubSource reads the same cache). */
  cache: BlobCache;
  /** web-llm's prebuilt records (read lazily: web-llm is a large chunk). */
  webLlmRecords: () => Promise<WebLlmRecord[]>;
  /** Cache Storage, for web-llm's own buckets; null where there is none (Node). */
  cacheStorage: CacheStorageLike | null;
  settings: {
    get<T>(key: string): Promise<T | undefined>;
    set(key: string, value: unknown): Promise<void>;
  };
  /** Hub options for tests (a local server, a fake quota). */
  hub?: {
    baseUrl?: string;
    fetch?: typeof fetch;
    estimate?: StorageEstimateFn | null;
    chunkBytes?: number;
  };
  /** Told after the cache changed (the Storage view re-measures). */
  onChanged?: () => void;
}

export interface CatalogueRow {
  entry: CatalogueEntry;
  verdict: FitVerdict;
}

export class ModelsState {
  device = $state<DeviceBudget>(deviceBudget(null, null));
  webgpu = $state(false);
  /** 'auto' is what the engine picks: f16 with shader-f16, else f32. */
  dtype = $state<'auto' | OnnxDtype>('auto');
  rows: CatalogueRow[] = $derived(
    ONNX_CATALOGUE.map((entry) => ({
      entry,
      verdict: judgeFit(
        entry.shape,
        this.dtype === 'auto' ? defaultDtype(this.device) : this.dtype,
        this.device,
      ),
    })),
  );
  webLlm = $state<WebLlmListing | null>(null);
  cached = $state<CachedModel[]>([]);
  webLlmCached = $state<WebLlmCachedModel[]>([]);
  /** Total bytes of both engines' cached models. */
  cachedBytes = $derived(
    this.cached.reduce((n, m) => n + m.bytes, 0) +
      this.webLlmCached.reduce((n, m) => n + m.bytes, 0),
  );
  accessToken = $state('');
  rememberToken = $state(false);
  /** The repo being downloaded now. */
  downloading = $state<string | null>(null);
  /** Bytes of the current (or last) download, and its percent when the total is known. */
  progress = $state<{ done: number; total: number | null; percent: number | null } | null>(null);
  error = $state<string | null>(null);
  private cancelDownload: (() => void) | null = null;

  constructor(private readonly deps: ModelsDeps) {}

  /** Reads the remembered token, if the user asked for that earlier. */
  async load(): Promise<void> {
    const token = await this.deps.settings.get<string>(TOKEN_SETTING);
    if (token) {
      this.accessToken = token;
      this.rememberToken = true;
    }
    await this.refreshCache();
  }

  /** The device from the capability report and navigator.deviceMemory (GB). */
  setDevice(
    gpu: Pick<GpuReport, 'shaderF16' | 'maxBufferSize' | 'maxStorageBufferBindingSize'> | null,
    deviceMemoryGB: number | null | undefined,
  ): void {
    this.device = deviceBudget(gpu, deviceMemoryGB);
    this.webgpu = gpu !== null;
    if (this.records) this.listWebLlm(this.records);
  }

  private records: WebLlmRecord[] | null = null;

  async loadWebLlmList(): Promise<void> {
    try {
      this.records ??= await this.deps.webLlmRecords();
      this.listWebLlm(this.records);
    } catch (err) {
      this.error = `Could not read web-llm's model list: ${describeError(err)}`;
    }
  }

  private listWebLlm(records: WebLlmRecord[]): void {
    const memory = this.device.deviceMemoryBytes;
    this.webLlm = listWebLlmModels(records, {
      webgpu: this.webgpu,
      shaderF16: this.device.shaderF16,
      deviceMemoryBytes: memory,
    });
  }

  /** Keeps the token in settings (IndexedDB) only when `remember`; forgets it otherwise. */
  async setRememberToken(remember: boolean): Promise<void> {
    this.rememberToken = remember;
    await this.deps.settings.set(TOKEN_SETTING, remember ? this.accessToken.trim() : undefined);
  }

  async refreshCache(): Promise<void> {
    try {
      const [hf, webLlm] = await Promise.all([
        listCachedModels(this.deps.cache),
        this.deps.cacheStorage ? listWebLlmCache(this.deps.cacheStorage) : [],
      ]);
      this.cached = hf;
      this.webLlmCached = webLlm;
    } catch (err) {
      this.error = describeError(err);
    }
  }

  /**
   * Downloads a checkpoint into the cache as a tracked job (byte progress in the jobs area).
   * Resolves true when complete; a cancel leaves the finished chunks for a later resume.
   */
  async download(repo: string, revision = 'main'): Promise<boolean> {
    const id = repo.trim();
    if (!/^[\w.-]+\/[\w.-]+$/.test(id)) {
      this.error = 'Enter a Hugging Face model id like "owner/name".';
      return false;
    }
    if (this.downloading) return false;
    this.error = null;
    this.downloading = id;
    const token = this.accessToken.trim();
    const source = new HubSource({
      repo: id,
      revision,
      cache: this.deps.cache,
      ...(token ? { accessToken: token } : {}),
      ...this.deps.hub,
    });
    this.progress = null;
    const { job, result } = this.deps.jobs.start(`Download ${id}`, ({ signal, onProgress }) =>
      source.load({
        signal,
        job: `download:${id}`,
        onProgress: (p) => {
          const percent = p.total ? Math.min(100, Math.floor((100 * p.done) / p.total)) : null;
          this.progress = { done: p.done, total: p.total, percent };
          onProgress(p);
        },
      }),
    );
    this.cancelDownload = () => job.cancel();
    try {
      await result;
      return true;
    } catch (err) {
      if (!isCancel(err)) this.error = describeError(err);
      return false;
    } finally {
      this.downloading = null;
      this.cancelDownload = null;
      await this.refreshCache();
      this.deps.onChanged?.();
    }
  }

  cancel(): void {
    this.cancelDownload?.();
  }

  /** How the cache list names a model: the Hub id (@revision), or a kept local folder. */
  cachedName(m: CachedModel): { name: string; local: boolean } {
    if (isLocalCopy(m.revision)) return { name: m.repo, local: true };
    return { name: m.revision === 'main' ? m.repo : `${m.repo}@${m.revision}`, local: false };
  }

  async deleteCached(repo: string, revision: string): Promise<void> {
    try {
      await deleteCachedModel(this.deps.cache, repo, revision);
    } catch (err) {
      this.error = describeError(err);
    }
    await this.refreshCache();
    this.deps.onChanged?.();
  }

  async deleteWebLlm(repo: string): Promise<void> {
    if (!this.deps.cacheStorage) return;
    try {
      await deleteWebLlmCached(this.deps.cacheStorage, repo);
    } catch (err) {
      this.error = describeError(err);
    }
    await this.refreshCache();
    this.deps.onChanged?.();
  }
}
