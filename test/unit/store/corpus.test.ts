import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshStore, makeDocs, makeSegments } from './helpers';
import { NotFoundError } from '../../../src/lib/protocol/errors';
import type { SegmentRecord, SourceFile } from '../../../src/lib/domain';

afterEach(() => vi.restoreAllMocks());

const sourceFile = (workspaceId: string, id = 'f1'): SourceFile => ({
  id,
  workspaceId,
  name: 'corpus.jsonl',
  size: 100,
  lastModified: 1,
  importId: 'imp1',
  status: 'pending',
  cursor: { bytes: 0, records: 0 },
});

async function seeded() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  await store.sources.putMany([sourceFile(ws.id)]);
  const docs = makeDocs(ws.id, 'f1', 3);
  const kept = makeSegments(ws.id, docs[0], 10);
  const short = makeSegments(ws.id, docs[1], 4, 'too-short');
  const dup = makeSegments(ws.id, docs[2], 2, 'exact-duplicate');
  await store.segments.putBatch(ws.id, docs, [...kept, ...short, ...dup]);
  return { store, ws, docs, kept, short, dup };
}

describe('sources and documents', () => {
  it('put, get, list, update', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.sources.putMany([sourceFile(ws.id), sourceFile(ws.id, 'f2')]);
    expect((await store.sources.list(ws.id)).map((f) => f.id).sort()).toEqual(['f1', 'f2']);
    expect(await store.sources.listByImport('imp1')).toHaveLength(2);
    const updated = await store.sources.update('f1', {
      status: 'reading',
      cursor: { bytes: 5, records: 1 },
    });
    expect(updated.status).toBe('reading');
    expect((await store.sources.get('f1'))?.cursor).toEqual({ bytes: 5, records: 1 });
    await expect(store.sources.update('nope', { status: 'done' })).rejects.toBeInstanceOf(
      NotFoundError,
    );
    store.close();
  });

  it('documents by source file and count', async () => {
    const { store, ws, docs } = await seeded();
    expect(await store.documents.count(ws.id)).toBe(3);
    expect((await store.documents.listBySourceFile('f1')).length).toBe(3);
    expect(await store.documents.get(docs[1].id)).toEqual(docs[1]);
    store.close();
  });
});

