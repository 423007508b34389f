import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  deleteCachedModel,
  listCachedModels,
  MemoryBlobCache,
} from '../../../src/lib/engines/hf/blob-cache';
import { HubSource } from '../../../src/lib/engines/hf/hub-source';
import { LocalSource } from '../../../src/lib/engines/hf/model-files';
import { HfTokenizer } from '../../../src/lib/engines/hf/tokenizer';
import type { Progress } from '../../../src/lib/protocol/progress';
import {
  CancelledError,
  ModelLoadError,
  QuotaExceededError,
} from '../../../src/lib/protocol/errors';
import { llamaFiles } from './hf-fixtures';

function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}
const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));

const WEIGHTS = bytes(256 * 1024, 1);
const SHARD1 = bytes(40 * 1024, 2);
const SHARD2 = bytes(30 * 1024, 3);
const TOKENIZER_BYTES = json(llamaFiles().tokenizerJson); // real 1.8 MB tokenizer.json
const base = () => ({
  'config.json': json({ architectures: ['LlamaForCausalLM'], hidden_size: 8 }),
  'tokenizer.json': TOKENIZER_BYTES,
  'tokenizer_config.json': json(llamaFiles().tokenizerConfig),
});
const repos: Record<string, Record<string, Uint8Array>> = {
  'org/tiny': {
    ...base(),
    'generation_config.json': json({ eos_token_id: [2, 0] }),
    'model.safetensors': WEIGHTS,
  },
  'org/sharded': {
    ...base(),
    'model.safetensors.index.json': json({
      weight_map: {
        'a.weight': 'model-00002-of-00002.safetensors',
        'b.weight': 'model-00001-of-00002.safetensors',
      },
    }),
    'model-00001-of-00002.safetensors': SHARD1,
    'model-00002-of-00002.safetensors': SHARD2,
  },
  'org/no-tokenizer': { 'config.json': json({}), 'model.safetensors': WEIGHTS },
};

interface Served {
  method: string;
  file: string;
  range?: string;
  status: number;
  bytes: number;
}
const log: Served[] = [];
let server: Server;
let baseUrl: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    const m = /^\/(.+?\/.+?)\/resolve\/([^/]+)\/(.+)$/.exec(req.url ?? '');
    const entry: Served = { method: req.method ?? '', file: m?.[3] ?? '', status: 404, bytes: 0 };
    entry.range = req.headers.range;
    log.push(entry);
    if (m?.[1] === 'org/gated') {
      entry.status = 401;
      res.writeHead(401, { 'x-error-code': 'GatedRepo' }).end('gated');
      return;
    }
    const data = m ? repos[m[1]]?.[decodeURIComponent(m[3])] : undefined;
    if (!data) return void res.writeHead(404).end('not found');
    let body = data;
    let status = 200;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      body = data.subarray(Number(range[1]));
      status = 206;
    }
    entry.status = status;
    res.writeHead(status, { 'content-length': String(body.length), 'accept-ranges': 'bytes' });
    if (req.method === 'HEAD') return void res.end();
    entry.bytes = body.length;
    res.end(Buffer.from(body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const hub = (repo: string, cache = new MemoryBlobCache(), extra = {}) =>
  new HubSource({ repo, baseUrl, cache, chunkBytes: 16 * 1024, estimate: null, ...extra });

async function sameBytes(blob: Blob, expected: Uint8Array) {
  expect(new Uint8Array(await blob.arrayBuffer())).toEqual(expected);
}

describe('HubSource', () => {
  it('downloads all files with monotone byte progress ending at the total', async () => {
    const events: Progress[] = [];
    const files = await hub('org/tiny').load({ job: 'dl', onProgress: (p) => events.push(p) });
    await sameBytes(files.weights[0].blob, WEIGHTS);
    expect(files.generationConfig).toEqual({ eos_token_id: [2, 0] });
    expect(files.config.hidden_size).toBe(8);
    const total = Object.values(repos['org/tiny']).reduce((n, b) => n + b.length, 0);
    expect(events.at(-1)).toMatchObject({
      job: 'dl',
      phase: 'download',
      unit: 'bytes',
      done: total,
      total,
    });
    for (let i = 1; i < events.length; i++)
      expect(events[i].done).toBeGreaterThanOrEqual(events[i - 1].done);
    expect(events.every((e) => e.done <= (e.total ?? 0))).toBe(true);
    const tok = HfTokenizer.fromModelFiles(files);
    expect(tok.eosIds).toEqual([2, 0]);
  });

  it('resumes an aborted download with a Range request and serves the rest from cache', async () => {
    const cache = new MemoryBlobCache();
    const controller = new AbortController();
    const first = hub('org/tiny', cache).load({
      signal: controller.signal,
      onProgress: (p) => {
        if (p.detail === 'model.safetensors' && p.done > (p.total ?? 0) / 2) controller.abort();
      },
    });
    await expect(first).rejects.toBeInstanceOf(CancelledError);
    log.length = 0;
    const events: Progress[] = [];
    const files = await hub('org/tiny', cache).load({ onProgress: (p) => events.push(p) });
    await sameBytes(files.weights[0].blob, WEIGHTS);
    const gets = log.filter((r) => r.method === 'GET');
    expect(gets.map((g) => g.file)).toEqual(['model.safetensors']);
    expect(gets[0].status).toBe(206);
    expect(gets[0].range).toMatch(/^bytes=\d+-$/);
    expect(gets[0].bytes).toBeGreaterThan(0);
    expect(gets[0].bytes).toBeLessThan(WEIGHTS.length);
    expect(events[0].done).toBe(events[0].total! - gets[0].bytes);

    // A third load needs no network for bodies at all.
    log.length = 0;
    await hub('org/tiny', cache).load();
    expect(log.filter((r) => r.method === 'GET')).toHaveLength(0);
  });

  it('loads a sharded checkpoint in shard order', async () => {
    const files = await hub('org/sharded').load();
    expect(files.weights.map((w) => w.file)).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    await sameBytes(files.weights[0].blob, SHARD1);
    await sameBytes(files.weights[1].blob, SHARD2);
    expect(files.generationConfig).toBeUndefined();
    expect(files.weightBytes).toBe(SHARD1.length + SHARD2.length);
  });

  it('names the missing file and repo on 404', async () => {
    const err = await hub('org/no-tokenizer')
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).message).toMatch(
      /tokenizer\.json of org\/no-tokenizer@main.*404/,
    );
    expect((err as ModelLoadError).data).toMatchObject({ file: 'tokenizer.json', status: 404 });
  });

  it('explains a gated repo (401)', async () => {
    await expect(hub('org/gated').load()).rejects.toThrow(/org\/gated.*gated or private/);
  });

  it('reports an unreachable server as a network error', async () => {
    const src = new HubSource({
      repo: 'org/tiny',
      baseUrl: 'http://127.0.0.1:9',
      cache: new MemoryBlobCache(),
      estimate: null,
    });
    await expect(src.load()).rejects.toThrow(/config\.json of org\/tiny@main: network error/);
  });

  it('checks the storage quota before downloading', async () => {
    log.length = 0;
    const src = hub('org/tiny', new MemoryBlobCache(), {
      estimate: async () => ({ quota: 100_000, usage: 40_000 }),
      quotaMarginBytes: 1000,
    });
    const err = (await src.load().catch((e: unknown) => e)) as QuotaExceededError;
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect(err.availableBytes).toBe(60_000);
    const total = Object.values(repos['org/tiny']).reduce((n, b) => n + b.length, 0);
    expect(err.neededBytes).toBe(total + 1000);
    expect(log.filter((r) => r.method === 'GET')).toHaveLength(0);
  });

  it('throws CancelledError when cancelled before it starts', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(hub('org/tiny').load({ signal: controller.signal })).rejects.toBeInstanceOf(
      CancelledError,
    );
  });
});

