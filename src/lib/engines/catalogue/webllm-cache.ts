// web-llm's downloaded models, for the Models screen's cache list and the Storage view. web-llm
// keeps its files in Cache Storage buckets of its own ("webllm/model" for weight shards and
// tokenizer, "webllm/config" for mlc-chat-config.json, "webllm/wasm" for model libraries),
// keyed by the URL it fetched: https://huggingface.co/<org>/<model>/resolve/<rev>/<file>. We
// group the entries by <org>/<model> and sum their sizes; deleting removes that prefix from
// the model and config buckets (libraries are shared between models and stay).

/** The part of CacheStorage we use (a fake in Node tests). */
export interface CacheStorageLike {
  has(name: string): Promise<boolean>;
  open(name: string): Promise<{
    keys(): Promise<readonly { url: string }[]>;
    match(request: string): Promise<{ headers: Headers; blob(): Promise<Blob> } | undefined>;
    delete(request: string): Promise<boolean>;
  }>;
}

export const WEBLLM_MODEL_CACHES = ['webllm/model', 'webllm/config'] as const;

export interface WebLlmCachedModel {
  /** "<org>/<model>" of the URL, e.g. "mlc-ai/SmolLM2-360M-Instruct-q4f16_1-MLC". */
  repo: string;
  bytes: number;
  files: number;
}

/** The repo part of a web-llm file URL, or null for URLs of another shape. */
export function webLlmRepoOf(url: string): string | null {
  const m = /^https?:\/\/[^/]+\/([^/]+\/[^/]+)\/resolve\//.exec(url);
  return m ? decodeURIComponent(m[1]) : null;
}

export async function listWebLlmCache(storage: CacheStorageLike): Promise<WebLlmCachedModel[]> {
  const models = new Map<string, WebLlmCachedModel>();
  for (const name of WEBLLM_MODEL_CACHES) {
    if (!(await storage.has(name))) continue;
    const cache = await storage.open(name);
    for (const { url } of await cache.keys()) {
      const repo = webLlmRepoOf(url);
      if (!repo) continue;
      const res = await cache.match(url);
      if (!res) continue;
      const length = res.headers.get('content-length');
      const bytes = length && /^\d+$/.test(length) ? Number(length) : (await res.blob()).size;
      const model = models.get(repo) ?? { repo, bytes: 0, files: 0 };
      model.bytes += bytes;
      model.files++;
      models.set(repo, model);
    }
  }
  return [...models.values()].sort((a, b) => a.repo.localeCompare(b.repo));
}

/** Deletes every cached file of `repo`; returns how many entries went. */
export async function deleteWebLlmCached(storage: CacheStorageLike, repo: string): Promise<number> {
  let removed = 0;
  for (const name of WEBLLM_MODEL_CACHES) {
    if (!(await storage.has(name))) continue;
    const cache = await storage.open(name);
    for (const { url } of await cache.keys()) {
      if (webLlmRepoOf(url) === repo && (await cache.delete(url))) removed++;
    }
  }
  return removed;
}
