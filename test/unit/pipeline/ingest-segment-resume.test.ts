// Issue 13 item 7: the "split long sections" choice is kept with the source file, so an
// import resumed after a reload segments the rest of the file as the start did, whatever the
// resuming session's checkbox says (it starts unticked after a reload).
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from '../../../src/lib/corpus/read-file';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import type { IngestEvent } from '../../../src/lib/pipeline/ingest-protocol';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import type { CallContext } from '../../../src/lib/protocol';
import { openStore, type Store } from '../../../src/lib/store';
import { openDatabase } from '../../../src/lib/store/db';
import { mulberry32 } from '../../../src/lib/engines/generation/rng';
import { paragraph } from '../../helpers/prose';

let open: { close: () => void }[] = [];
let dbCount = 0;
afterEach(() => {
  for (const o of open) o.close();
  open = [];
});

async function setup(name = `segment-resume-${dbCount++}`) {
  const store = await openStore(name);
  const db = await openDatabase(name);
  await db.put('workspaces', { id: 'w', name: 'w', createdAt: 0, updatedAt: 0 });
  open.push(db, store);
  const service = new IngestService({
    repo: store.ingest,
    read: readFile,
    segment: segmentDocument,
    dedupFor: (ws) => WorkspaceDedup.open(store.dedupChunks, ws),
    stage: false,
  });
  return { store, service, name, close: () => (db.close(), store.close()) };
}

const ctx = (): CallContext<IngestEvent> => ({
  signal: new AbortController().signal,
  throwIfCancelled: () => undefined,
  progress: () => undefined,
  emit: () => undefined,
});

/** One header over ~4,800 characters of varied prose: over the paper's 3,000, so dropped unless split. */
function longArticle(n: number): string {
  const r = mulberry32(1000 + n);
  return `# Article ${n}\n\n` + Array.from({ length: 8 }, () => paragraph(r, 600)).join('\n\n');
}

const corpus =
  Array.from({ length: 6 }, (_, n) => JSON.stringify({ text: longArticle(n) })).join('\n') + '\n';
const jsonl = () => new File([corpus], 'long.jsonl');

/** What the crash-test hook throws: ingestion treats it as fatal, like a closed tab. */
function crash(): Error {
  const err = new Error('power cut');
  err.name = 'SimulatedCrash';
  return err;
}

async function keptTexts(store: Store): Promise<string[]> {
  const texts: string[] = [];
  for await (const batch of store.segments.iterate('w', { bucket: 'kept', batchSize: 50 }))
    texts.push(...batch.map((s) => s.text));
  return texts.sort();
}

describe('split-long-sections choice on resume', () => {
  it('is stored with the file and used by a resume that does not send it', async () => {
    const split = { packLongSections: true };
    const reference = await setup();
    await reference.service.ingest(
      {
        workspaceId: 'w',
        files: [{ file: jsonl() }],
        reader: { textFormat: 'markdown' },
        segment: split,
      },
      ctx(),
    );
    const expected = await keptTexts(reference.store);
    // Every article is split into several kept segments (the paper's rule would keep none).
    expect(expected.length).toBeGreaterThanOrEqual(12);

    const crashed = await setup();
    crashed.service.testOptions = {
      batchDocuments: 2,
      afterCommit: (n) => {
        if (n === 1) throw crash();
      },
    };
    const f = jsonl();
    await expect(
      crashed.service.ingest(
        {
          workspaceId: 'w',
          files: [{ file: f }],
          reader: { textFormat: 'markdown' },
          segment: split,
        },
        ctx(),
      ),
    ).rejects.toThrow('power cut');
    const [sf] = await crashed.store.ingest.unfinishedSourceFiles('w');
    expect(sf.segment).toEqual({ packLongSections: true });
    expect(sf.cursor.records).toBe(2);

    // "Reload": a fresh service over the same database; the session's checkbox is unticked.
    crashed.close();
    const reopened = await setup(crashed.name);
    reopened.service.adoptMemoryFile(sf.id, f);
    const res = await reopened.service.resume({ workspaceId: 'w' }, ctx());
    expect(res.files[0].status).toBe('done');
    expect(res.counts.dropped['too-long'] ?? 0).toBe(0);
    expect(await keptTexts(reopened.store)).toEqual(expected);
  });

  it('stores the paper rule too, so a resume from a ticked session does not split', async () => {
    const { store, service } = await setup();
    service.testOptions = {
      batchDocuments: 2,
      afterCommit: (n) => {
        if (n === 1) throw crash();
      },
    };
    const f = jsonl();
    await expect(
      service.ingest(
        { workspaceId: 'w', files: [{ file: f }], reader: { textFormat: 'markdown' } },
        ctx(),
      ),
    ).rejects.toThrow('power cut');
    const [sf] = await store.ingest.unfinishedSourceFiles('w');
    expect(sf.segment).toEqual({ packLongSections: false });
    service.testOptions = {};
    const res = await service.resume(
      { workspaceId: 'w', segment: { packLongSections: true } },
      ctx(),
    );
    expect(res.files[0].status).toBe('done');
    expect(res.counts.dropped['too-long']).toBe(4);
    expect(await keptTexts(store)).toEqual([]);
  });
});
