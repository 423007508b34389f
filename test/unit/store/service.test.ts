// The database service (store/service.ts): one connection per thread and database name, shared
// by concurrent callers, forgotten when it closes so the next caller opens a fresh one.
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

  it('after close() the next call opens a new connection that sees the same data', async () => {
    const name = `service-${newId()}`;
    const first = await openStore(name);
    const ws = await first.workspaces.create('kept across reopen');
    first.close();
    const second = await openStore(name);
    expect(second).not.toBe(first);
    expect((await second.workspaces.get(ws.id))?.name).toBe('kept across reopen');
    second.close();
  });

  it('steps aside when another tab upgrades the schema, and forgets the old connection', async () => {
    const name = `service-${newId()}`;
    const ours = await openStore(name);
    // A newer app version opens the database at a higher version: our connection must close
    // (not block it), and the service must not hand out the closed store again.
    const newer = await openDB(name, DB_VERSION + 1);
    expect(newer.version).toBe(DB_VERSION + 1);
    const again = openStore(name);
    await expect(again).rejects.toMatchObject({ name: 'VersionError' });
    newer.close();
    expect(ours.name).toBe(name);
  });

  it('does not cache a failed open', async () => {
    const name = `service-${newId()}`;
    const newer = await openDB(name, DB_VERSION + 1);
    await expect(openStore(name)).rejects.toMatchObject({ name: 'VersionError' });
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