describe('model cache listing', () => {
  it('lists cached models with sizes and deletes one', async () => {
    const cache = new MemoryBlobCache();
    await hub('org/tiny', cache).load();
    await hub('org/sharded', cache).load();
    const listed = await listCachedModels(cache);
    expect(listed.map((m) => m.repo)).toEqual(['org/sharded', 'org/tiny']);
    const tiny = listed.find((m) => m.repo === 'org/tiny')!;
    expect(tiny.bytes).toBe(Object.values(repos['org/tiny']).reduce((n, b) => n + b.length, 0));
    expect(tiny.files).toContain('model.safetensors');
    expect(tiny.partial).toBe(false);
    expect(await deleteCachedModel(cache, 'org/tiny', 'main')).toBeGreaterThan(0);
    expect((await listCachedModels(cache)).map((m) => m.repo)).toEqual(['org/sharded']);
  });
});

describe('LocalSource', () => {
  const file = (path: string, data: Uint8Array) => {
    const f = new File([data as BlobPart], path.split('/').pop()!);
    Object.defineProperty(f, 'webkitRelativePath', { value: path });
    return f;
  };
  const folder = (repo: string, skip: string[] = []) =>
    Object.entries(repos[repo])
      .filter(([name]) => !skip.includes(name))
      .map(([name, data]) => file(`my-model/${name}`, data));

  it('loads a picked folder without network, matching files by base name', async () => {
    const files = await new LocalSource(folder('org/sharded')).load();
    expect(files.modelId).toBe('my-model');
    expect(files.weights.map((w) => w.file)).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    await sameBytes(files.weights[1].blob, SHARD2);
  });

  it('lists what is missing', async () => {
    const err = await new LocalSource(folder('org/tiny', ['tokenizer.json']))
      .load()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelLoadError);
    expect((err as ModelLoadError).message).toContain('missing tokenizer.json');
    expect((err as ModelLoadError).data.missing).toEqual(['tokenizer.json']);
    await expect(
      new LocalSource(folder('org/sharded', ['model-00002-of-00002.safetensors'])).load(),
    ).rejects.toThrow(/missing model-00002-of-00002\.safetensors/);
  });
});
