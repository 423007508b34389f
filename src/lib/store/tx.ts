// Write transactions for the repositories. Each repository verb is one transaction: either all
// of its writes land or none do (on any error the transaction is aborted, which rolls back every
// request made in it). Storage-full failures become our QuotaExceededError with the size of the
// batch and the space left, so the UI can say how much to free instead of "AbortError".
import type { IDBPTransaction } from 'idb';
import { QuotaExceededError } from '../protocol/errors';
import type { Db, StoreName } from './db';
import type { HumpbackDB } from './schema';

export type WriteTx<S extends StoreName[]> = IDBPTransaction<HumpbackDB, S, 'readwrite'>;

/**
 * Marks a request promise as observed. Batches issue requests without awaiting each (so the
 * transaction stays busy and fast) and read the outcome from `tx.done`; after an abort the
 * requests still pending reject with AbortError, which must not surface as unhandled rejections.
 */
export function quiet<T>(request: Promise<T>): Promise<T> {
  request.catch(() => undefined);
  return request;
}

/**
 * The requests of one batch, handed to `writeTx` work: `add` marks each as observed (see
 * `quiet`) and keeps the first real failure (ConstraintError, DataError, quota), which is
 * more useful to callers than the AbortError the transaction then ends with.
 */
export class Requests {
  firstError: unknown = undefined;
  add<T>(request: Promise<T>): Promise<T> {
    request.catch((err: unknown) => {
      const name = (err as { name?: unknown } | null)?.name;
      if (this.firstError === undefined && name !== 'AbortError') this.firstError = err;
    });
    return request;
  }
}

/**
 * Runs `work` in one readwrite transaction over `stores` and resolves when it has committed.
 * `neededBytes` is the approximate size of what the batch writes (for quota errors).
 * `work` must not await anything but requests of `tx`, or the transaction auto-commits.
 */
export async function writeTx<S extends StoreName[], T>(
  db: Db,
  stores: S,
  neededBytes: number,
  work: (tx: WriteTx<S>, requests: Requests) => Promise<T> | T,
  durability: IDBTransactionDurability = 'default',
): Promise<T> {
  let tx: WriteTx<S>;
  try {
    tx = db.transaction(stores, 'readwrite', { durability });
  } catch (err) {
    throw await toStoreError(err, null, neededBytes);
  }
  const done = tx.done;
  done.catch(() => undefined); // awaited below; after our own abort nobody else observes it
  const requests = new Requests();
  try {
    const result = await work(tx, requests);
    await done;
    return result;
  } catch (err) {
    abortQuietly(tx);
    // Let the failed request's own rejection (queued before ours) be recorded first.
    await Promise.resolve();
    const cause = isAbort(err) && requests.firstError !== undefined ? requests.firstError : err;
    throw await toStoreError(cause, transactionError(tx), neededBytes);
  }
}

function isAbort(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError';
}

function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already aborted (a request failed) or already committed: nothing left to roll back.
  }
}

function transactionError(tx: { error: DOMException | null }): unknown {
  try {
    return tx.error;
  } catch {
    return null;
  }
}

/**
 * True for a storage-full failure in any of the shapes browsers use: DOMException
 * 'QuotaExceededError' (Chromium, Safari, Firefox now), legacy code 22, Firefox's old
 * 'NS_ERROR_DOM_QUOTA_REACHED', or an error whose `cause` is one of those.
 */
export function isQuotaError(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== 'object' || depth > 3) return false;
  const { name, code, cause } = err as { name?: unknown; code?: unknown; cause?: unknown };
  if (name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED') return true;
  if (code === 22 && typeof DOMException !== 'undefined' && err instanceof DOMException)
    return true;
  return isQuotaError(cause, depth + 1);
}

/**
 * Maps a failed write to what callers should see. A quota failure is recognised on the error
 * itself or on the transaction's error (an aborted commit rejects requests with AbortError
 * while `tx.error` holds the QuotaExceededError). Other errors pass through unchanged.
 */
export async function toStoreError(
  err: unknown,
  txError: unknown,
  neededBytes: number,
): Promise<unknown> {
  if (err instanceof QuotaExceededError) return err;
  const quotaError = isQuotaError(err) ? err : isQuotaError(txError) ? txError : undefined;
  if (!quotaError) return err;
  const availableBytes = await freeBytes();
  const free =
    availableBytes === undefined ? '' : ` and about ${formatBytes(availableBytes)} is free`;
  const wrapped = new QuotaExceededError(
    `Browser storage is full: the write needed about ${formatBytes(neededBytes)}${free}. ` +
      'Delete a workspace or old checkpoints, or allow persistent storage, then retry.',
    { neededBytes, ...(availableBytes === undefined ? {} : { availableBytes }) },
  );
  wrapped.cause = quotaError;
  return wrapped;
}

/** quota − usage from navigator.storage.estimate(), when the browser offers it. */
export async function freeBytes(): Promise<number | undefined> {
  try {
    if (typeof navigator === 'undefined' || !navigator.storage?.estimate) return undefined;
    const { quota, usage } = await navigator.storage.estimate();
    if (quota === undefined || usage === undefined) return undefined;
    return Math.max(0, quota - usage);
  } catch {
    return undefined;
  }
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
