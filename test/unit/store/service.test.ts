// The database service (store/service.ts): one connection per thread and database name, shared
// by concurrent callers through one Store, forgotten when it closes so the next call reopens.
import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/lib/store';
import { DB_VERSION } from '../../../src/lib/store/db';
import { newId } from '../../../src/lib/util/ids';

describe('store service', () => {
  it('gives concurrent callers the same store, one per database name', async () => {
    const name = `service-${newId()}`;
    const [a, b] = await Promise.all([openStore(name), openStore(name)]);
    expect(a).toBe(b);
    expect(await openStore(name)).toBe(a);
    const other = await openStore(`${name}-2`);
    expect(other).not.toBe(a);
    expect(other.name).toBe(`${name}-2`);
    // Every repository is there, built over the one connection.
    const ws = await a.workspaces.create('w');
    expect(await b.ingest.corpusStats(ws.id)).toMatchObject({ workspaceId: ws.id, kept: 0 });
    a.close();
    other.close();
  });

  it('after close() the held Store reopens on its next call and sees the same data', async () => {
    const name = `service-${newId()}`;
    const store = await openStore(name);
    const ws = await store.workspaces.create('kept across reopen');
    store.close();
    // The connection is gone; the same Store object opens a new one for its next verb.
    expect((await store.workspaces.get(ws.id))?.name).toBe('kept across reopen');
    store.close();
    const kept: string[] = [];
    // Async-generator verbs reconnect too.
    for await (const batch of store.segments.iterate(ws.id)) kept.push(...batch.map((s) => s.id));
    expect(kept).toEqual([]);
    expect(await openStore(name)).toBe(store);
    store.close();
  });

  it('steps aside when another tab upgrades the schema, and forgets the old connection', async () => {
    const name = `service-${newId()}`;
    const ours = await openStore(name);
    const ws = await ours.workspaces.create('w');
    // A newer app version opens the database at a higher version: our connection must close
    // (not block it), and our next call must say what happened instead of using it.
    const newer = await openDB(name, DB_VERSION + 1);
    expect(newer.version).toBe(DB_VERSION + 1);
    await expect(ours.workspaces.get(ws.id)).rejects.toThrow(/newer version.*reload this page/);
    await expect(openStore(name)).rejects.toThrow(/newer version/);
    newer.close();
  });

  it('does not cache a failed open', async () => {
    const name = `service-${newId()}`;
    const newer = await openDB(name, DB_VERSION + 1);
    await expect(openStore(name)).rejects.toThrow(/newer version/);
    newer.close();
    await new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(name);
      req.onsuccess = req.onerror = req.onblocked = resolve;
    });
    const store = await openStore(name);
    expect(await store.workspaces.list()).toEqual([]);
    store.close();
  });
});