describe('segments', () => {
  it('putBatch round-trips segments without the internal bucket field', async () => {
    const { store, kept, short } = await seeded();
    expect(await store.segments.get(kept[0].id)).toEqual(kept[0]);
    expect(await store.segments.get(short[0].id)).toEqual(short[0]);
    const many = await store.segments.getMany([short[1].id, 'missing', kept[2].id]);
    expect(many.map((s) => s.id)).toEqual([short[1].id, kept[2].id]);
    store.close();
  });

  it('putBatch commits the source file resume point with the data', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.sources.putMany([sourceFile(ws.id)]);
    const docs = makeDocs(ws.id, 'f1', 1);
    await store.segments.putBatch(ws.id, docs, makeSegments(ws.id, docs[0], 2), {
      sourceFileId: 'f1',
      cursor: { bytes: 50, records: 1 },
      status: 'reading',
    });
    const file = await store.sources.get('f1');
    expect(file?.cursor).toEqual({ bytes: 50, records: 1 });
    expect(file?.status).toBe('reading');
    store.close();
  });

  it('putBatch into a deleted workspace fails and writes nothing', async () => {
    const { store } = await freshStore();
    const docs = makeDocs('ghost', 'f1', 1);
    await expect(
      store.segments.putBatch('ghost', docs, makeSegments('ghost', docs[0], 2)),
    ).rejects.toBeInstanceOf(NotFoundError);
    expect(await store.db.count('segments')).toBe(0);
    store.close();
  });

  it('pages through all segments and through one bucket, resuming after a key', async () => {
    const { store, ws, kept, short, dup } = await seeded();
    const all = [...kept, ...short, ...dup].map((s) => s.id);
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await store.segments.page(ws.id, 4, { after });
      expect(page.items.length).toBeLessThanOrEqual(4);
      seen.push(...page.items.map((s) => s.id));
      after = page.next;
    } while (after);
    expect(seen).toEqual([...all].sort());

    const first = await store.segments.page(ws.id, 3, { bucket: 'too-short' });
    expect(first.items.every((s) => s.dropReason === 'too-short')).toBe(true);
    const rest = await store.segments.page(ws.id, 3, { bucket: 'too-short', after: first.next });
    expect([...first.items, ...rest.items].map((s) => s.id)).toEqual(short.map((s) => s.id).sort());
    expect(rest.next).toBeUndefined();

    const keptPage = await store.segments.page(ws.id, 100, { bucket: 'kept' });
    expect(keptPage.items.map((s) => s.id)).toEqual(kept.map((s) => s.id).sort());
    expect(keptPage.items.every((s) => s.dropReason === undefined)).toBe(true);
    store.close();
  });

  it('iterate yields key-ordered batches and resumes after a key', async () => {
    const { store, ws, kept } = await seeded();
    const batches: SegmentRecord[][] = [];
    for await (const batch of store.segments.iterate(ws.id, { bucket: 'kept', batchSize: 4 })) {
      batches.push(batch);
    }
    expect(batches.map((b) => b.length)).toEqual([4, 4, 2]);
    const ids = kept.map((s) => s.id).sort();
    const resumed: string[] = [];
    for await (const batch of store.segments.iterate(ws.id, { bucket: 'kept', after: ids[5] })) {
      resumed.push(...batch.map((s) => s.id));
    }
    expect(resumed).toEqual(ids.slice(6));
    store.close();
  });

  it('counts per drop reason and samples within a bucket', async () => {
    const { store, ws, short } = await seeded();
    const counts = await store.segments.counts(ws.id);
    expect(counts.kept).toBe(10);
    expect(counts['too-short']).toBe(4);
    expect(counts['exact-duplicate']).toBe(2);
    expect(counts['near-duplicate']).toBe(0);
    expect(counts.total).toBe(16);

    const sample = await store.segments.sample(ws.id, 'too-short', 2);
    expect(sample).toHaveLength(2);
    expect(new Set(sample.map((s) => s.id)).size).toBe(2);
    const shortIds = new Set(short.map((s) => s.id));
    expect(sample.every((s) => shortIds.has(s.id))).toBe(true);
    expect(await store.segments.sample(ws.id, 'too-short', 50)).toHaveLength(4);
    expect(await store.segments.sample(ws.id, 'repetitive', 3)).toEqual([]);
    store.close();
  });

  it('finds segments by normalised hash within the workspace only', async () => {
    const { store, ws, kept } = await seeded();
    const other = await store.workspaces.create('other');
    expect((await store.segments.findByHash(ws.id, kept[3].hash))?.id).toBe(kept[3].id);
    expect(await store.segments.findByHash(other.id, kept[3].hash)).toBeUndefined();
    const found = await store.segments.findHashes(ws.id, [kept[0].hash, 'nope', kept[1].hash]);
    expect(found).toEqual(
      new Map([
        [kept[0].hash, kept[0].id],
        [kept[1].hash, kept[1].id],
      ]),
    );
    store.close();
  });

  it('setDropReasons moves segments between buckets', async () => {
    const { store, ws, kept, short } = await seeded();
    await store.segments.setDropReasons([
      { id: kept[0].id, dropReason: 'near-duplicate' },
      { id: short[0].id },
    ]);
    const counts = await store.segments.counts(ws.id);
    expect(counts['near-duplicate']).toBe(1);
    expect(counts.kept).toBe(10);
    expect(counts['too-short']).toBe(3);
    expect((await store.segments.get(short[0].id))?.dropReason).toBeUndefined();
    await expect(store.segments.setDropReasons([{ id: 'missing' }])).rejects.toBeInstanceOf(
      NotFoundError,
    );
    store.close();
  });

  it('accepts proxied (Svelte $state-like) records and stores plain copies', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const docs = makeDocs(ws.id, 'f1', 1);
    const [segment] = makeSegments(ws.id, docs[0], 1);
    const proxied = new Proxy(
      { ...segment, headerPath: new Proxy([...segment.headerPath], {}) },
      {},
    );
    expect(() => structuredClone(proxied)).toThrow();
    await store.segments.putBatch(ws.id, [new Proxy(docs[0], {})], [proxied]);
    expect(await store.segments.get(segment.id)).toEqual(segment);
    store.close();
  });
});

describe('atomic batches', () => {
  it('a failure thrown mid-batch leaves nothing written', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const docs = makeDocs(ws.id, 'f1', 2);
    const segments = makeSegments(ws.id, docs[0], 6);
    const originalPut = IDBObjectStore.prototype.put;
    let calls = 0;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (
      this: IDBObjectStore,
      ...args
    ) {
      if (this.name === 'segments' && ++calls === 4) throw new Error('disk on fire');
      return originalPut.apply(this, args);
    });
    await expect(store.segments.putBatch(ws.id, docs, segments)).rejects.toThrow('disk on fire');
    vi.restoreAllMocks();
    expect(calls).toBe(4);
    expect(await store.db.count('segments')).toBe(0);
    expect(await store.db.count('documents')).toBe(0);
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
});
