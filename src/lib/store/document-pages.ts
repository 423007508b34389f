// Documents as pages (schema step 9): an ingest batch writes its documents as ONE record of
// the `documents` store instead of one per document, in the same transaction as its segment
// page and cursor (ingest-repo.ts). Same reason as segment pages (segment-pages.ts): each
// IndexedDB request costs a roughly fixed ~0.2–0.4 ms in Chromium, and one per document was
// about a tenth of the JSONL ingest CPU (issue 14 item 1).
//
// Lookup by id needs no index: a document written since step 9 has the id
// `<page id>.d<6-digit sequence>` (page id = the batch id, a UUIDv7), so its page is its id
// prefix. Documents that step 9 moved out of their old one-per-record layout keep their plain
// UUIDv7 ids (segments and candidates refer to them) and are found through the `byLegacyId`
// index over `legacyIds`, a field only those migrated pages have: new pages add no entries.
import type { DocumentRecord, Id } from '../domain';
import type { IDBPTransaction, StoreNames } from 'idb';
import type { DocumentPage, HumpbackDB } from './schema';

/** db.ts's versionchange transaction (not imported from there: db.ts imports this file). */
type UpgradeTx = IDBPTransaction<HumpbackDB, StoreNames<HumpbackDB>[], 'versionchange'>;

const pageIdLength = 36;
const suffixLength = 8; // ".d" + 6 digits

export function documentIdInPage(pageId: Id, seq: number): Id {
  return `${pageId}.d${String(seq).padStart(6, '0')}`;
}

/** The page a document id points into, if it has the paged shape. */
export function pageOfDocument(id: Id): Id | undefined {
  return id.length === pageIdLength + suffixLength &&
    id[pageIdLength] === '.' &&
    id[pageIdLength + 1] === 'd'
    ? id.slice(0, pageIdLength)
    : undefined;
}

/** A page record of one batch's documents (ascending ids); `legacyIds` only for step 9. */
export function makeDocumentPage(
  id: Id,
  workspaceId: Id,
  documents: DocumentRecord[],
  legacy = false,
): DocumentPage {
  const page: DocumentPage = {
    id,
    workspaceId,
    documents,
    n: documents.length,
    sourceFileIds: [...new Set(documents.map((d) => d.sourceFileId))],
  };
  if (legacy) page.legacyIds = documents.map((d) => d.id);
  return page;
}

/** Documents per page that step 9 packs, and per read while it walks the old records. */
export const legacyPageSize = 256;
const legacyReadSize = 1024;

/**
 * Step 9's move, inside the versionchange transaction (db.ts has already re-indexed the store):
 * reads the old one-per-document records in key (= write) order, 1,024 per request, and packs
 * runs of consecutive documents of one workspace into pages of up to `legacyPageSize` under
 * the id of their first document. A run is a contiguous key range holding nothing else, so it
 * goes with ONE range delete before its page is put: a few requests per thousand documents,
 * not two per document (each request costs the same whatever it does). Pages land behind the
 * walk's position, so it never meets them. One read and one page in memory at a time. An
 * error aborts the upgrade and leaves the version-8 database as it was.
 */
export async function packLegacyDocuments(tx: UpgradeTx): Promise<void> {
  const store = tx.objectStore('documents');
  let chunk: DocumentRecord[] = [];
  const flush = () => {
    if (!chunk.length) return;
    const first = chunk[0];
    void store.delete(IDBKeyRange.bound(first.id, chunk[chunk.length - 1].id));
    void store.put(makeDocumentPage(first.id, first.workspaceId, chunk, true));
    chunk = [];
  };
  let after: Id | undefined;
  for (;;) {
    const range = after === undefined ? undefined : IDBKeyRange.lowerBound(after, true);
    const read = (await store.getAll(range, legacyReadSize)) as unknown as DocumentRecord[];
    if (!read.length) break;
    for (const doc of read) {
      if (chunk.length === legacyPageSize || chunk[0]?.workspaceId !== doc.workspaceId) flush();
      chunk.push(doc);
    }
    after = read[read.length - 1].id;
  }
  flush();
}
