// The Models screen's state (issue 9 §1, 2, 5): the catalogue against the device, downloads
// through a local server in the Hub's resolve/<rev>/<file> layout (byte progress, cancel as
// a cancel, resume, quota refusal), the cached models with size and delete, the access token
// kept in memory unless remembered, and roles recorded on the workspace.
import { keepLocalModel } from '../../../src/lib/engines/hf/local-cache';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBlobCache } from '../../../src/lib/engines/hf/blob-cache';
import type { CacheStorageLike } from '../../../src/lib/engines/catalogue/webllm-cache';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { ModelsState, TOKEN_SETTING, type ModelsDeps } from '../../../src/lib/state/models.svelte';
import { STEPS, stepStatus } from '../../../src/lib/state/steps';
import { emptyTotals } from '../../../src/lib/state/ports';
import { WorkspacesState } from '../../../src/lib/state/workspaces.svelte';
import { fakeStore } from './fake-store';

const GB = 2 ** 30;
const WEIGHTS = new Uint8Array(512 * 1024).map((_, i) => (i * 31) & 0xff);
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const FILES: Record<string, Uint8Array> = {
  'config.json': json({ architectures: ['LlamaForCausalLM'] }),
  'tokenizer.json': json({ model: { type: 'BPE', vocab: {} } }),
  'tokenizer_config.json': json({}),
  'model.safetensors': WEIGHTS,
};
const served: { method: string; file: string; range?: string; bytes: number }[] = [];
let server: Server;
let baseUrl: string;
/** Milliseconds between 16 KiB pieces of a body, so a cancel lands mid-file. */
let pace = 0;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const m = /^\/org\/tiny\/resolve\/main\/(.+)$/.exec(req.url ?? '');
    const data = m ? FILES[decodeURIComponent(m[1])] : undefined;
    if (!data) return void res.writeHead(404).end();
    const start = Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    const body = data.subarray(start);
    res.writeHead(start ? 206 : 200, { 'content-length': String(body.length) });
    if (req.method === 'HEAD') return void res.end();
    served.push({ method: req.method!, file: m![1], range: req.headers.range, bytes: body.length });
    for (let i = 0; i < body.length && !res.destroyed; i += 16 * 1024) {
      res.write(Buffer.from(body.subarray(i, i + 16 * 1024)));
      if (pace) await new Promise((r) => setTimeout(r, pace));
    }
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

function setup(extra: Partial<ModelsDeps> = {}, quota: number | null = null) {
  const jobs = new JobsState();
  const cache = new MemoryBlobCache();
  const settings = new Map<string, unknown>();
  let changed = 0;
  const models = new ModelsState({
    jobs,
    cache,
    webLlmRecords: async () => [
      { model_id: 'Small-q4f16_1-MLC', vram_required_MB: 900 },
      { model_id: 'Small-q4f32_1-MLC', vram_required_MB: 1100 },
      { model_id: 'Huge-q4f32_1-MLC', vram_required_MB: 40_000 },
    ],
    cacheStorage: null,
    settings: {
      get: async <T>(k: string) => settings.get(k) as T | undefined,
      set: async (k, v) => void settings.set(k, v),
    },
    hub: {
      baseUrl,
      chunkBytes: 64 * 1024,
      estimate: quota === null ? null : async () => ({ quota, usage: 0 }),
    },
    onChanged: () => changed++,
    ...extra,
  });
  return { models, jobs, cache, settings, changed: () => changed };
}

