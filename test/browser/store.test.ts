// The store's core behaviours in real Chromium IndexedDB (the unit tests use fake-indexeddb).
import { afterAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/lib/store';
import type { DocumentRecord, SegmentRecord } from '../../src/lib/domain';
import { newId } from '../../src/lib/util/ids';

const dbName = `browser-store-${newId()}`;
let store: Store;

afterAll(async () => {
  store?.close();
  await new Promise((resolve) => {
    const req = indexedDB.deleteDatabase(dbName);
    req.onsuccess = req.onerror = req.onblocked = resolve;
  });
});

function corpus(workspaceId: string, docs: number, perDoc: number) {
  const documents: DocumentRecord[] = [];
  const segments: SegmentRecord[] = [];
  for (let d = 0; d < docs; d++) {
    const doc = { id: newId(), workspaceId, sourceFileId: 'f', offset: d, chars: 5000 };
    documents.push(doc);
    for (let s = 0; s < perDoc; s++) {
      segments.push({
        id: newId(),
        workspaceId,
        documentId: doc.id,
        sourceFileId: 'f',
        headerPath: ['Title', `Section ${s}`],
        text: `Paragraph ${d}.${s} `.repeat(60),
        chars: 900,
        hash: `${d}-${s}`,
        ...(s % 5 === 0 ? { dropReason: 'too-short' as const } : {}),
      });
    }
  }
  return { documents, segments };
}

describe('store in Chromium', () => {
  it('opens, creates workspaces, batch-writes, reads, counts and deletes', async () => {
    store = await openStore(dbName);
    const a = await store.workspaces.create('A');
    const b = await store.workspaces.create('B');
    expect((await store.workspaces.list()).map((w) => w.id)).toEqual([b.id, a.id]);

    // 5,000 segments in batches of 500: the size of a real import batch.
    const started = performance.now();
    for (let batch = 0; batch < 10; batch++) {
      const { documents, segments } = corpus(a.id, 50, 10);
      await store.segments.putBatch(a.id, documents, segments);
    }
    const writeMs = performance.now() - started;
    const small = corpus(b.id, 2, 5);
    await store.segments.putBatch(b.id, small.documents, small.segments);

    const counts = await store.segments.counts(a.id);
    expect(counts.total).toBe(5000);
    expect(counts['too-short']).toBe(1000);
    expect(counts.kept).toBe(4000);

    const t0 = performance.now();
    const page = await store.segments.page(a.id, 100, { bucket: 'kept' });
    const next = await store.segments.page(a.id, 100, { bucket: 'kept', after: page.next });
    const pageMs = (performance.now() - t0) / 2;
    expect(page.items).toHaveLength(100);
    expect(next.items[0].id > page.items[99].id).toBe(true);
    expect((await store.segments.sample(a.id, 'too-short', 10)).length).toBe(10);
    expect((await store.segments.findByHash(b.id, small.segments[3].hash))?.id).toBe(
      small.segments[3].id,
    );

    const t1 = performance.now();
    const usage = await store.workspaces.usage(a.id);
    const usageMs = performance.now() - t1;
    expect(usage.records.segments).toBe(5000);
    expect(usage.records.documents).toBe(500);
    expect(usage.bytes).toBeGreaterThan(5000 * 900);

    const t2 = performance.now();
    await store.workspaces.delete(a.id);
    const deleteMs = performance.now() - t2;
    expect(await store.workspaces.get(a.id)).toBeUndefined();
    expect((await store.segments.counts(a.id)).total).toBe(0);
    expect((await store.segments.counts(b.id)).total).toBe(10);
    expect((await store.workspaces.usage(b.id)).records.documents).toBe(2);
    console.log(
      `[store bench] write 5000 segments in 10 batches: ${writeMs.toFixed(0)} ms; ` +
        `page(100): ${pageMs.toFixed(1)} ms; usage(): ${usageMs.toFixed(0)} ms; ` +
        `delete workspace: ${deleteMs.toFixed(0)} ms; usage bytes ≈ ${usage.bytes}`,
    );
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
