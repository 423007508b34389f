// The ingest worker's handlers over the thread's store service: an import through them is
// visible to the page's store port (corpus-open.ts), and after the connection closes the next
// request reopens it instead of failing.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { IngestEvent } from '../../../src/lib/domain';
import { createIngestHandlers } from '../../../src/lib/pipeline/ingest-handlers';
import type { CallContext } from '../../../src/lib/protocol';
import { corpusPort } from '../../../src/lib/state/corpus-open';
import { openStore } from '../../../src/lib/store';
import { newId } from '../../../src/lib/util/ids';
import { keptDoc } from './ingest-helper';

function ctx(events: IngestEvent[] = []): CallContext<IngestEvent> {
  return {
    signal: new AbortController().signal,
    throwIfCancelled: () => undefined,
    progress: () => undefined,
    emit: (e) => events.push(e),
  };
}

const jsonl = (...docs: string[]) =>
  new File([docs.map((text) => JSON.stringify({ text })).join('\n')], 'corpus.jsonl');

describe('ingest handlers', () => {
  it('import through the worker handlers, read through the page port, survive a reconnect', async () => {
    const name = `handlers-${newId()}`;
    const handlers = createIngestHandlers(name);
    const store = await openStore(name);
    const ws = await store.workspaces.create('w');
    const events: IngestEvent[] = [];
    const first = await handlers.ingest(
      {
        workspaceId: ws.id,
        files: [{ file: jsonl(keptDoc(1), keptDoc(2)) }],
        reader: { textFormat: 'markdown' },
      },
      ctx(events),
    );
    expect('counts' in first && first.counts.kept).toBe(6);
    expect(events.some((e) => e.kind === 'counts')).toBe(true);
    const port = corpusPort(store);
    expect((await port.stats(ws.id)).kept).toBe(6);
    expect(await store.segments.keptCount(ws.id)).toBe(6);
    expect((await port.page(ws.id, 4)).items).toHaveLength(4);
    expect((await port.sourceFiles(ws.id)).map((f) => f.status)).toEqual(['done']);

    // The connection goes away; the worker's next request opens a new one and keeps deduping
    // against what is on disk (document 2 again: three exact duplicates, one new document).
    store.close();
    const second = await handlers.ingest(
      {
        workspaceId: ws.id,
        files: [{ file: jsonl(keptDoc(2), keptDoc(3)) }],
        reader: { textFormat: 'markdown' },
      },
      ctx(),
    );
    expect('counts' in second && second.counts.dropped['exact-duplicate']).toBe(3);
    // The page's Store object stays usable: its next call opens a new connection too.
    expect(await openStore(name)).toBe(store);
    expect(await store.segments.keptCount(ws.id)).toBe(9);
    store.close();
  });
});
