// Corpus ingestion off the main thread: reading, segmentation, dedup and IndexedDB writes.
// Segmentation, filters and MinHash run on a pool of segmenter workers started from here
// (nested dedicated workers), one per core; this worker reads and is the one writer.
import { createIngestHandlers } from '../src/lib/pipeline/ingest-handlers';
import type { IngestSchema } from '../src/lib/pipeline/ingest-protocol';
import { reportFatalErrors, serve } from '../src/lib/protocol';

const spawnSegmenter = () =>
  new Worker(new URL('./segmenter.worker.ts', import.meta.url), {
    type: 'module',
    name: 'segmenter',
  });

reportFatalErrors(self);
serve<IngestSchema>(self, createIngestHandlers(undefined, { spawnSegmenter }));
