// The demo import through the app's path (IngestService.loadDemo over the real store), with the
// app's own demo files served from public/demo: the files' sizes are unknown until read, and the
// progress counts every byte of every file (the jobs area shows it without a total).
import 'fake-indexeddb/auto';
import { readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readFile } from '../../../src/lib/corpus/read-file';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import type { Progress } from '../../../src/lib/protocol';
import { freshStore } from '../store/helpers';

const DEMO = new URL('../../../public/demo/', import.meta.url);
const BASE = 'http://app.test/demo/';

/** fetch() over the demo folder, as the dev server would serve it. */
const demoFetch = (async (input: string | URL | Request) => {
  const url = String(input instanceof Request ? input.url : input);
  if (!url.startsWith(BASE)) return new Response('not found', { status: 404 });
  return new Response(readFileSync(new URL(url.slice(BASE.length), DEMO)));
}) as typeof fetch;

describe('demo import', () => {
  it('imports every demo document and counts every byte read', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('demo');
    const service = new IngestService({
      repo: store.ingest,
      read: readFile,
      segment: segmentDocument,
      dedupFor: (id) => WorkspaceDedup.open(store.dedupChunks, id),
      stage: false,
      fetch: demoFetch,
    });
    const progress: Progress[] = [];
    const result = await service.loadDemo(
      { workspaceId: ws.id, baseUrl: BASE },
      {
        signal: new AbortController().signal,
        throwIfCancelled: () => undefined,
        progress: (p) => progress.push(p),
        emit: () => undefined,
      },
    );
    const manifest = JSON.parse(readFileSync(new URL('manifest.json', DEMO), 'utf8')) as {
      documents: string[];
    };
    const bytes = manifest.documents.reduce((n, f) => n + statSync(new URL(f, DEMO)).size, 0);
    const reads = progress.filter((p) => p.kind === 'ingest' && p.phase === 'read');
    expect(reads.length).toBeGreaterThan(0);
    expect(Math.max(...reads.map((p) => p.done))).toBe(bytes);
    expect(result.counts.documents).toBe(manifest.documents.length);
    expect((await store.ingest.corpusStats(ws.id)).kept).toBeGreaterThan(0);
  });
});
