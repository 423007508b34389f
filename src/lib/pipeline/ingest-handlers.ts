// Handlers of the ingest worker (workers/ingest.worker.ts stays a two-liner): one IngestService
// over the thread's store (store/service.ts), with the real readers, segmenter and the dedup
// index rebuilt from the store's chunks.
import { readFile } from '../corpus/read-file';
import { segmentDocument } from '../corpus/segment';
import type { WorkerLike } from '../protocol/client';
import type { Handlers } from '../protocol/server';
import { openStore, type Store } from '../store';
import { WorkspaceDedup } from './dedup-port';
import type { IngestSchema } from './ingest-protocol';
import { IngestService } from './ingest-service';
import { SeedImporter } from './seed-import-service';
import { poolSizeFor, SegmenterPool } from './segmenter-pool';

interface Services {
  store: Store;
  service: IngestService;
  seeds: SeedImporter;
}

export interface PoolOptions {
  /** Starts one segmenter worker (workers/segmenter.worker.ts); no pool without it. */
  spawnSegmenter?: () => WorkerLike;
  /** Workers per job (default: poolSizeFor(navigator.hardwareConcurrency)); 1 = no pool. */
  size?: number;
}

export function createIngestHandlers(
  dbName?: string,
  poolOptions: PoolOptions = {},
): Handlers<IngestSchema> {
  const { spawnSegmenter } = poolOptions;
  const size =
    poolOptions.size ??
    poolSizeFor(typeof navigator === 'undefined' ? 1 : navigator.hardwareConcurrency);
  const pool =
    spawnSegmenter && size > 1 ? () => new SegmenterPool(spawnSegmenter, size) : undefined;
  let built: Services | null = null;
  // The store service hands out the thread's one Store (it reconnects by itself after the
  // connection closes); asked per request so a failed open is retried by the next one.
  const open = async (): Promise<Services> => {
    const store = await openStore(dbName);
    if (built?.store !== store) {
      built = {
        store,
        service: new IngestService({
          repo: store.ingest,
          read: readFile,
          segment: segmentDocument,
          dedupFor: (ws) => WorkspaceDedup.open(store.dedupChunks, ws),
          ...(pool ? { pool } : {}),
        }),
        seeds: new SeedImporter(store),
      };
    }
    return built;
  };
  return {
    ingest: async (req, ctx) => (await open()).service.ingest(req, ctx),
    resume: async (req, ctx) => (await open()).service.resume(req, ctx),
    loadDemo: async (req, ctx) => {
      const { service, seeds } = await open();
      const manifest = await service.fetchManifest(req.baseUrl);
      const result = await service.loadDemo(req, ctx);
      const seedResult = manifest.seed
        ? await seeds.importFromUrl(req.workspaceId, new URL(manifest.seed, req.baseUrl).href)
        : { imported: 0, errors: [], moreErrors: 0, duplicatesSkipped: 0 };
      return { ...result, seeds: seedResult };
    },
    previewSeeds: async (req) =>
      (await open()).seeds.preview(req.file, req.mapping, req.skipDuplicates),
    importSeeds: async (req) =>
      (await open()).seeds.importFile(req.workspaceId, req.file, req.mapping, req.skipDuplicates),
  };
}
