// Cursor-based reads shared by the repositories: pages that resume after a primary key (for
// virtualised lists and resumable jobs) and random samples that skip with `advance`.
import type { IDBPIndex, IndexKey, IndexNames, StoreValue } from 'idb';
import type { StoreName } from './db';
import type { Id } from '../domain';
import type { HumpbackDB } from './schema';

type Index<S extends StoreName, I extends IndexNames<HumpbackDB, S>> = IDBPIndex<
  HumpbackDB,
  StoreName[],
  S,
  I,
  'readonly' | 'readwrite'
>;

export interface Page<T> {
  items: T[];
  /** Pass as `after` to get the next page; undefined on the last page. */
  next: Id | undefined;
}

/**
 * Up to `limit` records whose index key equals `key`, in primary-key order, starting after
 * primary key `after`. Record ids sort by creation time (util/ids.ts), so this is write order.
 */
export async function pageByIndex<S extends StoreName, I extends IndexNames<HumpbackDB, S>>(
  index: Index<S, I>,
  key: IndexKey<HumpbackDB, S, I>,
  after: Id | undefined,
  limit: number,
): Promise<Page<StoreValue<HumpbackDB, S>>> {
  const items: StoreValue<HumpbackDB, S>[] = [];
  let cursor = await index.openCursor(IDBKeyRange.only(key));
  if (cursor && after !== undefined) {
    // continuePrimaryKey must move forwards, so only jump when the first record is before `after`.
    if (indexedDB.cmp(cursor.primaryKey, after) < 0) {
      cursor = await cursor.continuePrimaryKey(
        key as Parameters<typeof cursor.continuePrimaryKey>[0],
        after,
      );
    }
    if (cursor && indexedDB.cmp(cursor.primaryKey, after) === 0) cursor = await cursor.continue();
  }
  while (cursor && items.length < limit) {
    items.push(cursor.value);
    cursor = await cursor.continue();
  }
  const last = items.at(-1) as { id: Id } | undefined;
  return { items, next: cursor && last ? last.id : undefined };
}

/** The value at an index's key path in a record (undefined when a part is missing). */
function keyAt(record: unknown, keyPath: string | string[]): unknown {
  const at = (path: string) =>
    path.split('.').reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k], record);
  return Array.isArray(keyPath) ? keyPath.map(at) : at(keyPath);
}

function sameKey(a: unknown, b: unknown): boolean {
  try {
    return indexedDB.cmp(a as IDBValidKey, b as IDBValidKey) === 0;
  } catch {
    return false; // not a valid key (a record without the indexed field)
  }
}

/**
 * The same page as pageByIndex, read in bulk: a key cursor finds the page's first and last
 * primary keys (advance jumps over the page in one step), then one getAll reads the records
 * between them from the object store, and those whose index key differs (another run's,
 * written in between) are dropped. A cursor pays a round trip per record, which in Chromium
 * made export and statistics store-bound (test/bench/browser/export-store.bench.ts); this
 * pays about six per page. The index must not be multiEntry.
 */
export async function pageByIndexBulk<S extends StoreName, I extends IndexNames<HumpbackDB, S>>(
  index: Index<S, I>,
  key: IndexKey<HumpbackDB, S, I>,
  after: Id | undefined,
  limit: number,
): Promise<Page<StoreValue<HumpbackDB, S>>> {
  const range = IDBKeyRange.only(key);
  let cursor = await index.openKeyCursor(range);
  if (cursor && after !== undefined) {
    if (indexedDB.cmp(cursor.primaryKey, after) < 0) {
      cursor = await cursor.continuePrimaryKey(
        key as Parameters<typeof cursor.continuePrimaryKey>[0],
        after,
      );
    }
    if (cursor && indexedDB.cmp(cursor.primaryKey, after) === 0) cursor = await cursor.continue();
  }
  if (!cursor || limit < 1) return { items: [], next: undefined };
  const lo = cursor.primaryKey;
  const end = limit > 1 ? await cursor.advance(limit - 1) : cursor;
  // Fewer than `limit` left: the page ends at the key's last record.
  const hi = end ? end.primaryKey : (await index.openKeyCursor(range, 'prev'))!.primaryKey;
  const more = end ? (await end.continue()) !== null : false;
  const records = await index.objectStore.getAll(IDBKeyRange.bound(lo, hi));
  const items = records.filter((r) => sameKey(keyAt(r, index.keyPath), key));
  return { items, next: more ? (hi as Id) : undefined };
}

/** `n` records chosen uniformly at random among the `count` with index key `key`. */
export async function sampleByIndex<S extends StoreName, I extends IndexNames<HumpbackDB, S>>(
  index: Index<S, I>,
  key: IndexKey<HumpbackDB, S, I>,
  n: number,
  random: () => number = Math.random,
): Promise<StoreValue<HumpbackDB, S>[]> {
  const count = await index.count(IDBKeyRange.only(key));
  const positions = choosePositions(count, n, random);
  const picked: StoreValue<HumpbackDB, S>[] = [];
  let cursor = positions.length ? await index.openCursor(IDBKeyRange.only(key)) : null;
  let at = 0;
  for (const position of positions) {
    if (!cursor) break;
    if (position > at) cursor = await cursor.advance(position - at);
    if (!cursor) break;
    at = position;
    picked.push(cursor.value);
  }
  return picked;
}

/** `n` distinct sorted positions in [0, count) (Floyd's algorithm; all of them if n ≥ count). */
export function choosePositions(count: number, n: number, random: () => number): number[] {
  if (n >= count) return Array.from({ length: count }, (_, i) => i);
  const chosen = new Set<number>();
  for (let j = count - n; j < count; j++) {
    const t = Math.floor(random() * (j + 1));
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen].sort((a, b) => a - b);
}
