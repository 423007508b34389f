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
