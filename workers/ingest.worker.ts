// Corpus ingestion off the main thread: reading, segmentation, dedup and IndexedDB writes.
import { createIngestHandlers } from '../src/lib/pipeline/ingest-handlers';
import type { IngestSchema } from '../src/lib/pipeline/ingest-protocol';
import { reportFatalErrors, serve } from '../src/lib/protocol';

reportFatalErrors(self);
serve<IngestSchema>(self, createIngestHandlers());
