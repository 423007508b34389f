// Main-thread side of the protocol. Every pending call settles: with its result, with the
// rebuilt error, with CancelledError after an abort, or with WorkerCrashedError when the
// worker throws outside a call, fails to load, or is terminated (Comlink #601/#692 hang
// instead). A crashed worker is replaced by a fresh one on the next call.
import { CancelledError, WorkerCrashedError, deserializeError, serializeError } from './errors';
import type { Progress } from './progress';
import type { EventOf, FromWorker, RpcSchema, ToWorker } from './rpc';

/** What the client needs of a Worker; a MessagePort wrapper satisfies it in tests. */
export interface WorkerLike {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', fn: (e: Event) => void): void;
  terminate(): void;
}

export interface CallOptions<E> {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  onEvent?: (e: E) => void;
  transfer?: Transferable[];
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: (p: Progress) => void;
  onEvent?: (e: unknown) => void;
  cleanup(): void;
}

export interface RpcClientOptions {
  /** After a cancel, how long the worker gets to stop before it is terminated. */
  cancelGraceMs?: number;
  /** Called when the worker crashes (for the UI's error surface). */
  onCrash?: (err: WorkerCrashedError) => void;
}

export class RpcClient<S extends RpcSchema> {
  private worker: WorkerLike | null = null;
  private pending = new Map<number, Pending>();
  private nextId = 1;
  private crashCount = 0;

  constructor(
    private readonly spawn: () => WorkerLike,
    private readonly options: RpcClientOptions = {},
  ) {}

  /** How many times the worker has crashed and been replaced. */
  get crashes(): number {
    return this.crashCount;
  }

  get alive(): boolean {
    return this.worker !== null;
  }

  call<K extends keyof S & string>(
    method: K,
    payload: S[K]['req'],
    opts: CallOptions<EventOf<S[K]>> = {},
  ): Promise<S[K]['res']> {
    if (opts.signal?.aborted) return Promise.reject(new CancelledError());
    let worker: WorkerLike;
    try {
      worker = this.ensureWorker();
    } catch (err) {
      // `new Worker()` throws synchronously (bad URL, CSP); callers expect a rejection.
      return Promise.reject(
        new WorkerCrashedError(`Worker could not start: ${(err as Error)?.message ?? String(err)}`),
      );
    }
    const id = this.nextId++;
    return new Promise<S[K]['res']>((resolve, reject) => {
      let graceTimer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => {
        this.send(worker, { kind: 'cancel', id });
        // A worker stuck in a long synchronous step cannot see the cancel: terminate it.
        graceTimer = setTimeout(() => {
          if (this.pending.has(id))
            this.crash(new WorkerCrashedError('Worker did not stop after cancel; restarted'), id);
        }, this.options.cancelGraceMs ?? 5000);
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress: opts.onProgress,
        onEvent: opts.onEvent as ((e: unknown) => void) | undefined,
        cleanup: () => {
          opts.signal?.removeEventListener('abort', onAbort);
          if (graceTimer) clearTimeout(graceTimer);
        },
      });
      this.send(worker, { kind: 'call', id, method, payload } as ToWorker<S>, opts.transfer);
    });
  }

  /** Stops the worker now; every pending call rejects with WorkerCrashedError. */
  terminate(reason = 'Worker terminated'): void {
    this.crash(new WorkerCrashedError(reason), null, false);
  }

  private ensureWorker(): WorkerLike {
    if (this.worker) return this.worker;
    const w = this.spawn();
    w.addEventListener('message', (e) =>
      this.onMessage(w, (e as MessageEvent).data as FromWorker<S>),
    );
    w.addEventListener('error', (e) => {
      // Fires for a script that fails to load and for uncaught errors in the worker.
      if (w !== this.worker) return;
      const ev = e as ErrorEvent;
      ev.preventDefault?.();
      this.crash(
        new WorkerCrashedError(`Worker crashed: ${ev.message || 'failed to load or threw'}`),
      );
    });
    w.addEventListener('messageerror', () => {
      if (w === this.worker)
        this.crash(new WorkerCrashedError('Worker sent a message that could not be read'));
    });
    this.worker = w;
    return w;
  }

  private send(worker: WorkerLike, msg: ToWorker<S>, t: Transferable[] = []): void {
    try {
      worker.postMessage(msg, t);
    } catch (err) {
      const e = deserializeError(serializeError(err));
      if ('id' in msg) this.settle(msg.id, (p) => p.reject(e));
    }
  }

  private onMessage(w: WorkerLike, msg: FromWorker<S>): void {
    if (w !== this.worker) return;
    switch (msg.kind) {
      case 'ready':
        return;
      case 'result':
        return this.settle(msg.id, (p) => p.resolve(msg.value));
      case 'error':
        return this.settle(msg.id, (p) => p.reject(deserializeError(msg.error)));
      case 'progress':
        this.pending.get(msg.id)?.onProgress?.(msg.progress);
        return;
      case 'event':
        this.pending.get(msg.id)?.onEvent?.(msg.event);
        return;
      case 'fatal':
        return this.crash(
          new WorkerCrashedError(`Worker crashed: ${msg.error.name}: ${msg.error.message}`),
        );
    }
  }

  private settle(id: number, fn: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    p.cleanup();
    fn(p);
  }

  /** Terminates the worker and rejects pending calls (all, or only `onlyId`'s as cancelled). */
  private crash(err: WorkerCrashedError, onlyId: number | null = null, report = true): void {
    const w = this.worker;
    this.worker = null;
    w?.terminate();
    if (report) {
      this.crashCount++;
      this.options.onCrash?.(err);
    }
    for (const id of [...this.pending.keys()]) {
      this.settle(id, (p) =>
        p.reject(id === onlyId ? new CancelledError('Cancelled (worker restarted)') : err),
      );
    }
  }
}
