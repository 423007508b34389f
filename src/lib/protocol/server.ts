// Worker side of the protocol: dispatches calls to typed handlers, turns AbortSignal-style
// cancellation into a flag the handler checks between units of work, and reports every
// error as data. Workers stay thin: `serve(self, handlers)` is all a worker entry does.
import { CancelledError, serializeError } from './errors';
import type { Progress } from './progress';
import {
  isTransferring,
  type EventOf,
  type FromWorker,
  type RpcSchema,
  type ToWorker,
} from './rpc';

export interface CallContext<E = never> {
  /** Aborted when the caller cancels; pass it on to fetch, streams and loops. */
  signal: AbortSignal;
  /** Throws CancelledError if the call was cancelled: call it between units of work. */
  throwIfCancelled(): void;
  progress(p: Progress): void;
  /** Streams one item to the caller's onEvent. */
  emit(event: E, transfer?: Transferable[]): void;
}

export type Handlers<S extends RpcSchema> = {
  [K in keyof S]: (
    payload: S[K]['req'],
    ctx: CallContext<EventOf<S[K]>>,
  ) => Promise<S[K]['res'] | import('./rpc').Transferring<S[K]['res']>>;
};

/** Minimal port so the server runs in a worker, a MessagePort in tests, or Node. */
export interface ServerPort {
  postMessage(msg: unknown, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent) => void): void;
}

export function serve<S extends RpcSchema>(port: ServerPort, handlers: Handlers<S>): void {
  const controllers = new Map<number, AbortController>();
  const post = (msg: FromWorker<S>, t: Transferable[] = []) => port.postMessage(msg, t);

  port.addEventListener('message', (e: MessageEvent) => {
    const msg = e.data as ToWorker<S>;
    if (msg.kind === 'cancel') {
      controllers.get(msg.id)?.abort(new CancelledError());
      return;
    }
    if (msg.kind !== 'call') return;
    const { id, method, payload } = msg;
    const controller = new AbortController();
    controllers.set(id, controller);
    const ctx: CallContext<unknown> = {
      signal: controller.signal,
      throwIfCancelled() {
        if (controller.signal.aborted) throw new CancelledError();
      },
      progress: (progress) => post({ kind: 'progress', id, progress }),
      emit: (event, t = []) => post({ kind: 'event', id, event }, t),
    };
    // Own properties only: a method named "toString" or "constructor" must not reach
    // Object.prototype.
    const handler = (Object.hasOwn(handlers, method) ? handlers[method] : undefined) as unknown as
      ((p: unknown, c: CallContext<unknown>) => Promise<unknown>) | undefined;
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`Unknown method "${method}"`);
        return handler(payload, ctx);
      })
      .then(
        (value) => {
          if (isTransferring(value))
            post({ kind: 'result', id, value: value.value as S[keyof S]['res'] }, value.transfer);
          else post({ kind: 'result', id, value: value as S[keyof S]['res'] });
        },
        (err) => {
          const cancelled = controller.signal.aborted;
          post({
            kind: 'error',
            id,
            error: serializeError(cancelled ? new CancelledError() : err),
          });
        },
      )
      .finally(() => controllers.delete(id));
  });

  post({ kind: 'ready' });
}

/** Reports errors outside any call, so the client can mark the worker crashed. */
export function reportFatalErrors(scope: {
  addEventListener(type: 'error' | 'unhandledrejection', fn: (e: Event) => void): void;
  postMessage(msg: unknown): void;
}): void {
  scope.addEventListener('error', (e) => {
    const err = (e as ErrorEvent).error ?? new Error((e as ErrorEvent).message);
    scope.postMessage({ kind: 'fatal', error: serializeError(err) });
  });
  scope.addEventListener('unhandledrejection', (e) => {
    scope.postMessage({
      kind: 'fatal',
      error: serializeError((e as PromiseRejectionEvent).reason),
    });
  });
}