describe('ModelsState catalogue', () => {
  it('judges the recommended checkpoints and web-llm models against the reported device', async () => {
    const { models } = setup();
    // No adapter: wasm, and web-llm hides everything.
    await models.loadWebLlmList();
    expect(models.device.kind).toBe('wasm');
    expect(models.webLlm!.shown).toEqual([]);
    models.setDevice(
      { shaderF16: false, maxBufferSize: 4 * GB, maxStorageBufferBindingSize: 256 * 2 ** 20 },
      8,
    );
    expect(models.webLlm!.shown.map((r) => r.model_id)).toEqual(['Small-q4f32_1-MLC']);
    expect(models.webLlm!.hidden.map((h) => h.reason)).toEqual([
      expect.stringMatching(/shader-f16.*listed as Small-q4f32_1-MLC/),
      expect.stringMatching(/needs 40,000 MB of GPU memory/),
    ]);
    const row = (id: string) => models.rows.find((r) => r.entry.id === id)!.verdict;
    // No shader-f16: the engine runs f32, and Qwen's 152k × 896 embedding (519 MB) is too big
    // for a 256 MB binding, while int4 does not help (the embedding is not quantized).
    expect(row('HuggingFaceTB/SmolLM2-135M-Instruct')).toMatchObject({ fit: 'fits' });
    expect(row('Qwen/Qwen2.5-0.5B-Instruct').estimate.dtype).toBe('fp32');
    expect(row('Qwen/Qwen2.5-0.5B-Instruct').fit).toBe('too-big');
    const before = row('HuggingFaceTB/SmolLM2-360M-Instruct').estimate.weightBytes;
    models.dtype = 'int4';
    expect(row('HuggingFaceTB/SmolLM2-360M-Instruct').estimate.weightBytes).toBeLessThan(
      before / 3,
    );
  });
});

describe('ModelsState downloads and cache', () => {
  it('downloads with byte progress, lists the cached model with its size, and deletes it', async () => {
    const { models, jobs, changed } = setup();
    expect(await models.download('org/tiny')).toBe(true);
    const job = jobs.jobs[0];
    expect(job.status).toBe('done');
    expect(job.progress).toMatchObject({ kind: 'download', unit: 'bytes' });
    const total = Object.values(FILES).reduce((n, f) => n + f.length, 0);
    expect(job.progress!.done).toBe(total);
    expect(job.progress!.total).toBe(total);
    expect(models.progress).toEqual({ done: total, total, percent: 100 });
    expect(models.cached).toEqual([
      {
        repo: 'org/tiny',
        revision: 'main',
        files: Object.keys(FILES).sort(),
        bytes: total,
        partial: false,
      },
    ]);
    expect(models.cachedBytes).toBe(total);
    expect(changed()).toBe(1);

    await models.deleteCached('org/tiny', 'main');
    expect(models.cached).toEqual([]);
    expect(models.cachedBytes).toBe(0);
    expect(changed()).toBe(2);
  });

  it('lists a kept local folder beside downloads, named as such, and deletes it', async () => {
    const { models, cache } = setup();
    await keepLocalModel(cache, 'my-folder', [
      { file: 'config.json', blob: new Blob(['{"a":1}']) },
    ]);
    expect(await models.download('org/tiny')).toBe(true);
    const names = models.cached.map((m) => models.cachedName(m));
    expect(names).toEqual([
      { name: 'local/my-folder', local: true },
      { name: 'org/tiny', local: false },
    ]);
    const kept = models.cached[0];
    expect(kept.bytes).toBe(7);
    await models.deleteCached(kept.repo, kept.revision);
    expect(models.cached.map((m) => m.repo)).toEqual(['org/tiny']);
  });

  it('a cancel is a cancel (no error), the partial download is listed, and a retry resumes', async () => {
    const { models, jobs } = setup();
    pace = 5;
    const first = models.download('org/tiny');
    while ((jobs.jobs[0]?.progress?.done ?? 0) < 200 * 1024)
      await new Promise((r) => setTimeout(r, 5));
    const seen = models.progress!;
    expect(seen.percent).toBe(Math.floor((100 * seen.done) / seen.total!));
    expect(seen.percent).toBeGreaterThan(0);
    expect(seen.percent).toBeLessThan(100);
    models.cancel();
    expect(await first).toBe(false);
    pace = 0;
    expect(jobs.jobs[0].status).toBe('cancelled');
    expect(models.error).toBeNull();
    expect(models.cached[0]).toMatchObject({ repo: 'org/tiny', partial: true });
    expect(models.cached[0].bytes).toBeGreaterThan(0);

    served.length = 0;
    expect(await models.download('org/tiny')).toBe(true);
    const weights = served.filter((s) => s.file === 'model.safetensors');
    expect(weights).toHaveLength(1);
    expect(weights[0].range).toMatch(/^bytes=[1-9]\d*-$/);
    expect(weights[0].bytes).toBeLessThan(WEIGHTS.length);
    expect(models.cached[0]).toMatchObject({ partial: false });
  });

  it('refuses a download that does not fit the quota before fetching a body', async () => {
    const { models, jobs } = setup({}, 100 * 1024);
    served.length = 0;
    expect(await models.download('org/tiny')).toBe(false);
    expect(models.error).toMatch(/QuotaExceededError: Downloading org\/tiny needs \d+ MB/);
    expect(jobs.jobs[0].status).toBe('failed');
    expect(served).toEqual([]);
    expect(models.cached).toEqual([]);
  });

  it('rejects a malformed repo id without starting a job', async () => {
    const { models, jobs } = setup();
    expect(await models.download('not a repo')).toBe(false);
    expect(models.error).toMatch(/owner\/name/);
    expect(jobs.jobs).toEqual([]);
  });

  it('lists and deletes web-llm models from its own Cache Storage buckets', async () => {
    const buckets = new Map<string, Map<string, number>>([
      [
        'webllm/model',
        new Map([
          ['https://huggingface.co/mlc-ai/A-MLC/resolve/main/params_shard_0.bin', 1000],
          ['https://huggingface.co/mlc-ai/A-MLC/resolve/main/params_shard_1.bin', 500],
          ['https://huggingface.co/mlc-ai/B-MLC/resolve/main/params_shard_0.bin', 70],
        ]),
      ],
      [
        'webllm/config',
        new Map([['https://huggingface.co/mlc-ai/A-MLC/resolve/main/mlc-chat-config.json', 3]]),
      ],
    ]);
    const storage: CacheStorageLike = {
      has: async (name) => buckets.has(name),
      open: async (name) => {
        const b = buckets.get(name)!;
        return {
          keys: async () => [...b.keys()].map((url) => ({ url })),
          match: async (url) =>
            b.has(url)
              ? {
                  headers: new Headers({ 'content-length': String(b.get(url)) }),
                  blob: async () => new Blob(),
                }
              : undefined,
          delete: async (url) => b.delete(url),
        };
      },
    };
    const { models } = setup({ cacheStorage: storage });
    await models.refreshCache();
    expect(models.webLlmCached).toEqual([
      { repo: 'mlc-ai/A-MLC', bytes: 1503, files: 3 },
      { repo: 'mlc-ai/B-MLC', bytes: 70, files: 1 },
    ]);
    await models.deleteWebLlm('mlc-ai/A-MLC');
    expect(models.webLlmCached).toEqual([{ repo: 'mlc-ai/B-MLC', bytes: 70, files: 1 }]);
    expect(buckets.get('webllm/config')!.size).toBe(0);
  });
});

