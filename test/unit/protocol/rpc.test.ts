import { afterEach, describe, expect, expectTypeOf, it } from 'vitest';
import {
  CancelledError,
  RpcClient,
  InputError,
  ModelLoadError,
  QuotaExceededError,
  WorkerCrashedError,
  transfer,
  type CallContext,
  type Handlers,
  type Progress,
} from '../../../src/lib/protocol';
import { connect, sleep, type Harness } from './harness';

type TestRpc = {
  add: { req: { a: number; b: number }; res: { sum: number } };
  count: { req: { n: number }; res: number };
  stream: { req: { words: string[] }; res: { streamed: number }; event: { word: string } };
  failInput: { req: { line: number }; res: never };
  failModel: { req: null; res: never };
  failQuota: { req: null; res: never };
  failPlain: { req: null; res: never };
  /** Checks for cancel between steps (the cooperative path). */
  loop: { req: { steps: number; stepMs: number }; res: number };
  /** Never checks for cancel and never settles (the hung path). */
  hang: { req: null; res: never };
  bytes: { req: { size: number }; res: ArrayBuffer };
};

const handlers: Handlers<TestRpc> = {
  add: async ({ a, b }) => ({ sum: a + b }),
  count: async ({ n }, ctx) => {
    for (let i = 1; i <= n; i++)
      ctx.progress({
        job: 'count',
        kind: 'self-test',
        phase: 'count',
        done: i,
        total: n,
        unit: 'steps',
      });
    return n;
  },
  stream: async ({ words }, ctx) => {
    for (const word of words) ctx.emit({ word });
    return { streamed: words.length };
  },
  failInput: async ({ line }) => {
    throw new InputError('expected a JSON object', { file: 'seeds.jsonl', line, field: 'output' });
  },
  failModel: async () => {
    throw new ModelLoadError('weights missing', { modelId: 'tiny-llm' });
  },
  failQuota: async () => {
    throw new QuotaExceededError('disk full', { neededBytes: 1024, availableBytes: 12 });
  },
  failPlain: async () => {
    throw new TypeError('undefined is not a function');
  },
  loop: async ({ steps, stepMs }, ctx) => {
    let done = 0;
    for (let i = 0; i < steps; i++) {
      ctx.throwIfCancelled();
      await sleep(stepMs);
      done++;
    }
    return done;
  },
  hang: () => new Promise<never>(() => {}),
  bytes: async ({ size }) => {
    const buf = new Uint8Array(size).fill(7).buffer;
    return transfer(buf, [buf]);
  },
};

let h: Harness<TestRpc>;
afterEach(() => h?.close());

