// Wire types shared by every worker. A worker's API is one map from method name to
// {req, res, event}: the payload type is tied to the method, so neither side casts
// (style.md §3.1). Errors travel as SerializedError; progress as Progress; streamed
// items (tokens, rows) as `event`.
import type { Progress } from './progress';
import type { SerializedError } from './errors';

/** One entry per method. `event` is the type of streamed items, if the method streams. */
export interface MethodSpec {
  req: unknown;
  res: unknown;
  event?: unknown;
}

export type RpcSchema = { [method: string]: MethodSpec };

export type EventOf<M extends MethodSpec> = M extends { event: infer E } ? E : never;

/** Main thread → worker. */
export type ToWorker<S extends RpcSchema> =
  | {
      [K in keyof S & string]: { kind: 'call'; id: number; method: K; payload: S[K]['req'] };
    }[keyof S & string]
  | { kind: 'cancel'; id: number };

/** Worker → main thread. */
export type FromWorker<S extends RpcSchema> =
  | { kind: 'ready' }
  | { kind: 'result'; id: number; value: S[keyof S]['res'] }
  | { kind: 'error'; id: number; error: SerializedError }
  | { kind: 'progress'; id: number; progress: Progress }
  | { kind: 'event'; id: number; event: unknown }
  /** An error outside any call (uncaught exception, unhandled rejection). */
  | { kind: 'fatal'; error: SerializedError };

/** Wraps a value with the buffers to transfer rather than copy (Comlink's `transfer`). */
export interface Transferring<T> {
  readonly __transfer: true;
  value: T;
  transfer: Transferable[];
}

export function transfer<T>(value: T, buffers: Transferable[]): Transferring<T> {
  return { __transfer: true, value, transfer: buffers };
}

export function isTransferring(v: unknown): v is Transferring<unknown> {
  return typeof v === 'object' && v !== null && (v as { __transfer?: unknown }).__transfer === true;
}