describe('access token', () => {
  it('stays in memory unless remembered, and is forgotten when unticked', async () => {
    const { models, settings } = setup();
    models.accessToken = 'hf_secret';
    expect(settings.has(TOKEN_SETTING)).toBe(false);
    await models.setRememberToken(true);
    expect(settings.get(TOKEN_SETTING)).toBe('hf_secret');
    const again = setup({
      settings: { get: async <T>(k: string) => settings.get(k) as T, set: async () => {} },
    });
    await again.models.load();
    expect(again.models.accessToken).toBe('hf_secret');
    expect(again.models.rememberToken).toBe(true);
    await models.setRememberToken(false);
    expect(settings.get(TOKEN_SETTING)).toBeUndefined();
  });
});

describe('roles', () => {
  it('records a role on the current workspace, clears it, and drives the Models step status', async () => {
    const store = fakeStore([{ id: 'w1', name: 'A', createdAt: 1, updatedAt: 1 }]);
    const ws = new WorkspacesState(store);
    await ws.load();
    const assignment = {
      engine: 'onnx' as const,
      modelId: 'local-model',
      source: 'local' as const,
      adapterCheckpointId: 'ck1',
      assignedAt: 5,
    };
    expect(await ws.setRole('backward', assignment)).toBe(true);
    expect(ws.current?.roles).toEqual({ backward: assignment });
    // Kept in the store: a fresh state (a reload) reads it back.
    const reloaded = new WorkspacesState(store);
    await reloaded.load();
    expect(reloaded.current?.roles?.backward).toEqual(assignment);
    expect(await ws.setRole('backward', undefined)).toBe(true);
    expect(ws.current?.roles).toEqual({});

    const models = STEPS.find((s) => s.id === 'models')!;
    expect(stepStatus(models, emptyTotals())).toMatchObject({
      state: 'ready',
      detail: '0 of 3 roles assigned (backward, rater, judge)',
    });
    expect(stepStatus(models, { ...emptyTotals(), roles: 2 }).state).toBe('done');
  });
});
