// The pooled ingest path (issue 14 item 1) against the serial one, with in-process segmenter
// "workers" (the real serveSegmenter behind a WorkerLike that clones messages and answers
// after random delays, so groups finish out of order): same stored records byte for byte,
// exactly-once resume after a crash mid-job, a crashed worker replaced, a worker that keeps
// crashing stops the job with a clear error and nothing lost, cancel stops the pool.
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from '../../../src/lib/corpus/read-file';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { mulberry32 } from '../../../src/lib/engines/generation/rng';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import type { IngestEvent } from '../../../src/lib/pipeline/ingest-protocol';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import { SegmenterPool, poolSizeFor } from '../../../src/lib/pipeline/segmenter-pool';
import type { SegmenterRequest } from '../../../src/lib/pipeline/segmenter-pool';
import { serveSegmenter } from '../../../src/lib/pipeline/segmenter-service';
import type { CallContext, WorkerLike } from '../../../src/lib/protocol';
import { openStore, type Store } from '../../../src/lib/store';
import { openDatabase, type Db } from '../../../src/lib/store/db';
import { ingestSnapshot } from '../../helpers/ingest-snapshot';
import { mixedCorpus } from '../../helpers/mixed-corpus';

type Listener = (ev: Event) => void;

/** serveSegmenter on this thread behind the Worker interface, answering out of order. */
class InProcessWorker implements WorkerLike {
  private listeners = new Map<string, Listener[]>();
  private handler: ((ev: MessageEvent) => void) | null = null;
  terminated = false;
  constructor(
    private readonly delay: () => number,
    private readonly crashOn: (req: SegmenterRequest) => boolean = () => false,
  ) {
    serveSegmenter({
      addEventListener: (_type, fn) => (this.handler = fn),
      postMessage: (msg, transfer) => {
        const data = structuredClone(msg, { transfer });
        setTimeout(() => this.emit('message', { data } as MessageEvent), this.delay());
      },
    });
  }
  postMessage(msg: unknown): void {
    const req = structuredClone(msg) as SegmenterRequest;
    setTimeout(() => {
      if (this.terminated) return;
      if (this.crashOn(req)) {
        this.emit('error', { message: 'simulated crash', preventDefault() {} } as ErrorEvent);
        return;
      }
      this.handler!({ data: req } as MessageEvent);
    }, this.delay());
  }
  addEventListener(type: string, fn: Listener): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), fn]);
  }
  terminate(): void {
    this.terminated = true;
  }
  private emit(type: string, ev: Event): void {
    if (this.terminated) return;
    for (const fn of this.listeners.get(type) ?? []) fn(ev);
  }
}

let opened: { db: Db; store: Store }[] = [];
let dbCount = 0;
afterEach(() => {
  for (const { db, store } of opened) {
    db.close();
    store.close();
  }
  opened = [];
});

interface Setup {
  db: Db;
  store: Store;
  service: IngestService;
  name: string;
  workers: InProcessWorker[];
}

async function setup(
  poolSize: number,
  crashOn?: (req: SegmenterRequest) => boolean,
  name = `ingest-pool-${dbCount++}`,
): Promise<Setup> {
  const store = await openStore(name);
  const db = await openDatabase(name);
  opened.push({ db, store });
  await db.put('workspaces', { id: 'w', name: 'w', createdAt: 0, updatedAt: 0 });
  const rand = mulberry32(dbCount);
  const workers: InProcessWorker[] = [];
  const spawn = () => {
    const w = new InProcessWorker(() => Math.floor(rand() * 4), crashOn);
    workers.push(w);
    return w;
  };
  const service = new IngestService({
    repo: store.ingest,
    read: readFile,
    segment: segmentDocument,
    dedupFor: (ws) => WorkspaceDedup.open(store.dedupChunks, ws),
    pool: () => new SegmenterPool(spawn, poolSize),
    stage: false,
  });
  // Small groups: many in flight at once, finishing out of order.
  service.testOptions = { groupDocuments: 3 };
  return { db, store, service, name, workers };
}

function ctx(signal = new AbortController().signal): CallContext<IngestEvent> {
  return { signal, throwIfCancelled: () => undefined, progress: () => undefined, emit: () => {} };
}

const files = () => mixedCorpus().map((file) => ({ file }));

async function serialReference(batchDocuments: number) {
  const ref = await setup(1);
  ref.service.testOptions.batchDocuments = batchDocuments;
  const res = await ref.service.ingest({ workspaceId: 'w', files: files() }, ctx());
  expect(ref.workers).toHaveLength(0); // size 1: today's path, no pool
  return { res, snapshot: await ingestSnapshot(ref.db, 'w') };
}

