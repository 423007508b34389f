// Kept segments written by ingestion live in page records (store/segment-pages.ts); the segment
// repository must read them together with the per-segment kept records that versions before
// schema step 4 wrote (still on users' disks) as one collection.
import { describe, expect, it } from 'vitest';
import type { IngestRepo } from '../../../src/lib/store';
import { emptyCounts, type SegmentRecord, type SourceFile } from '../../../src/lib/domain';
import type { StoredSegment } from '../../../src/lib/store/schema';
import { pageOfSegment, segmentIdInPage } from '../../../src/lib/store/segment-pages';
import { documentIdInPage } from '../../../src/lib/store/document-pages';
import { newId } from '../../../src/lib/util/ids';
import { freshStore, makeDocs, makeSegments, rawDb } from './helpers';

const sourceFile = (workspaceId: string): SourceFile => ({
  id: 'f1',
  workspaceId,
  name: 'corpus.jsonl',
  size: 100,
  lastModified: 1,
  importId: 'imp1',
  status: 'reading',
  cursor: { bytes: 0, records: 0 },
});

/** One ingest batch: `kept` kept segments (paged) and one dropped sample. */
async function commitPage(repo: IngestRepo, workspaceId: string, kept: number, label: string) {
  const pageId = newId();
  const docs = makeDocs(workspaceId, 'f1', 1).map((d, i) => ({
    ...d,
    id: documentIdInPage(pageId, i),
  }));
  const segments: StoredSegment[] = Array.from({ length: kept + 1 }, (_, i) => ({
    id: segmentIdInPage(pageId, i),
    workspaceId,
    documentId: docs[0].id,
    sourceFileId: 'f1',
    headerPath: [label, `Part ${i}`],
    text: `${label} segment ${i} `.repeat(30),
    chars: 600,
    hash: `${label}-${i}`,
    ...(i === kept ? { dropReason: 'too-short' as const } : {}),
    bucket: i === kept ? 'too-short' : 'kept',
  }));
  const sf = await repo.getSourceFile('f1');
  await repo.commitIngestBatch({
    workspaceId,
    pageId,
    files: [
      {
        sourceFileId: 'f1',
        expectedCursor: sf.cursor,
        cursor: { bytes: 0, records: sf.cursor.records + 1 },
        status: 'reading',
        issueMessages: [],
        delta: emptyCounts(),
      },
    ],
    documents: docs,
    segments,
    dedup: null,
    delta: emptyCounts(),
    lengths: [],
  });
  return segments.map(({ bucket: _b, ...s }) => s as SegmentRecord);
}

describe('segment pages', () => {
  it('reads paged and per-segment records as one collection in write order', async () => {
    const { store, name } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.ingest.addSourceFiles([sourceFile(ws.id)]);
    const repo = store.ingest;
    const first = await commitPage(repo, ws.id, 5, 'alpha');
    // Kept segments as an earlier version stored them: one record each (no code writes these
    // now, so the test puts them where that version did).
    const docs = makeDocs(ws.id, 'f1', 1);
    const single = makeSegments(ws.id, docs[0], 3);
    const db = await rawDb(name);
    for (const s of single) await db.put('segments', { ...s, bucket: 'kept' });
    db.close();
    const second = await commitPage(repo, ws.id, 4, 'beta');
    const keptIds = [...first.slice(0, 5), ...single, ...second.slice(0, 4)].map((s) => s.id);
    expect(pageOfSegment(first[0].id)).toBeDefined();
    expect(pageOfSegment(single[0].id)).toBeUndefined();

    // Paging in small steps crosses both stores and page boundaries without gaps or repeats.
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.segments.page(ws.id, 3, { bucket: 'kept', after });
      seen.push(...page.items.map((s) => s.id));
      after = page.next;
    } while (after);
    expect(seen).toEqual(keptIds);
    const all = await store.segments.page(ws.id, 100);
    expect(all.items).toHaveLength(keptIds.length + 2);
    expect(all.next).toBeUndefined();

    expect((await store.segments.get(first[2].id))?.text).toBe(first[2].text);
    expect((await store.segments.get(first[5].id))?.dropReason).toBe('too-short');
    const many = await store.segments.getMany([second[1].id, single[0].id, 'missing', first[0].id]);
    expect(many.map((s) => s.id)).toEqual([second[1].id, single[0].id, first[0].id]);

    const counts = await store.segments.counts(ws.id);
    expect(counts.kept).toBe(12);
    expect(counts['too-short']).toBe(2);
    expect(counts.total).toBe(14);

    const sample = await store.segments.sample(ws.id, 'kept', 6);
    expect(new Set(sample.map((s) => s.id)).size).toBe(6);
    for (const s of sample) expect(keptIds).toContain(s.id);
    expect(await store.segments.sample(ws.id, 'kept', 50)).toHaveLength(12);

    expect((await store.segments.findByHash(ws.id, 'beta-2'))?.id).toBe(second[2].id);
    const found = await store.segments.findHashes(ws.id, ['alpha-1', single[1].hash, 'nope']);
    expect(found.get('alpha-1')).toBe(first[1].id);
    expect(found.get(single[1].hash)).toBe(single[1].id);
    expect(found.has('nope')).toBe(false);

    const hits = await repo.searchSegments(ws.id, 'BETA segment 3');
    expect(hits.items.map((s) => s.id)).toEqual([second[3].id]);
    expect(hits.complete).toBe(true);
    expect(hits.scanned).toBe(12);
  });
});
