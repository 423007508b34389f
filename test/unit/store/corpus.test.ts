// The corpus repositories over data loaded the way the app loads it (the ingest job): kept
// segments in pages, capped dropped samples one record each, documents and source files.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshStore, rawDb } from './helpers';
import { ingestDocs, keptDoc, shortDoc } from '../pipeline/ingest-helper';
import { NotFoundError } from '../../../src/lib/protocol/errors';
import type { SegmentRecord } from '../../../src/lib/domain';
import { emptyCounts } from '../../../src/lib/domain';

afterEach(() => vi.restoreAllMocks());

/** Three documents of kept sections, one of short ones, one exact copy; two per batch. */
async function seeded() {
  const { store, name } = await freshStore();
  const ws = await store.workspaces.create('w');
  const docs = [keptDoc(1, 3), keptDoc(2, 3), keptDoc(3, 4), shortDoc(4, 3), keptDoc(1, 3)];
  const result = await ingestDocs(store, ws.id, docs, { batchDocuments: 2 });
  const all: SegmentRecord[] = [];
  for await (const batch of store.segments.iterate(ws.id)) all.push(...batch);
  const kept = all.filter((s) => !s.dropReason);
  const short = all.filter((s) => s.dropReason === 'too-short');
  const dup = all.filter((s) => s.dropReason === 'exact-duplicate');
  return { store, name, ws, result, all, kept, short, dup };
}

describe('sources and documents', () => {
  it('the ingest job records its source file; documents by source file and count', async () => {
    const { store, ws, result } = await seeded();
    const [file] = await store.sources.list(ws.id);
    expect(file).toMatchObject({ name: 'corpus.jsonl', status: 'done' });
    expect(file.cursor.records).toBe(5);
    expect(await store.sources.listByImport(result.importId!)).toEqual([file]);
    expect(await store.sources.get(file.id)).toEqual(file);
    expect(await store.documents.count(ws.id)).toBe(5);
    const docs = await store.documents.listBySourceFile(file.id);
    expect(docs.map((d) => d.offset).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(await store.documents.get(docs[1].id)).toEqual(docs[1]);
    store.close();
  });
});

describe('segments', () => {
  it('reads what ingestion wrote: every segment once, kept ones paged, counts agree', async () => {
    const { store, ws, result, all, kept, short, dup } = await seeded();
    expect(all).toHaveLength(result.counts.segments);
    expect(new Set(all.map((s) => s.id)).size).toBe(all.length);
    expect(kept).toHaveLength(result.counts.kept);
    expect(kept.length).toBeGreaterThanOrEqual(7);
    // The fifth document repeats the first: each of its three sections is an exact duplicate.
    expect(dup).toHaveLength(3);
    expect(short.length).toBeGreaterThanOrEqual(1);
    expect(await store.segments.keptCount(ws.id)).toBe(kept.length);
    store.close();
  });

  it('get and getMany return records without the internal bucket field', async () => {
    const { store, kept, short } = await seeded();
    const got = await store.segments.get(kept[0].id);
    expect(got).toEqual(kept[0]);
    expect(got).not.toHaveProperty('bucket');
    expect(await store.segments.get(short[0].id)).toEqual(short[0]);
    expect(await store.segments.get('missing')).toBeUndefined();
    const many = await store.segments.getMany([short[0].id, 'missing', kept[2].id]);
    expect(many.map((s) => s.id)).toEqual([short[0].id, kept[2].id]);
    store.close();
  });

  it('pages through all segments and through one bucket, resuming after a key', async () => {
    const { store, ws, all, kept, dup } = await seeded();
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.segments.page(ws.id, 4, { after });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((s) => s.id));
      after = page.next;
    } while (after);
    expect(seen).toEqual(all.map((s) => s.id).sort());

    const first = await store.segments.page(ws.id, 2, { bucket: 'exact-duplicate' });
    expect(first.items.every((s) => s.dropReason === 'exact-duplicate')).toBe(true);
    const rest = await store.segments.page(ws.id, 2, {
      bucket: 'exact-duplicate',
      after: first.next,
    });
    expect([...first.items, ...rest.items].map((s) => s.id)).toEqual(dup.map((s) => s.id).sort());
    expect(rest.next).toBeUndefined();

    const keptPage = await store.segments.page(ws.id, 100, { bucket: 'kept' });
    expect(keptPage.items.map((s) => s.id)).toEqual(kept.map((s) => s.id).sort());
    expect(keptPage.items.every((s) => s.dropReason === undefined)).toBe(true);
    store.close();
  });

  it('iterate yields key-ordered batches and resumes after a key', async () => {
    const { store, ws, kept } = await seeded();
    const sizes: number[] = [];
    for await (const batch of store.segments.iterate(ws.id, { bucket: 'kept', batchSize: 3 }))
      sizes.push(batch.length);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(kept.length);
    expect(sizes.slice(0, -1).every((n) => n === 3)).toBe(true);
    const ids = kept.map((s) => s.id).sort();
    const resumed: string[] = [];
    for await (const batch of store.segments.iterate(ws.id, { bucket: 'kept', after: ids[4] }))
      resumed.push(...batch.map((s) => s.id));
    expect(resumed).toEqual(ids.slice(5));
    store.close();
  });

  it('counts per drop reason and samples within a bucket', async () => {
    const { store, ws, all, kept, dup } = await seeded();
    const counts = await store.segments.counts(ws.id);
    expect(counts.kept).toBe(kept.length);
    expect(counts['exact-duplicate']).toBe(3);
    expect(counts['near-duplicate']).toBe(0);
    expect(counts.total).toBe(all.length);

    const sample = await store.segments.sample(ws.id, 'exact-duplicate', 2);
    expect(sample).toHaveLength(2);
    expect(new Set(sample.map((s) => s.id)).size).toBe(2);
    const dupIds = new Set(dup.map((s) => s.id));
    expect(sample.every((s) => dupIds.has(s.id))).toBe(true);
    expect(await store.segments.sample(ws.id, 'exact-duplicate', 50)).toHaveLength(3);
    const keptSample = await store.segments.sample(ws.id, 'kept', 4);
    expect(new Set(keptSample.map((s) => s.id)).size).toBe(4);
    expect(keptSample.every((s) => !s.dropReason)).toBe(true);
    expect(await store.segments.sample(ws.id, 'repetitive', 3)).toEqual([]);
    store.close();
  });

  it('finds segments by normalised hash within the workspace only', async () => {
    const { store, ws, kept, dup } = await seeded();
    const other = await store.workspaces.create('other');
    // A duplicate has the hash of the segment it repeats (either may be found for it).
    expect(kept.some((s) => s.hash === dup[0].hash)).toBe(true);
    const unique = kept.filter((s) => !dup.some((d) => d.hash === s.hash));
    expect((await store.segments.findByHash(ws.id, unique[3].hash))?.id).toBe(unique[3].id);
    expect(await store.segments.findByHash(other.id, unique[3].hash)).toBeUndefined();
    const hashes = [unique[0].hash, 'nope', unique[1].hash];
    expect(await store.segments.findHashes(ws.id, hashes)).toEqual(
      new Map([
        [unique[0].hash, unique[0].id],
        [unique[1].hash, unique[1].id],
      ]),
    );
    const dupHit = await store.segments.findByHash(ws.id, dup[0].hash);
    expect(dupHit?.hash).toBe(dup[0].hash);
    store.close();
  });
});

