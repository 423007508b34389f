// Documents as pages (schema step 9, store/document-pages.ts): a batch's documents are one
// record; a version-8 database's one-record-per-document layout is packed into pages in place,
// and every document stays readable by its old id, by source file and in the counts.
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { freshStore } from './helpers';
import { ingestDocs, keptDoc } from '../pipeline/ingest-helper';
import { openStore } from '../../../src/lib/store';
import { DB_VERSION, upgrade, type Db } from '../../../src/lib/store/db';
import {
  documentIdInPage,
  legacyPageSize,
  pageOfDocument,
} from '../../../src/lib/store/document-pages';
import { emptyCounts, type DocumentRecord, type SourceFile } from '../../../src/lib/domain';
import { newId } from '../../../src/lib/util/ids';
import { ReviewState } from '../../../src/lib/state/review.svelte';
import { DEFAULT_KEEP_RULE } from '../../../src/lib/pipeline/method-service';
import { makeCandidate } from '../../helpers/candidate';

const file = (id: string, workspaceId: string): SourceFile => ({
  id,
  workspaceId,
  name: `${id}.jsonl`,
  size: 1,
  lastModified: 1,
  importId: 'imp',
  status: 'reading',
  cursor: { bytes: 0, records: 0 },
});

const doc = (id: string, workspaceId: string, sourceFileId: string, offset: number) =>
  ({ id, workspaceId, sourceFileId, offset, title: `t${offset}`, chars: 10 }) as DocumentRecord;