describe('RpcClient + serve over a MessageChannel', () => {
  it('round-trips a typed call', async () => {
    h = connect(handlers);
    await expect(h.client.call('add', { a: 2, b: 40 })).resolves.toEqual({ sum: 42 });
    expect(h.spawned()).toBe(1);
  });

  it('keeps one worker across many calls and matches results to calls', async () => {
    h = connect(handlers);
    const sums = await Promise.all(
      Array.from({ length: 20 }, (_, i) => h.client.call('add', { a: i, b: 1 })),
    );
    expect(sums.map((s) => s.sum)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(h.spawned()).toBe(1);
  });

  it('delivers progress events in order before the result', async () => {
    h = connect(handlers);
    const seen: Progress[] = [];
    const n = await h.client.call('count', { n: 5 }, { onProgress: (p) => seen.push(p) });
    expect(n).toBe(5);
    expect(seen.map((p) => p.done)).toEqual([1, 2, 3, 4, 5]);
    expect(seen[4]).toEqual({
      job: 'count',
      kind: 'self-test',
      phase: 'count',
      done: 5,
      total: 5,
      unit: 'steps',
    });
  });

  it('streams events to onEvent', async () => {
    h = connect(handlers);
    const words: string[] = [];
    const res = await h.client.call(
      'stream',
      { words: ['a', 'b', 'c'] },
      { onEvent: (e) => words.push(e.word) },
    );
    expect(words).toEqual(['a', 'b', 'c']);
    expect(res.streamed).toBe(3);
  });

  it('returns a transferred ArrayBuffer intact', async () => {
    h = connect(handlers);
    const buf = await h.client.call('bytes', { size: 16 });
    expect(new Uint8Array(buf)).toEqual(new Uint8Array(16).fill(7));
  });

  it('rebuilds InputError with file, line and field', async () => {
    h = connect(handlers);
    const err = await h.client.call('failInput', { line: 17 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.file).toBe('seeds.jsonl');
    expect(e.line).toBe(17);
    expect(e.field).toBe('output');
    expect(e.reason).toBe('expected a JSON object');
    expect(e.message).toBe('seeds.jsonl, line 17, field "output": expected a JSON object');
  });

  it('rebuilds other app errors with their fields and keeps plain errors readable', async () => {
    h = connect(handlers);
    const model = await h.client.call('failModel', null).catch((e: unknown) => e);
    expect(model).toBeInstanceOf(ModelLoadError);
    expect((model as ModelLoadError).modelId).toBe('tiny-llm');
    const quota = await h.client.call('failQuota', null).catch((e: unknown) => e);
    expect(quota).toBeInstanceOf(QuotaExceededError);
    expect((quota as QuotaExceededError).neededBytes).toBe(1024);
    expect((quota as QuotaExceededError).availableBytes).toBe(12);
    const plain = await h.client.call('failPlain', null).catch((e: unknown) => e);
    expect(plain).toBeInstanceOf(Error);
    expect((plain as Error).name).toBe('TypeError');
    expect((plain as Error).message).toBe('undefined is not a function');
    // An error inside a call does not kill the worker.
    await expect(h.client.call('add', { a: 1, b: 1 })).resolves.toEqual({ sum: 2 });
    expect(h.spawned()).toBe(1);
  });

  it('rejects an unknown method with a readable error', async () => {
    h = connect(handlers);
    const unknown = h.client as unknown as { call(m: string, p: unknown): Promise<unknown> };
    await expect(unknown.call('nope', null)).rejects.toThrow('Unknown method "nope"');
    // Names inherited from Object.prototype are not methods either.
    await expect(unknown.call('toString', null)).rejects.toThrow('Unknown method "toString"');
    await expect(unknown.call('constructor', null)).rejects.toThrow('Unknown method');
  });
});

describe('cancellation', () => {
  it('cancels a cooperative handler between steps with CancelledError', async () => {
    h = connect(handlers, { cancelGraceMs: 2000 });
    const ac = new AbortController();
    const p = h.client.call('loop', { steps: 1000, stepMs: 5 }, { signal: ac.signal });
    await sleep(30);
    const t0 = Date.now();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(Date.now() - t0).toBeLessThan(500); // well before the grace timeout
    expect(h.terminated()).toBe(false); // the worker stopped by itself and stays
    await expect(h.client.call('add', { a: 1, b: 2 })).resolves.toEqual({ sum: 3 });
    expect(h.spawned()).toBe(1);
  });

  it('rejects at once when the signal is already aborted, without spawning', async () => {
    h = connect(handlers);
    const ac = new AbortController();
    ac.abort();
    await expect(
      h.client.call('add', { a: 1, b: 2 }, { signal: ac.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(h.spawned()).toBe(0);
  });

  it('terminates a handler that never checks after the grace period', async () => {
    const crashes: WorkerCrashedError[] = [];
    h = connect(handlers, { cancelGraceMs: 50, onCrash: (e) => crashes.push(e) });
    const ac = new AbortController();
    const p = h.client.call('hang', null, { signal: ac.signal });
    await sleep(10);
    const t0 = Date.now();
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(45);
    expect(waited).toBeLessThan(1000);
    expect(h.terminated()).toBe(true);
    expect(crashes).toHaveLength(1);
    // The next call gets a fresh worker.
    await expect(h.client.call('add', { a: 2, b: 2 })).resolves.toEqual({ sum: 4 });
    expect(h.spawned()).toBe(2);
  });
});

describe('crashes', () => {
  it("rejects every pending call with WorkerCrashedError on 'fatal' and respawns", async () => {
    const crashes: WorkerCrashedError[] = [];
    h = connect(handlers, { onCrash: (e) => crashes.push(e) });
    const a = h.client.call('hang', null);
    const b = h.client.call('hang', null);
    await sleep(10);
    h.serverPort().postMessage({
      kind: 'fatal',
      error: { name: 'RangeError', message: 'out of memory in step 3' },
    });
    for (const p of [a, b]) {
      const err = await p.catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkerCrashedError);
      expect((err as Error).message).toBe('Worker crashed: RangeError: out of memory in step 3');
    }
    expect(crashes).toHaveLength(1);
    expect(h.client.crashes).toBe(1);
    expect(h.client.alive).toBe(false);
    await expect(h.client.call('add', { a: 5, b: 5 })).resolves.toEqual({ sum: 10 });
    expect(h.spawned()).toBe(2);
  });

  it('terminate() rejects pending calls and does not count as a crash', async () => {
    const crashes: WorkerCrashedError[] = [];
    h = connect(handlers, { onCrash: (e) => crashes.push(e) });
    const p = h.client.call('hang', null);
    await sleep(5);
    h.client.terminate('Closed by the user');
    await expect(p).rejects.toThrow(new WorkerCrashedError('Closed by the user'));
    expect(crashes).toHaveLength(0);
    expect(h.terminated()).toBe(true);
    await expect(h.client.call('add', { a: 0, b: 1 })).resolves.toEqual({ sum: 1 });
    expect(h.spawned()).toBe(2);
  });
});

describe('worker start failure', () => {
  it('rejects (does not throw) when the worker cannot be constructed, and retries next call', () => {
    let attempts = 0;
    const client = new RpcClient<TestRpc>(() => {
      attempts++;
      throw new Error('Failed to construct Worker: bad URL');
    });
    let p: Promise<unknown> | undefined;
    expect(() => (p = client.call('add', { a: 1, b: 1 }))).not.toThrow();
    return expect(p)
      .rejects.toThrow(
        new WorkerCrashedError('Worker could not start: Failed to construct Worker: bad URL'),
      )
      .then(async () => {
        await client.call('add', { a: 1, b: 1 }).catch(() => {});
        expect(attempts).toBe(2);
      });
  });
});

describe('types', () => {
  it('ties payload, result and event types to the method', () => {
    h = connect(handlers);
    const c = h.client;
    expectTypeOf(c.call<'add'>)
      .parameter(1)
      .toEqualTypeOf<{ a: number; b: number }>();
    expectTypeOf(c.call<'add'>).returns.toEqualTypeOf<Promise<{ sum: number }>>();
    expectTypeOf(c.call<'count'>).returns.toEqualTypeOf<Promise<number>>();
    type StreamOpts = NonNullable<Parameters<typeof c.call<'stream'>>[2]>;
    expectTypeOf<Parameters<NonNullable<StreamOpts['onEvent']>>[0]>().toEqualTypeOf<{
      word: string;
    }>();
    // A method without `event` streams nothing.
    type AddOpts = NonNullable<Parameters<typeof c.call<'add'>>[2]>;
    expectTypeOf<Parameters<NonNullable<AddOpts['onEvent']>>[0]>().toBeNever();
    // The handler's context emits the method's event type.
    expectTypeOf<Parameters<Handlers<TestRpc>['stream']>[1]>().toEqualTypeOf<
      CallContext<{ word: string }>
    >();
    // @ts-expect-error wrong payload for the method
    void h.client.call('add', { a: 1 }).catch(() => {});
    // @ts-expect-error unknown method
    void h.client.call('subtract', { a: 1, b: 2 }).catch(() => {});
  });
});
