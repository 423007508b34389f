import { describe, expect, it } from 'vitest';
import { MessageChannel } from 'node:worker_threads';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { engineHandlers } from '../../../src/lib/engines/engine-protocol';
import { WorkerEngine } from '../../../src/lib/engines/worker-engine';
import { serve, type ServerPort } from '../../../src/lib/protocol/server';
import type { WorkerLike } from '../../../src/lib/protocol/client';
import { WorkerCrashedError } from '../../../src/lib/protocol/errors';

/** A "worker" made of a MessageChannel with a FakeEngine served on the far end. */
function spawnFakeWorker(
  spawned: { engines: FakeEngine[]; ports: { crash(): void }[] },
  delayMs = 0,
) {
  return (): WorkerLike => {
    const { port1, port2 } = new MessageChannel();
    const engine = new FakeEngine({ delayMs });
    spawned.engines.push(engine);
    const server: ServerPort = {
      postMessage: (m, t) => port2.postMessage(m, t as never),
      addEventListener: (_type, fn) => port2.on('message', (data) => fn({ data } as MessageEvent)),
    };
    serve(server, engineHandlers(engine));
    const listeners: ((e: Event) => void)[] = [];
    spawned.ports.push({
      crash: () =>
        port2.postMessage({ kind: 'fatal', error: { name: 'Error', message: 'device lost' } }),
    });
    return {
      postMessage: (m, t) => port1.postMessage(m, t as never),
      addEventListener: (type, fn) => {
        if (type === 'message') port1.on('message', (data) => fn({ data } as MessageEvent));
        else listeners.push(fn);
      },
      terminate: () => {
        port1.close();
        port2.close();
      },
    };
  };
}

describe('WorkerEngine', () => {
  it('generates across the boundary with streamed tokens equal to a local engine', async () => {
    const spawned = { engines: [] as FakeEngine[], ports: [] as { crash(): void }[] };
    const remote = new WorkerEngine('fake', spawnFakeWorker(spawned));
    const local = new FakeEngine();
    await remote.load({ id: 'm', source: 'fake' });
    await local.load({ id: 'm', source: 'fake' });
    const req = {
      prompt: 'alpha bravo charlie delta echo foxtrot',
      maxTokens: 10,
      temperature: 0,
      seed: 1,
    };
    const tokens: string[] = [];
    const r = await remote.generate(req, { onToken: (t) => tokens.push(t) });
    expect(r).toEqual(await local.generate(req));
    expect(tokens.join('')).toBe(r.text);
    remote.terminate();
  });

  it('passes the assistant prefix through to the engine in the worker, for generate and score', async () => {
    const spawned = { engines: [] as FakeEngine[], ports: [] as { crash(): void }[] };
    const remote = new WorkerEngine('fake', spawnFakeWorker(spawned));
    const local = new FakeEngine();
    await remote.load({ id: 'm', source: 'fake' });
    await local.load({ id: 'm', source: 'fake' });
    const prompt = [{ role: 'user' as const, content: 'alpha bravo charlie delta echo' }];
    const gen = { prompt, maxTokens: 5, temperature: 0, assistantPrefix: 'foxtrot' };
    const r = await remote.generate(gen);
    expect(r).toEqual(await local.generate(gen));
    expect(r).not.toEqual(await local.generate({ ...gen, assistantPrefix: undefined }));
    const score = { prompts: [prompt], continuations: ['alpha', 'echo'], assistantPrefix: 'golf' };
    expect(await remote.score(score)).toEqual(await local.score(score));
    await expect(remote.generate({ ...gen, prompt: 'raw' })).rejects.toMatchObject({
      name: 'InputError',
      field: 'assistantPrefix',
    });
    remote.terminate();
  });

  it('survives a worker crash: pending call fails, next call restarts and reloads the model', async () => {
    const spawned = { engines: [] as FakeEngine[], ports: [] as { crash(): void }[] };
    const crashes: WorkerCrashedError[] = [];
    const remote = new WorkerEngine('fake', spawnFakeWorker(spawned, 20), (e) => crashes.push(e));
    await remote.load({ id: 'm', source: 'fake' });
    const slow = remote.generate({ prompt: 'one two three', maxTokens: 3, temperature: 0 });
    spawned.ports[0].crash();
    await expect(slow).rejects.toBeInstanceOf(WorkerCrashedError);
    expect(crashes).toHaveLength(1);
    const again = await remote.generate({ prompt: 'one two three', maxTokens: 3, temperature: 0 });
    expect(again.completionTokens).toBe(3);
    expect(spawned.engines).toHaveLength(2); // a fresh worker, with the model loaded again
    remote.terminate();
  });
});
