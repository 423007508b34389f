// Builds the Data step's state over the store and the ingest worker. The only place the
// corpus state names the store implementation (the UI never imports it).
import type { WorkerLike } from '../protocol';
import type { Store } from '../store';
import { CorpusState, type CorpusPort } from './corpus.svelte';
import type { JobsState } from './jobs.svelte';

export function spawnIngestWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/ingest.worker.ts', import.meta.url), {
    type: 'module',
    name: 'ingest',
  });
}

export function corpusPort(store: Store): CorpusPort {
  return {
    stats: (ws) => store.ingest.corpusStats(ws),
    sourceFiles: (ws) => store.ingest.listSourceFiles(ws),
    page: (ws, limit, after) => store.segments.page(ws, limit, { bucket: 'kept', after }),
    search: (ws, query) => store.ingest.searchSegments(ws, query),
    samples: (ws, reason, n) => store.segments.sample(ws, reason, n),
    seedCount: (ws) => store.seeds.count(ws),
  };
}

export function createCorpusState(
  store: Store,
  jobs: JobsState,
  workspaceId: () => string | null,
  onChanged?: () => void,
): CorpusState {
  return new CorpusState(
    corpusPort(store),
    jobs,
    spawnIngestWorker,
    workspaceId,
    undefined,
    onChanged,
  );
}
