// Kept segments as pages (schema step 4): an ingest batch writes its kept segments as ONE
// record instead of one per segment. Each IndexedDB request costs ~0.2–0.4 ms in Chromium
// whatever its size (measured: 5,000 puts of 2 KB records, with 0–4 indexes alike), while one
// record of 50+ segments costs ~0.02 ms per segment — the per-request cost, not bytes or
// indexes, bounded ingestion. Dropped samples (capped) and segments written by other code keep
// the one-record-per-segment `segments` store; corpus-repo.ts reads both as one collection.
//
// Segment ids stay stable and sortable: `<batch id>.<6-digit sequence>` (batch id is a
// UUIDv7, util/ids.ts), so the page of a segment is its id prefix and ids sort in write order
// across both stores.
import type { IDBPTransaction } from 'idb';
import type { Db } from './db';
import type { Id, SegmentRecord } from '../domain';
import type { HumpbackDB, SegmentPage } from './schema';

type ReadTx = IDBPTransaction<HumpbackDB, ('segments' | 'segmentPages')[], 'readonly'>;

const pageIdLength = 36;

export function segmentIdInPage(pageId: Id, seq: number): Id {
  return `${pageId}.${String(seq).padStart(6, '0')}`;
}

/** The page a segment id points into, if it has the paged shape. */
export function pageOfSegment(id: Id): Id | undefined {
  return id.length === pageIdLength + 7 && id[pageIdLength] === '.'
    ? id.slice(0, pageIdLength)
    : undefined;
}

export function hashKeyOf(workspaceId: Id, hash: string): string {
  return `${workspaceId}\u0000${hash}`;
}

/** A page record of kept segments (ascending ids). */
export function makePage(id: Id, workspaceId: Id, segments: SegmentRecord[]): SegmentPage {
  return {
    id,
    workspaceId,
    segments,
    n: segments.length,
    hashKeys: segments.map((s) => hashKeyOf(workspaceId, s.hash)),
  };
}

/** Up to `limit` paged segments of a workspace with id > `after`, in id order. */
export async function pagedAfter(
  tx: ReadTx,
  workspaceId: Id,
  after: Id | undefined,
  limit: number,
): Promise<{ items: SegmentRecord[]; more: boolean }> {
  const items: SegmentRecord[] = [];
  const index = tx.objectStore('segmentPages').index('byWorkspace');
  let cursor = await index.openCursor(IDBKeyRange.only(workspaceId));
  const start = after === undefined ? undefined : (pageOfSegment(after) ?? after);
  if (cursor && start !== undefined && indexedDB.cmp(cursor.primaryKey, start) < 0)
    cursor = await cursor.continuePrimaryKey(workspaceId, start);
  while (cursor) {
    for (const s of cursor.value.segments) {
      if (after !== undefined && s.id <= after) continue;
      if (items.length === limit) return { items, more: true };
      items.push(s);
    }
    cursor = await cursor.continue();
  }
  return { items, more: false };
}

/** Page ids and segment counts of a workspace, from index keys only (no values read). */
export async function pageSizes(tx: ReadTx, workspaceId: Id): Promise<{ id: Id; n: number }[]> {
  const out: { id: Id; n: number }[] = [];
  const index = tx.objectStore('segmentPages').index('byWorkspaceSize');
  let cursor = await index.openKeyCursor(
    IDBKeyRange.bound([workspaceId, 0], [workspaceId, Infinity]),
  );
  while (cursor) {
    out.push({ id: cursor.primaryKey, n: cursor.key[1] });
    cursor = await cursor.continue();
  }
  // The index orders by size first: back to write order for position-based sampling.
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Paged segments by id (missing ones left out), one page read per distinct page. */
export async function getPaged(db: Db | ReadTx, ids: Id[]): Promise<Map<Id, SegmentRecord>> {
  const byPage = new Map<Id, Set<Id>>();
  for (const id of ids) {
    const page = pageOfSegment(id);
    if (!page) continue;
    let set = byPage.get(page);
    if (!set) byPage.set(page, (set = new Set()));
    set.add(id);
  }
  const store =
    'objectStore' in db ? db.objectStore('segmentPages') : db.transaction('segmentPages').store;
  const pages = await Promise.all([...byPage.keys()].map((p) => store.get(p)));
  const found = new Map<Id, SegmentRecord>();
  for (const page of pages) {
    if (!page) continue;
    const wanted = byPage.get(page.id)!;
    for (const s of page.segments) if (wanted.has(s.id)) found.set(s.id, s);
  }
  return found;
}
