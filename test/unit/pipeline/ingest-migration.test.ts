import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { expect, it } from 'vitest';
import { DB_VERSION, openDatabase } from '../../../src/lib/store/db';

it('step 3 replaces the per-segment dedup store of version 2 with dedup chunks', async () => {
  expect(DB_VERSION).toBeGreaterThanOrEqual(3);
  // A version-2 database as step 2 left it (only the store step 3 touches matters here).
  const v2 = await openDB('migrate-dedup', 2, {
    upgrade(db) {
      const s = db.createObjectStore('dedupSignatures', { keyPath: 'segmentId' });
      s.createIndex('byKey', 'keys', { multiEntry: true });
    },
  });
  await v2.put('dedupSignatures', { segmentId: 's1', keys: ['w\u0000h:1'] });
  v2.close();
  const db = await openDatabase('migrate-dedup');
  expect([...db.objectStoreNames]).toContain('dedupChunks');
  expect([...db.objectStoreNames]).not.toContain('dedupSignatures');
  expect([...db.transaction('dedupChunks').store.indexNames]).toEqual(['byKey', 'byWorkspace']);
  db.close();
});