describe('pooled ingest', () => {
  it('stores exactly what the serial path stores (mixed corpus, out-of-order workers)', async () => {
    const ref = await serialReference(9);
    // The corpus reaches every branch the comparison is about.
    expect(ref.res.counts.issues).toBeGreaterThan(0);
    expect(ref.res.counts.filesFailed).toBe(1);
    expect(ref.res.counts.dropped['exact-duplicate']).toBeGreaterThan(0);
    expect(ref.res.counts.dropped['near-duplicate']).toBeGreaterThan(0);
    expect(ref.res.counts.dropped['too-short']).toBeGreaterThan(0);
    expect(ref.res.counts.dropped['navigation-header']).toBeGreaterThan(0);
    for (const size of [2, 3]) {
      const pooled = await setup(size);
      pooled.service.testOptions.batchDocuments = 9;
      const res = await pooled.service.ingest({ workspaceId: 'w', files: files() }, ctx());
      expect(res.counts).toEqual(ref.res.counts);
      expect(await ingestSnapshot(pooled.db, 'w')).toBe(ref.snapshot);
      expect(pooled.workers.length).toBe(size);
      expect(pooled.workers.every((w) => w.terminated)).toBe(true); // stopped with the job
    }
  });

  it('resumes after a crash mid-job with nothing lost or repeated', async () => {
    const ref = await serialReference(7);
    const crashed = await setup(2);
    crashed.service.testOptions = {
      ...crashed.service.testOptions,
      batchDocuments: 7,
      afterCommit: (n) => {
        if (n === 3) throw Object.assign(new Error('power cut'), { name: 'SimulatedCrash' });
      },
    };
    const input = files();
    await expect(crashed.service.ingest({ workspaceId: 'w', files: input }, ctx())).rejects.toThrow(
      'power cut',
    );
    const unfinished = await crashed.store.ingest.unfinishedSourceFiles('w');
    expect(unfinished[0].cursor.records).toBe(21);
    const reopened = await setup(2, undefined, crashed.name);
    reopened.service.testOptions.batchDocuments = 7;
    for (const sf of unfinished)
      reopened.service.adoptMemoryFile(sf.id, input.find((f) => f.file.name === sf.name)!.file);
    await reopened.service.resume({ workspaceId: 'w' }, ctx());
    const resumed = JSON.parse(await ingestSnapshot(reopened.db, 'w'));
    const expected = JSON.parse(ref.snapshot);
    // Batches after the crash differ in page boundaries only where the resume restarted them:
    // documents, segments and decisions are the same.
    expect(resumed.documents.length).toBe(expected.documents.length);
    const strip = (s: { text: string; hash: string; bucket: string }) => [s.text, s.hash, s.bucket];
    const segs = (snap: typeof expected) => [
      ...snap.segments.map(strip),
      ...snap.segmentPages.flatMap((p: { segments: never[] }) => p.segments.map(strip)),
    ];
    expect(segs(resumed).sort()).toEqual(segs(expected).sort());
    expect(resumed.corpusStats).toEqual(expected.corpusStats);
  });

  it('replaces a crashed worker and sends its documents again', async () => {
    const ref = await serialReference(200);
    let crashes = 0;
    const pooled = await setup(2, (req) => req.seq === 2 && crashes++ === 0);
    const res = await pooled.service.ingest({ workspaceId: 'w', files: files() }, ctx());
    expect(crashes).toBe(2); // crashed once, then the retry asked again and went through
    expect(pooled.workers.length).toBe(3);
    expect(res.counts).toEqual(ref.res.counts);
    expect(await ingestSnapshot(pooled.db, 'w')).toBe(ref.snapshot);
  });

  it('a worker crashing twice on the same documents stops the job; committed work stays', async () => {
    const ref = await serialReference(5);
    const pooled = await setup(2, (req) => req.docs.some((d) => d.content.includes('Document 30')));
    pooled.service.testOptions.batchDocuments = 5;
    const input = files();
    await expect(
      pooled.service.ingest({ workspaceId: 'w', files: input }, ctx()),
    ).rejects.toMatchObject({ name: 'WorkerCrashedError', message: /crashed twice.*resumed/ });
    const [sf] = await pooled.store.ingest.unfinishedSourceFiles('w');
    expect(sf.name).toBe('a.jsonl');
    expect(sf.status).toBe('reading');
    expect(sf.cursor.records).toBeGreaterThan(0);
    const stats = await pooled.store.ingest.corpusStats('w');
    expect(stats.documents).toBe(sf.cursor.records);
    // The job resumes once the fault is gone and ends where an uninterrupted run does.
    const fixed = await setup(2, undefined, pooled.name);
    fixed.service.testOptions.batchDocuments = 5;
    for (const f of await fixed.store.ingest.unfinishedSourceFiles('w'))
      fixed.service.adoptMemoryFile(f.id, input.find((i) => i.file.name === f.name)!.file);
    await fixed.service.resume({ workspaceId: 'w' }, ctx());
    const expected = JSON.parse(ref.snapshot);
    expect(JSON.parse(await ingestSnapshot(fixed.db, 'w')).corpusStats).toEqual(
      expected.corpusStats,
    );
  });

  it('cancel stops the pool and leaves the file resumable', async () => {
    const pooled = await setup(2);
    pooled.service.testOptions.batchDocuments = 5;
    const controller = new AbortController();
    pooled.service.testOptions.afterCommit = (n) => n === 2 && controller.abort();
    await expect(
      pooled.service.ingest({ workspaceId: 'w', files: files() }, ctx(controller.signal)),
    ).rejects.toMatchObject({ name: 'CancelledError' });
    expect(pooled.workers.every((w) => w.terminated)).toBe(true);
    const list = await pooled.store.ingest.listSourceFiles('w');
    expect(list.find((f) => f.name === 'a.jsonl')?.status).toBe('cancelled');
  });

  it('sizes the pool to the machine, capped', () => {
    expect(poolSizeFor(undefined)).toBe(1);
    expect(poolSizeFor(2)).toBe(1); // the writer keeps one core: no pool on 2
    expect(poolSizeFor(3)).toBe(2);
    expect(poolSizeFor(64)).toBe(8);
  });
});
