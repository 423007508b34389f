// Several clients over one worker (protocol/channels.ts), as the model worker serves the
// engine and the trainer: one worker for all, each client its own channel, and a crash seen
// by every client, whose next call starts a fresh worker.
import { describe, expect, it } from 'vitest';
import { engineHandlers } from '../../../src/lib/engines/engine-protocol';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { WorkerEngine } from '../../../src/lib/engines/worker-engine';
import { serveChannels, WorkerHost } from '../../../src/lib/protocol/channels';
import { WorkerCrashedError } from '../../../src/lib/protocol/errors';
import type { ServerPort } from '../../../src/lib/protocol/server';

/** A Worker made of a MessageChannel, with one FakeEngine served on the far end. */
class ChannelWorker extends EventTarget {
  readonly engine = new FakeEngine();
  terminated = false;
  private readonly port: MessagePort;

  constructor() {
    super();
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    serveChannels(port2 as unknown as ServerPort, engineHandlers(this.engine));
    port2.start();
    port1.addEventListener('message', (e) =>
      this.dispatchEvent(new MessageEvent('message', { data: e.data })),
    );
    port1.start();
  }

  postMessage(msg: unknown, transfer: Transferable[] = []): void {
    this.port.postMessage(msg, transfer);
  }

  terminate(): void {
    this.terminated = true;
    this.port.close();
  }

  /** What the browser does when the worker throws outside any call. */
  fail(message: string): void {
    this.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message }));
  }
}

const req = { prompt: 'alpha beta gamma delta', maxTokens: 3, temperature: 0 };

describe('WorkerHost', () => {
  it('serves every client from one worker, each over its own channel', async () => {
    const workers: ChannelWorker[] = [];
    const host = new WorkerHost(() => {
      workers.push(new ChannelWorker());
      return workers.at(-1) as unknown as Worker;
    });
    const a = new WorkerEngine('fake', () => host.channel());
    const b = new WorkerEngine('fake', () => host.channel());
    await a.load({ id: 'shared', source: 'fake' });
    // b never loaded: the worker's engine already holds the model a loaded.
    const [ra, rb] = await Promise.all([a.generate(req), b.generate(req)]);
    expect(rb).toEqual(ra);
    expect(ra.completionTokens).toBe(3);
    expect(workers.length).toBe(1);
  });

  it('a crash reaches every client; the next calls share one fresh worker', async () => {
    const workers: ChannelWorker[] = [];
    const host = new WorkerHost(() => {
      workers.push(new ChannelWorker());
      return workers.at(-1) as unknown as Worker;
    });
    const crashes: string[] = [];
    const a = new WorkerEngine(
      'fake',
      () => host.channel(),
      () => crashes.push('a'),
    );
    const b = new WorkerEngine(
      'fake',
      () => host.channel(),
      () => crashes.push('b'),
    );
    await a.load({ id: 'm', source: 'fake' });
    await b.generate(req);
    workers[0].fail('device lost');
    expect(workers[0].terminated).toBe(true);
    expect(crashes.sort()).toEqual(['a', 'b']);
    // a reloads its model in the new worker first (WorkerEngine's retry), then both answer.
    expect((await a.generate(req)).completionTokens).toBe(3);
    expect((await b.generate(req)).completionTokens).toBe(3);
    expect(workers.length).toBe(2);
  });

  it("one client's terminate stops the worker for all; the others see WorkerCrashedError", async () => {
    const workers: ChannelWorker[] = [];
    const host = new WorkerHost(() => {
      workers.push(new ChannelWorker());
      return workers.at(-1) as unknown as Worker;
    });
    const a = new WorkerEngine('fake', () => host.channel());
    const crashed: WorkerCrashedError[] = [];
    const b = new WorkerEngine(
      'fake',
      () => host.channel(),
      (e) => crashed.push(e),
    );
    await a.load({ id: 'm', source: 'fake' });
    await b.generate(req);
    a.terminate();
    expect(workers[0].terminated).toBe(true);
    expect(crashed[0]).toBeInstanceOf(WorkerCrashedError);
    expect(crashed[0].message).toMatch(/stopped by another of its clients/);
  });
});
