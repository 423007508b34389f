// Cache Storage path of the model downloader in real Chromium (Node has no `caches`):
// chunked storage, resume, listing and deletion. The Hub is a fetch stub with Range support.
import { describe, expect, it } from 'vitest';
import {
  CacheStorageBlobCache,
  deleteCachedModel,
  listCachedModels,
} from '../../src/lib/engines/hf/blob-cache';
import { HubSource } from '../../src/lib/engines/hf/hub-source';
import { CancelledError } from '../../src/lib/protocol/errors';

const weights = new Uint8Array(200_000).map((_, i) => (i * 31 + 7) & 255);
const files: Record<string, Uint8Array> = {
  'config.json': new TextEncoder().encode('{"hidden_size":8}'),
  'tokenizer.json': new TextEncoder().encode('{"model":{}}'),
  'tokenizer_config.json': new TextEncoder().encode('{}'),
  'model.safetensors': weights,
};
const bodyBytes: number[] = [];

const stubFetch: typeof fetch = async (input, init) => {
  const name = decodeURIComponent(String(input).split('/resolve/main/')[1]);
  const data = files[name];
  if (!data) return new Response('missing', { status: 404 });
  const from = Number(/bytes=(\d+)-/.exec(new Headers(init?.headers).get('range') ?? '')?.[1] ?? 0);
  const body = data.subarray(from);
  const headers = { 'content-length': String(body.length) };
  if (init?.method === 'HEAD') return new Response(null, { headers });
  bodyBytes.push(body.length);
  return new Response(body as BlobPart, { status: from ? 206 : 200, headers });
};

describe('HubSource + CacheStorageBlobCache (Chromium)', () => {
  it('stores chunks in Cache Storage, resumes after cancel, lists and deletes', async () => {
    const cache = new CacheStorageBlobCache('humpback-models-test');
    const make = () =>
      new HubSource({
        repo: 'org/t',
        baseUrl: 'https://hub.test',
        cache,
        chunkBytes: 32_768,
        estimate: null,
        fetch: stubFetch,
      });
    const controller = new AbortController();
    await expect(
      make().load({
        signal: controller.signal,
        onProgress: (p) => {
          if (p.detail === 'model.safetensors' && p.done > 120_000) controller.abort();
        },
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    const partial = await listCachedModels(cache);
    expect(partial[0]).toMatchObject({ repo: 'org/t', partial: true });

    bodyBytes.length = 0;
    const loaded = await make().load();
    expect(new Uint8Array(await loaded.weights[0].blob.arrayBuffer())).toEqual(weights);
    expect(bodyBytes).toHaveLength(1);
    expect(bodyBytes[0]).toBeLessThan(weights.length);

    const listed = await listCachedModels(cache);
    const total = Object.values(files).reduce((n, b) => n + b.length, 0);
    expect(listed[0]).toMatchObject({
      repo: 'org/t',
      revision: 'main',
      bytes: total,
      partial: false,
    });
    expect(await deleteCachedModel(cache, 'org/t', 'main')).toBeGreaterThan(0);
    expect(await listCachedModels(cache)).toEqual([]);
    await caches.delete('humpback-models-test');
  });
});
