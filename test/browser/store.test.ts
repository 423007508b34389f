// The store's core behaviours in real Chromium IndexedDB (the unit tests use fake-indexeddb).
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/lib/store';
import { ingestDocs, keptDoc, shortDoc } from '../unit/pipeline/ingest-helper';
import { newId } from '../../src/lib/util/ids';
import { openDB } from 'idb';
import { upgrade, type Db } from '../../src/lib/store/db';

const dbName = `browser-store-${newId()}`;
let store: Store;

afterAll(async () => {
  store?.close();
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(dbName);
    req.onsuccess = req.onerror = req.onblocked = resolve;
  });
});

describe('store in Chromium', () => {
  it("ingests, reads, counts and deletes through the app's paths", async () => {
    store = await openStore(dbName);
    const a = await store.workspaces.create('A');
    const b = await store.workspaces.create('B');
    expect((await store.workspaces.list()).map((w) => w.id)).toEqual([b.id, a.id]);

    // 100 documents of 5 kept sections and 20 of short ones, 20 documents per transaction.
    const docs = Array.from({ length: 120 }, (_, i) =>
      i % 6 === 5 ? shortDoc(i, 3) : keptDoc(i, 5),
    );
    const started = performance.now();
    const result = await ingestDocs(store, a.id, docs, { batchDocuments: 20 });
    const writeMs = performance.now() - started;
    await ingestDocs(store, b.id, [keptDoc(1000, 3), shortDoc(1001, 2)]);

    const counts = await store.segments.counts(a.id);
    expect(counts.kept).toBe(500);
    expect(counts.kept).toBe(result.counts.kept);
    expect(counts['too-short']).toBe(20);
    expect(counts.total).toBe(result.counts.segments);
    expect(await store.segments.keptCount(a.id)).toBe(500);

    const t0 = performance.now();
    const page = await store.segments.page(a.id, 100, { bucket: 'kept' });
    const next = await store.segments.page(a.id, 100, { bucket: 'kept', after: page.next });
    const pageMs = (performance.now() - t0) / 2;
    expect(page.items).toHaveLength(100);
    expect(next.items[0].id > page.items[99].id).toBe(true);
    expect((await store.segments.sample(a.id, 'too-short', 10)).length).toBe(10);
    const [inB] = (await store.segments.page(b.id, 1, { bucket: 'kept' })).items;
    expect((await store.segments.findByHash(b.id, inB.hash))?.id).toBe(inB.id);

    const t1 = performance.now();
    const usage = await store.workspaces.usage(a.id);
    const usageMs = performance.now() - t1;
    expect(usage.records.segmentPages).toBe(6);
    // One document page per batch as well (schema step 9).
    expect(usage.records.documents).toBe(6);
    expect(await store.documents.count(a.id)).toBe(120);
    expect(usage.bytes).toBeGreaterThan(500 * 1000);

    const t2 = performance.now();
    await store.workspaces.delete(a.id);
    const deleteMs = performance.now() - t2;
    expect(await store.workspaces.get(a.id)).toBeUndefined();
    expect((await store.segments.counts(a.id)).total).toBe(0);
    expect((await store.segments.counts(b.id)).kept).toBe(3);
    expect((await store.workspaces.usage(b.id)).records.documents).toBe(1);
    expect(await store.documents.count(b.id)).toBe(2);
    expect(await store.documents.count(a.id)).toBe(0);
    console.log(
      `[store bench] ingest 120 documents in 6 batches: ${writeMs.toFixed(0)} ms; ` +
        `page(100): ${pageMs.toFixed(1)} ms; usage(): ${usageMs.toFixed(0)} ms; ` +
        `delete workspace: ${deleteMs.toFixed(0)} ms; usage bytes ≈ ${usage.bytes}`,
    );
  });

  it('concurrent openStore calls share one connection; close() lets the next call reopen', async () => {
    const [x, y] = await Promise.all([openStore(dbName), openStore(dbName)]);
    expect(x).toBe(y);
    expect(x).toBe(store);
    const other = await openStore(`${dbName}-other`);
    expect(other).not.toBe(store);
    other.close();
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(`${dbName}-other`);
      req.onsuccess = req.onerror = req.onblocked = resolve;
    });
  });

  it('a failing batch leaves nothing written (real abort)', async () => {
    const ws = await store.workspaces.create('atomic');
    await store.seeds.addMany(ws.id, [
      { id: `taken-${ws.id}`, instruction: 'a', output: 'b', source: 's' },
    ]);
    const batch = [
      { instruction: '1', output: '1', source: 's' },
      { id: `taken-${ws.id}`, instruction: '2', output: '2', source: 's' },
      { instruction: '3', output: '3', source: 's' },
    ];
    await expect(store.seeds.addMany(ws.id, batch)).rejects.toMatchObject({
      name: 'ConstraintError',
    });
    expect(await store.seeds.count(ws.id)).toBe(1);
  });

  it('checkpoints keep ArrayBuffers', async () => {
    const ws = await store.workspaces.create('ckpt');
    const bytes = new Uint8Array(1 << 20).map((_, i) => i % 251).buffer;
    const saved = await store.checkpoints.save({
      workspaceId: ws.id,
      kind: 'adapter',
      name: 'a',
      meta: {},
      bytes,
    });
    const loaded = await store.checkpoints.get(saved.id);
    expect(loaded?.bytes.byteLength).toBe(1 << 20);
    expect(new Uint8Array(loaded!.bytes)[1000]).toBe(1000 % 251);
  });

  it('schema step 9 packs a version-8 database’s documents into pages (real upgrade)', async () => {
    const name = `browser-upgrade9-${newId()}`;
    const old = await openDB(name, 8, {
      upgrade: (db, oldVersion, _v, tx) => upgrade(db as unknown as Db, oldVersion, tx as never, 8),
    });
    const docs = Array.from({ length: 5 }, (_, i) => ({
      id: newId(),
      workspaceId: 'w',
      sourceFileId: i < 3 ? 'f1' : 'f2',
      offset: i,
      chars: 10,
    }));
    await old.put('workspaces', { id: 'w', name: 'w', createdAt: 1, updatedAt: 1 });
    for (const d of docs) await old.put('documents', d);
    old.close();
    const upgraded = await openStore(name);
    expect(await upgraded.documents.count('w')).toBe(5);
    expect(await upgraded.documents.listBySourceFile('f1')).toEqual(docs.slice(0, 3));
    for (const d of docs) expect(await upgraded.documents.get(d.id)).toEqual(d);
    // One workspace's five documents, in write order: one page.
    expect((await upgraded.workspaces.usage('w')).records.documents).toBe(1);
    upgraded.close();
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = resolve;
    });
  });

  it('estimate() gives numbers and requestPersistence() a boolean', async () => {
    const estimate = await store.storage.estimate();
    expect(estimate.quota).toBeGreaterThan(0);
    expect(estimate.usage).toBeGreaterThan(0);
    expect(typeof estimate.persisted).toBe('boolean');
    const granted = await store.storage.requestPersistence();
    expect(typeof granted).toBe('boolean');
    expect((await store.storage.persistenceDecision())?.granted).toBe(granted);
  });
});
