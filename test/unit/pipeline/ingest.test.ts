import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from '../../../src/lib/corpus/read-file';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import type { RawDocument, ReaderOptions } from '../../../src/lib/corpus/types';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import type { IngestEvent, IngestResult } from '../../../src/lib/pipeline/ingest-protocol';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import {
  CancelledError,
  InputError,
  QuotaExceededError,
  type CallContext,
} from '../../../src/lib/protocol';
import { openStore, type Store } from '../../../src/lib/store';
import { openDatabase, type Db } from '../../../src/lib/store/db';
import { jsonlCorpus, markdownDoc } from './corpus-fixtures';

/** JSONL of {text} (markdown); a line "FAIL" makes the whole file unreadable. */
async function* fakeRead(file: File, opts: ReaderOptions): AsyncGenerator<RawDocument> {
  const lines = (await file.text()).split('\n');
  let bytes = 0;
  for (const [i, line] of lines.entries()) {
    bytes += line.length + 1;
    opts.onBytes?.(bytes);
    if (!line.trim()) continue;
    if (line === 'FAIL') throw new InputError('not a JSONL file', { file: file.name, line: i + 1 });
    let value: { text?: string };
    try {
      value = JSON.parse(line);
    } catch {
      opts.onIssue?.({ source: file.name, line: i + 1, message: 'malformed JSON' });
      continue;
    }
    yield { source: file.name, offset: i, format: 'markdown', content: value.text ?? '' };
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

/** The app's store (repositories) plus a raw connection, to seed fixed workspace ids and count. */
async function setup(name = `ingest-${dbCount++}`) {
  const store = await openStore(name);
  const db = await openDatabase(name);
  opened.push({ db, store });
  for (const id of ['w', 'v'])
    await db.put('workspaces', { id, name: id, createdAt: 0, updatedAt: 0 });
  const repo = store.ingest;
  const service = new IngestService({
    repo,
    read: fakeRead,
    segment: segmentDocument,
    dedupFor: (ws) => WorkspaceDedup.open(store.dedupChunks, ws),
    stage: false,
  });
  return { db, store, repo, service, name };
}

function ctx(events: IngestEvent[] = []): CallContext<IngestEvent> {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    throwIfCancelled: () => undefined,
    progress: () => undefined,
    emit: (e) => events.push(e),
  };
}

const file = (name: string, text: string) => new File([text], name);

async function keptTexts(store: Store, ws: string): Promise<string[]> {
  // Through the repository: kept segments live in pages and in per-segment records.
  const texts: string[] = [];
  for await (const batch of store.segments.iterate(ws, { bucket: 'kept', batchSize: 7 }))
    texts.push(...batch.map((s) => s.text));
  return texts.sort();
}

describe('ingest', () => {
  it('counts documents, kept and dropped segments and stores them in one place', async () => {
    const { store, repo, service } = await setup();
    const short = JSON.stringify({ text: '# Tiny\n\n## Short one\n\nToo short to keep.' });
    const text = jsonlCorpus(0, 30) + short + '\n' + 'not json\n';
    const res = await service.ingest(
      { workspaceId: 'w', files: [{ file: file('a.jsonl', text) }] },
      ctx(),
    );
    expect(res.files[0].status).toBe('done');
    expect(res.counts.documents).toBe(31);
    expect(res.counts.issues).toBe(1);
    expect(res.counts.dropped['too-short']).toBeGreaterThanOrEqual(1);
    const stats = await repo.corpusStats('w');
    expect(stats.documents).toBe(31);
    expect(stats.kept).toBe(res.counts.kept);
    expect(stats.kept).toBe(90);
    expect(await keptTexts(store, 'w')).toHaveLength(stats.kept);
    expect(await store.documents.count('w')).toBe(31);
    expect(stats.lengthHistogram.reduce((a, b) => a + b, 0)).toBe(stats.kept);
    const sf = await repo.getSourceFile(res.files[0].id);
    expect(sf.issues?.[0]).toMatch(/a\.jsonl, line 32: malformed JSON/);
    expect(sf.cursor.records).toBe(31);
  });

  it('records a page segmented under a budget as an issue on its file, and keeps its text', async () => {
    const { repo, store } = await setup();
    const service = new IngestService({
      repo,
      read: readFile,
      segment: segmentDocument,
      dedupFor: (ws) => WorkspaceDedup.open(store.dedupChunks, ws),
      stage: false,
    });
    // 3,000 nested <div>s: deeper than Readability is given (corpus/html.ts), so the page is
    // walked whole and the segmenter says why; the ingest records that on the file.
    const body = 'A sentence of the deep page that should still be kept as text. '.repeat(20);
    const deep = `<html><body>${'<div>'.repeat(3000)}<h2>Deep</h2><p>${body}</p>${'</div>'.repeat(3000)}</body></html>`;
    const res = await service.ingest(
      { workspaceId: 'w', files: [{ file: file('deep.html', deep) }] },
      ctx(),
    );
    expect(res.files[0].status).toBe('done');
    expect(res.counts.documents).toBe(1);
    expect(res.counts.issues).toBe(1);
    const sf = await repo.getSourceFile(res.files[0].id);
    expect(sf.issues?.[0]).toMatch(/^deep\.html.*: .*(nest|deep)/i);
    expect(res.counts.segments).toBeGreaterThan(0);
  });

  it('resumes after a crash mid-file with the same final state as an uninterrupted run', async () => {
    const text = jsonlCorpus(0, 50) + jsonlCorpus(0, 5); // includes exact duplicates
    const reference = await setup();
    await reference.service.ingest(
      { workspaceId: 'w', files: [{ file: file('big.jsonl', text) }] },
      ctx(),
    );
    const refStats = await reference.repo.corpusStats('w');

    const crashed = await setup();
    // Crash after the 3rd committed batch of 7 documents.
    const crashing = new IngestService({
      repo: crashed.repo,
      read: fakeRead,
      segment: segmentDocument,
      dedupFor: (ws) => WorkspaceDedup.open(crashed.store.dedupChunks, ws),
      stage: false,
    });
    // Batch size and crash hook go through ingestFiles' options; the service exposes them.
    crashing.testOptions = {
      batchDocuments: 7,
      afterCommit: (n) => {
        if (n === 3) {
          const err = new Error('power cut');
          err.name = 'SimulatedCrash';
          throw err;
        }
      },
    };
    const f = file('big.jsonl', text);
    await expect(
      crashing.ingest({ workspaceId: 'w', files: [{ file: f }] }, ctx()),
    ).rejects.toThrow('power cut');
    const mid = await crashed.repo.corpusStats('w');
    expect(mid.documents).toBe(21);
    const [sf] = await crashed.repo.unfinishedSourceFiles('w');
    expect(sf.cursor.records).toBe(21);

    // "Reload": a fresh service over the same database; the File survives only in memory here.
    crashed.db.close();
    crashed.store.close();
    const reopened = await setup(crashed.name);
    reopened.service.adoptMemoryFile(sf.id, f);
    const res = await reopened.service.resume({ workspaceId: 'w' }, ctx());
    expect(res.files[0].status).toBe('done');
    const stats = await reopened.repo.corpusStats('w');
    expect(stats).toEqual(refStats);
    expect(await keptTexts(reopened.store, 'w')).toEqual(await keptTexts(reference.store, 'w'));
    const pages = await reopened.db.getAllFromIndex('documents', 'byWorkspace', 'w');
    const docs = pages.flatMap((p) => p.documents);
    expect(docs.map((d) => d.offset).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 55 }, (_, i) => i),
    );
  });

  it('drops segments already imported earlier as exact duplicates', async () => {
    const { repo, service } = await setup();
    await service.ingest(
      { workspaceId: 'w', files: [{ file: file('a.jsonl', jsonlCorpus(0, 10)) }] },
      ctx(),
    );
    const first = await repo.corpusStats('w');
    const res = await service.ingest(
      { workspaceId: 'w', files: [{ file: file('b.jsonl', jsonlCorpus(5, 10)) }] },
      ctx(),
    );
    const perDoc = first.kept / 10;
    expect(res.counts.dropped['exact-duplicate']).toBe(5 * perDoc);
    expect(res.counts.kept).toBe(5 * perDoc);
    // Another workspace does not see the first one's segments.
    const other = await service.ingest(
      { workspaceId: 'v', files: [{ file: file('b.jsonl', jsonlCorpus(5, 10)) }] },
      ctx(),
    );
    expect(other.counts.dropped['exact-duplicate'] ?? 0).toBe(0);
  });

  it('fails a bad file with its name and line and goes on with the others', async () => {
    const { repo, service } = await setup();
    const events: IngestEvent[] = [];
    const res: IngestResult = await service.ingest(
      {
        workspaceId: 'w',
        files: [
          { file: file('good1.jsonl', jsonlCorpus(0, 3)) },
          { file: file('bad.jsonl', jsonlCorpus(10, 2) + 'FAIL\n') },
          { file: file('good2.md', JSON.stringify({ text: markdownDoc(99) }) + '\n') },
        ],
      },
      ctx(events),
    );
    expect(res.files.map((f) => f.status)).toEqual(['done', 'failed', 'done']);
    expect(res.files[1].error).toMatch(/bad\.jsonl, line 3: not a JSONL file/);
    expect(res.counts.filesFailed).toBe(1);
    const files = await repo.listSourceFiles('w');
    expect(files.find((f) => f.name === 'bad.jsonl')?.error).toMatch(/line 3/);
    expect(events.some((e) => e.kind === 'file' && e.status === 'failed')).toBe(true);
  });

  it('cancel keeps committed batches and leaves the file resumable', async () => {
    const { repo, service } = await setup();
    const controller = new AbortController();
    const c = { ...ctx(), signal: controller.signal };
    service.testOptions = { batchDocuments: 5, afterCommit: (n) => n === 2 && controller.abort() };
    const f = file('c.jsonl', jsonlCorpus(0, 20));
    await expect(
      service.ingest({ workspaceId: 'w', files: [{ file: f }] }, c),
    ).rejects.toBeInstanceOf(CancelledError);
    const [sf] = await repo.unfinishedSourceFiles('w');
    expect(sf.status).toBe('cancelled');
    // Batch 3 was being read while batch 2 committed; the cancel keeps it (it is whole).
    expect(sf.cursor.records).toBeGreaterThanOrEqual(10);
    expect(sf.cursor.records).toBeLessThan(20);
    expect((await repo.corpusStats('w')).documents).toBe(sf.cursor.records);
    service.testOptions = {};
    const res = await service.resume({ workspaceId: 'w' }, ctx());
    expect(res.files[0].status).toBe('done');
    expect((await repo.corpusStats('w')).documents).toBe(20);
  });

  it('batches many small files together and resumes them exactly once after a crash', async () => {
    const files = Array.from({ length: 12 }, (_, i) => file(`p${i}.jsonl`, jsonlCorpus(i * 3, 3)));
    const reference = await setup();
    await reference.service.ingest(
      { workspaceId: 'w', files: files.map((f) => ({ file: f })) },
      ctx(),
    );
    const crashed = await setup();
    crashed.service.testOptions = {
      batchDocuments: 8,
      afterCommit: (n) => {
        if (n === 2) throw Object.assign(new Error('power cut'), { name: 'SimulatedCrash' });
      },
    };
    await expect(
      crashed.service.ingest({ workspaceId: 'w', files: files.map((f) => ({ file: f })) }, ctx()),
    ).rejects.toThrow('power cut');
    // 2 commits of 8+ documents over 3-document files: some files done, one mid-way, rest pending.
    const mid = await crashed.repo.listSourceFiles('w');
    expect(mid.filter((f) => f.status === 'done').length).toBeGreaterThan(0);
    expect(mid.filter((f) => f.status !== 'done').length).toBeGreaterThan(0);
    crashed.db.close();
    crashed.store.close();
    const reopened = await setup(crashed.name);
    for (const sf of mid)
      reopened.service.adoptMemoryFile(sf.id, files[Number(sf.name.slice(1, -6))]);
    await reopened.service.resume({ workspaceId: 'w' }, ctx());
    expect(await reopened.repo.corpusStats('w')).toEqual(await reference.repo.corpusStats('w'));
    expect(await keptTexts(reopened.store, 'w')).toEqual(await keptTexts(reference.store, 'w'));
    const perFile = (await reopened.repo.listSourceFiles('w')).map((f) => f.stats?.documents);
    expect(perFile).toEqual(files.map(() => 3));
  });

  it('drops a lightly edited copy of an earlier segment as a near duplicate', async () => {
    const { service } = await setup();
    const original = markdownDoc(7);
    const edited = original.replace(/\b(\w+)\./, '$1 indeed.');
    expect(edited).not.toBe(original);
    const line = (t: string) => JSON.stringify({ text: t }) + '\n';
    const res = await service.ingest(
      { workspaceId: 'w', files: [{ file: file('n.jsonl', line(original) + line(edited)) }] },
      ctx(),
    );
    expect(res.counts.kept).toBe(3);
    expect(res.counts.dropped['near-duplicate']).toBe(1);
    expect(res.counts.dropped['exact-duplicate']).toBe(2);
  });

  it('stops on a full disk with a clear message and nothing half-written', async () => {
    const { repo, service } = await setup();
    const commit = repo.commitIngestBatch.bind(repo);
    let calls = 0;
    repo.commitIngestBatch = async (b) => {
      if (++calls === 2)
        throw new QuotaExceededError('Browser storage is full: the write needed about 2 MB.');
      return commit(b);
    };
    service.testOptions = { batchDocuments: 4 };
    const f = file('q.jsonl', jsonlCorpus(0, 10));
    await expect(service.ingest({ workspaceId: 'w', files: [{ file: f }] }, ctx())).rejects.toThrow(
      /storage is full/,
    );
    expect((await repo.corpusStats('w')).documents).toBe(4);
    const [sf] = await repo.unfinishedSourceFiles('w');
    expect(sf.cursor.records).toBe(4);
  });
});
