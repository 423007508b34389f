// The ingest pool with real workers in Chromium (issue 14 item 1): the app's ingest worker
// starts its segmenter workers (nested dedicated workers) and stores exactly what the serial
// path stores; an in-page pool of 1 and of 2 real segmenter workers agree record for record;
// cancel stops a pooled job promptly and leaves the file resumable.
import { describe, expect, it } from 'vitest';
import { readFile } from '../../src/lib/corpus/read-file';
import { segmentDocument } from '../../src/lib/corpus/segment';
import { WorkspaceDedup } from '../../src/lib/pipeline/dedup-port';
import type { IngestEvent, IngestSchema } from '../../src/lib/pipeline/ingest-protocol';
import { IngestService } from '../../src/lib/pipeline/ingest-service';
import { SegmenterPool } from '../../src/lib/pipeline/segmenter-pool';
import { RpcClient, type CallContext, type WorkerLike } from '../../src/lib/protocol';
import { spawnIngestWorker } from '../../src/lib/state/corpus-open';
import { defaultDbName, openStore } from '../../src/lib/store';
import { openDatabase } from '../../src/lib/store/db';
import { ingestSnapshot } from '../helpers/ingest-snapshot';
import { mixedCorpus } from '../helpers/mixed-corpus';

let terminated = 0;
function spawnSegmenter(): WorkerLike {
  const w = new Worker(new URL('../../workers/segmenter.worker.ts', import.meta.url), {
    type: 'module',
    name: 'segmenter',
  });
  const terminate = w.terminate.bind(w);
  w.terminate = () => {
    terminated++;
    terminate();
  };
  return w;
}

function ctx(signal = new AbortController().signal): CallContext<IngestEvent> {
  return { signal, throwIfCancelled: () => undefined, progress: () => undefined, emit: () => {} };
}

async function freshDb(name: string) {
  await new Promise((r) => {
    const req = indexedDB.deleteDatabase(name);
    req.onsuccess = req.onerror = req.onblocked = r;
  });
  const store = await openStore(name);
  const ws = await store.workspaces.create(name);
  return { store, ws, db: await openDatabase(name) };
}

/** Ingests the mixed corpus in this page with a pool of `size` (1 = the serial path). */
async function inPage(size: number, batchDocuments = 9, signal?: AbortSignal) {
  const { store, ws, db } = await freshDb(`ingest-pool-${size}-${batchDocuments}`);
  const service = new IngestService({
    repo: store.ingest,
    read: readFile,
    segment: segmentDocument,
    dedupFor: (id) => WorkspaceDedup.open(store.dedupChunks, id),
    pool: () => new SegmenterPool(spawnSegmenter, size),
    stage: false,
  });
  service.testOptions = { batchDocuments, groupDocuments: 4 };
  const files = mixedCorpus().map((file) => ({ file }));
  const run = service.ingest({ workspaceId: ws.id, files }, ctx(signal));
  return { run, store, ws, db, service };
}

describe('ingest pool in Chromium', () => {
  it('pool of 2 real segmenter workers = serial path, record for record', async () => {
    const serial = await inPage(1);
    const serialRes = await serial.run;
    const before = terminated;
    const pooled = await inPage(2);
    const pooledRes = await pooled.run;
    expect(terminated - before).toBe(2); // both workers ran and were stopped with the job
    expect(pooledRes.counts).toEqual(serialRes.counts);
    expect(serialRes.counts.dropped['near-duplicate']).toBeGreaterThan(0);
    expect(await ingestSnapshot(pooled.db, pooled.ws.id)).toBe(
      await ingestSnapshot(serial.db, serial.ws.id),
    );
  });

  it("the app's ingest worker (pooled where the machine has more than 2 cores) stores the same records", async () => {
    const serial = await inPage(1, 200);
    const serialRes = await serial.run;
    const { store, ws, db } = await freshDb(defaultDbName);
    const client = new RpcClient<IngestSchema>(spawnIngestWorker);
    try {
      const files = mixedCorpus().map((file) => ({ file }));
      const res = await client.call('ingest', { workspaceId: ws.id, files });
      expect(res.counts).toEqual(serialRes.counts);
      // The worker staged the files in OPFS; the in-page run kept them in memory.
      expect(await ingestSnapshot(db, ws.id, ['origin'])).toBe(
        await ingestSnapshot(serial.db, serial.ws.id, ['origin']),
      );
    } finally {
      client.terminate();
      store.close();
    }
  });

  it('cancel stops a pooled job promptly; the file stays resumable', async () => {
    const controller = new AbortController();
    const before = terminated;
    const pooled = await inPage(2, 3, controller.signal);
    pooled.service.testOptions.afterCommit = (n) => n === 2 && controller.abort();
    const t0 = performance.now();
    await expect(pooled.run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(terminated - before).toBe(2);
    const files = await pooled.store.ingest.listSourceFiles(pooled.ws.id);
    const a = files.find((f) => f.name === 'a.jsonl')!;
    expect(a.status).toBe('cancelled');
    expect(a.cursor.records).toBeGreaterThan(0);
  });
});
