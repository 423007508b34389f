// Transferables across the worker boundary (a Node MessageChannel, which moves ArrayBuffers
// the way a Worker does): a transferred buffer arrives intact and is detached on the sending
// side (byteLength 0), in all three directions the protocol uses: results, requests, events.
// And the one place that must NOT transfer: WorkerEngine keeps adapter tensors for restarts.
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import type { AdapterSpec } from '../../../src/lib/engines/engine';
import { engineHandlers, type EngineRpc } from '../../../src/lib/engines/engine-protocol';
import { WorkerEngine } from '../../../src/lib/engines/worker-engine';
import { transfer, type Handlers } from '../../../src/lib/protocol';
import { channelWorkers, connect, type Harness } from './harness';

type BytesRpc = {
  /** Returns `size` bytes counting up; `moved` says whether they are transferred. */
  make: { req: { size: number; moved: boolean }; res: Uint8Array };
  /** Sums the bytes it got. */
  sum: { req: { bytes: Uint8Array }; res: number };
  /** Streams one chunk of bytes as an event, transferred. */
  stream: { req: { size: number }; res: null; event: Uint8Array };
};

const counting = (size: number) => Uint8Array.from({ length: size }, (_, i) => i % 251);

/** What the worker side sent, kept to look at after the call. */
const sent: Uint8Array[] = [];

const handlers: Handlers<BytesRpc> = {
  make: async ({ size, moved }) => {
    const bytes = counting(size);
    sent.push(bytes);
    return moved ? transfer(bytes, [bytes.buffer]) : bytes;
  },
  sum: async ({ bytes }) => bytes.reduce((a, b) => a + b, 0),
  stream: async ({ size }, ctx) => {
    const bytes = counting(size);
    sent.push(bytes);
    ctx.emit(bytes, [bytes.buffer]);
    return null;
  },
};

let h: Harness<BytesRpc> | undefined;
afterEach(() => {
  h?.close();
  h = undefined;
  sent.length = 0;
});

describe('transferables', () => {
  it('a transferred result arrives intact and is detached in the worker', async () => {
    h = connect(handlers);
    const got = await h.client.call('make', { size: 4096, moved: true });
    expect(got).toEqual(counting(4096));
    expect(sent[0].buffer.byteLength).toBe(0);
    expect(sent[0].length).toBe(0);
  });

  it('a result sent without transfer is copied: the worker keeps its bytes', async () => {
    h = connect(handlers);
    const got = await h.client.call('make', { size: 4096, moved: false });
    expect(got).toEqual(counting(4096));
    expect(sent[0].buffer.byteLength).toBe(4096);
  });

  it('a request payload passed in opts.transfer is moved to the worker', async () => {
    h = connect(handlers);
    const bytes = counting(1000);
    const expected = bytes.reduce((a, b) => a + b, 0);
    const pending = h.client.call('sum', { bytes }, { transfer: [bytes.buffer] });
    expect(bytes.buffer.byteLength).toBe(0); // detached as soon as it was posted
    expect(await pending).toBe(expected);
  });

  it('an event emitted with a transfer list is moved to the caller', async () => {
    h = connect(handlers);
    const events: Uint8Array[] = [];
    await h.client.call('stream', { size: 2048 }, { onEvent: (e) => events.push(e) });
    expect(events).toEqual([counting(2048)]);
    expect(sent[0].buffer.byteLength).toBe(0);
  });

  it('WorkerEngine does not transfer adapter tensors: it keeps them to restore a crash', async () => {
    const received: AdapterSpec[] = [];
    const workers = channelWorkers<EngineRpc>(() => {
      const engine = new FakeEngine();
      const served = engineHandlers(engine);
      return {
        ...served,
        addAdapter: async (adapter, ctx) => {
          received.push(adapter);
          return served.addAdapter(adapter, ctx);
        },
      };
    });
    const remote = new WorkerEngine('fake', workers.spawn);
    const data = Float32Array.from({ length: 64 }, (_, i) => i / 8);
    const adapter: AdapterSpec = {
      id: 'm0',
      rank: 2,
      alpha: 4,
      targetModules: ['q_proj'],
      tensors: { 'lora_A.weight': { shape: [2, 32], data } },
    };
    await remote.addAdapter(adapter);
    expect(data.length).toBe(64);
    expect(received[0].tensors['lora_A.weight'].data).toEqual(data);
    remote.terminate();
    workers.closeAll();
  });
});