describe('document pages', () => {
  it('stores a batch as one page; reads by id, by source file and counts per workspace', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await ingestDocs(store, ws.id, [keptDoc(1), keptDoc(2), keptDoc(3)], { batchDocuments: 2 });
    expect((await store.workspaces.usage(ws.id)).records.documents).toBe(2);
    expect(await store.documents.count(ws.id)).toBe(3);
    const [sf] = await store.sources.list(ws.id);
    const docs = await store.documents.listBySourceFile(sf.id);
    expect(docs.map((d) => d.offset)).toEqual([0, 1, 2]);
    expect(pageOfDocument(docs[0].id)).toBe(pageOfDocument(docs[1].id));
    expect(pageOfDocument(docs[2].id)).not.toBe(pageOfDocument(docs[0].id));
    for (const d of docs) expect(await store.documents.get(d.id)).toEqual(d);
    // Segments point at their document by the paged id.
    const [segment] = (await store.segments.page(ws.id, 1)).items;
    expect((await store.documents.get(segment.documentId))?.id).toBe(segment.documentId);
    expect(await store.documents.get(documentIdInPage(pageOfDocument(docs[0].id)!, 7))).toBe(
      undefined,
    );

    // One batch holding two files' documents: each file lists only its own.
    await store.ingest.addSourceFiles([file('fa', ws.id), file('fb', ws.id)]);
    const pageId = newId();
    const mixed = [0, 1, 2].map((i) =>
      doc(documentIdInPage(pageId, i), ws.id, i === 1 ? 'fb' : 'fa', i),
    );
    const update = (id: string) => ({
      sourceFileId: id,
      expectedCursor: { bytes: 0, records: 0 },
      cursor: { bytes: 0, records: 1 },
      status: 'done' as const,
      issueMessages: [],
      delta: emptyCounts(),
    });
    const batch = {
      workspaceId: ws.id,
      pageId,
      files: [update('fa'), update('fb')],
      documents: mixed,
      segments: [],
      dedup: null,
      delta: emptyCounts(),
      lengths: [],
    };
    // A document whose id names another page could not be found by id: refused.
    await expect(
      store.ingest.commitIngestBatch({ ...batch, documents: [doc(newId(), ws.id, 'fa', 0)] }),
    ).rejects.toThrow(/does not belong to page/);
    await store.ingest.commitIngestBatch(batch);
    expect(await store.documents.listBySourceFile('fa')).toEqual([mixed[0], mixed[2]]);
    expect(await store.documents.listBySourceFile('fb')).toEqual([mixed[1]]);
    expect(await store.documents.count(ws.id)).toBe(6);

    await store.workspaces.delete(ws.id);
    expect(await store.documents.count(ws.id)).toBe(0);
    expect(await store.documents.get(docs[0].id)).toBeUndefined();
    expect(await store.documents.listBySourceFile('fa')).toEqual([]);
    store.close();
  });

  it('the review detail finds the source document of a candidate cut from an import', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await ingestDocs(store, ws.id, [keptDoc(1), keptDoc(2)]);
    const [, segment] = (await store.segments.page(ws.id, 2, { bucket: 'kept' })).items;
    await store.candidates.putBatch([
      makeCandidate({
        id: 'c1',
        workspaceId: ws.id,
        runId: 'r',
        segmentId: segment.id,
        documentId: segment.documentId,
        instruction: 'Explain this.',
      }),
    ]);
    const review = new ReviewState(store, () => DEFAULT_KEEP_RULE);
    await review.open('r');
    await review.openDetail();
    expect(review.detail?.document?.id).toBe(segment.documentId);
    expect(review.detail?.document?.sourceFileId).toBe(segment.sourceFileId);
    store.close();
  });

  it('step 9 packs a version-8 database’s documents into pages, keeping every read', async () => {
    expect(DB_VERSION).toBe(9);
    const name = `upgrade9-${newId()}`;
    const old = await openDB(name, 8, {
      upgrade: (db, oldVersion, _v, tx) => upgrade(db as unknown as Db, oldVersion, tx as never, 8),
    });
    const now = Date.now();
    // Two workspaces; file a1 has more documents than one migrated page holds, and the
    // documents of files and workspaces interleave in id (= write) order.
    const expected: Record<string, DocumentRecord[]> = { a1: [], a2: [], b1: [] };
    for (const [ws, files] of [
      ['A', ['a1', 'a2']],
      ['B', ['b1']],
    ] as const) {
      await old.put('workspaces', { id: ws, name: ws, createdAt: now, updatedAt: now });
      for (const f of files) await old.put('sourceFiles', file(f, ws));
    }
    const counts = { a1: legacyPageSize + 5, a2: 3, b1: 2 };
    const total = counts.a1 + counts.a2 + counts.b1;
    // a1, a2, b1, a1, a2, b1, a1, a2, then the rest of a1.
    const order = ['a1', 'a2', 'b1', 'a1', 'a2', 'b1', 'a1', 'a2'] as const;
    const rest = Array.from({ length: total - order.length }, () => 'a1' as const);
    const put = old.transaction('documents', 'readwrite');
    for (const f of [...order, ...rest]) {
      const d = doc(newId(), f === 'b1' ? 'B' : 'A', f, expected[f].length);
      expected[f].push(d);
      void put.store.put(d);
    }
    await put.done;
    // A segment and a candidate hold a document id: it must stay valid.
    const heldId = expected.a1[legacyPageSize + 2].id;
    old.close();

    const store = await openStore(name);
    expect(await store.documents.count('A')).toBe(counts.a1 + counts.a2);
    expect(await store.documents.count('B')).toBe(counts.b1);
    for (const f of ['a1', 'a2', 'b1'])
      expect(await store.documents.listBySourceFile(f)).toEqual(expected[f]);
    for (const d of [...expected.a1, ...expected.a2, ...expected.b1])
      expect(await store.documents.get(d.id)).toEqual(d);
    expect((await store.documents.get(heldId))?.offset).toBe(legacyPageSize + 2);
    // A page per run of one workspace's documents in write order, at most 256 each: A's runs
    // [a1 a2] [a1 a2] [a1 a2 + 258 × a1] give 2 + 2 + 256 + 4, B's two single b1s 1 + 1.
    expect((await store.workspaces.usage('A')).records.documents).toBe(4);
    expect((await store.workspaces.usage('B')).records.documents).toBe(2);

    // New imports land beside the migrated pages; deleting a workspace removes both kinds.
    await ingestDocs(store, 'A', [keptDoc(1), keptDoc(2)]);
    expect(await store.documents.count('A')).toBe(counts.a1 + counts.a2 + 2);
    await store.workspaces.delete('A');
    expect(await store.documents.count('A')).toBe(0);
    expect(await store.documents.get(expected.a2[0].id)).toBeUndefined();
    expect(await store.documents.listBySourceFile('b1')).toEqual(expected.b1);
    store.close();
  });
});
