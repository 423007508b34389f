import 'fake-indexeddb/auto';
import { openDB } from 'idb';
import { expect, it } from 'vitest';
import { DB_VERSION, openDatabase } from '../../../src/lib/store/db';
import { ChunkedDedupIndex } from '../../../src/lib/corpus/dedup-index';
import { dedupChunksRepo } from '../../../src/lib/store/dedup-chunks-repo';
import { MinHasher, bandKeys, defaultLshOptions } from '../../../src/lib/corpus/minhash';
import { textHash } from '../../../src/lib/corpus/hash';

it('steps 3-4 replace the per-segment dedup store of version 2 with dedup chunks', async () => {
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
  expect([...db.transaction('dedupChunks').store.indexNames]).toEqual(['byWorkspace']);
  db.close();
});

it('step 4 keeps step-3 dedup chunks and the rebuilt index still finds their keys', async () => {
  // A version-3 database with one chunk in the step-3 layout (only the stores step 4 reads).
  const raw = await openDB('migrate-dedup-4b', 3, {
    upgrade(db) {
      db.createObjectStore('workspaces', { keyPath: 'id' });
      const s = db.createObjectStore('dedupChunks', { keyPath: 'id' });
      s.createIndex('byWorkspace', 'workspaceId');
      s.createIndex('byKey', 'keys', { multiEntry: true });
    },
  });
  const text = 'one two three four five six seven eight nine ten eleven twelve';
  const sig = new MinHasher().signature(text);
  const hash = textHash(text);
  const keys = [`h:${hash}`, ...bandKeys(sig, defaultLshOptions)].map((k) => `w\u0000${k}`);
  await raw.put('dedupChunks', {
    id: 'c1',
    workspaceId: 'w',
    segmentIds: ['s1'],
    keys,
    owners: keys.map(() => 0),
    signatures: sig,
    signatureLength: sig.length,
  });
  raw.close();
  expect(DB_VERSION).toBeGreaterThanOrEqual(4);
  const db = await openDatabase('migrate-dedup-4b');
  expect([...db.transaction('dedupChunks').store.indexNames]).toEqual(['byWorkspace']);
  const index = await ChunkedDedupIndex.open(dedupChunksRepo(db), 'w');
  expect(await index.getHash(hash)).toBe('s1');
  expect(await index.getHash('0000000000000000')).toBeUndefined();
  const band = bandKeys(sig, defaultLshOptions)[3];
  expect(await index.getBucket(band)).toEqual(['s1']);
  expect(await index.similarity('s1', sig)).toBe(1);
  db.close();
});