describe('atomic batches', () => {
  it('a failure thrown mid-batch leaves nothing of the batch written', async () => {
    const { store, name } = await freshStore();
    const ws = await store.workspaces.create('w');
    const originalPut = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      // The batch's page of kept segments, queued after its document page and dropped sample.
      if (this.name === 'segmentPages' && ++calls === 1) throw new Error('disk on fire');
      return originalPut.apply(this, args);
    });
    const err = await ingestDocs(store, ws.id, [keptDoc(1), keptDoc(2), shortDoc(3, 2)]).catch(
      (e: unknown) => e,
    );
    vi.restoreAllMocks();
    expect(calls).toBeGreaterThanOrEqual(1);
    const [file] = await store.ingest.listSourceFiles(ws.id);
    // The one batch failed: the file fails with the message, and no record of it landed.
    expect(err instanceof Error ? err.message : file.error).toMatch(/disk on fire/);
    const db = await rawDb(name);
    for (const s of ['documents', 'segments', 'segmentPages', 'dedupChunks'] as const)
      expect(await db.count(s), s).toBe(0);
    db.close();
    expect(await store.ingest.corpusStats(ws.id)).toMatchObject({ documents: 0, kept: 0 });
    expect(file.cursor.records).toBe(0);
    store.close();
  });

  it('writes into a deleted workspace fail and leave no orphans', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.workspaces.delete(ws.id);
    await expect(ingestDocs(store, ws.id, [keptDoc(1)])).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.ingest.listSourceFiles(ws.id)).toEqual([]);
    expect(await store.ingest.corpusStats(ws.id)).toEqual({
      ...(await store.ingest.corpusStats('never-existed')),
      workspaceId: ws.id,
    });
    expect(emptyCounts().kept).toBe(0);
    store.close();
  });

  it('a request that fails asynchronously mid-batch rolls back the batch', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.seeds.addMany(ws.id, [{ id: 'taken', instruction: 'a', output: 'b', source: 's' }]);
    // `add` of an existing key fails with ConstraintError after earlier adds were queued.
    const batch = [
      { instruction: '1', output: '1', source: 's' },
      { instruction: '2', output: '2', source: 's' },
      { id: 'taken', instruction: '3', output: '3', source: 's' },
      { instruction: '4', output: '4', source: 's' },
    ];
    await expect(store.seeds.addMany(ws.id, batch)).rejects.toMatchObject({
      name: 'ConstraintError',
    });
    expect(await store.seeds.count(ws.id)).toBe(1);
    store.close();
  });

  it('accepts proxied (Svelte $state-like) records and stores plain copies', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const seed = { instruction: 'Name a colour.', output: 'Blue.', source: 'ui' };
    const proxied = new Proxy({ ...seed }, {});
    expect(() => structuredClone(proxied)).toThrow();
    const [stored] = await store.seeds.addMany(ws.id, [proxied]);
    expect(await store.seeds.list(ws.id)).toEqual([stored]);
    expect(stored).toMatchObject(seed);
    store.close();
  });
});
