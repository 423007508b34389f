// Handlers of the ingest worker (workers/ingest.worker.ts stays a two-liner): one IngestService
// over the studio database, with the real readers, segmenter and IndexedDB-backed dedup.
import { readFile } from '../corpus/read-file';
import { segmentDocument } from '../corpus/segment';
import type { Handlers } from '../protocol/server';
import { openStore, type Store } from '../store';
import { IngestRepo } from '../store/ingest-repo';
import { WorkspaceDedup } from './dedup-port';
import type { IngestSchema } from './ingest-protocol';
import { IngestService } from './ingest-service';
import { SeedImporter } from './seed-import-service';

export function createIngestHandlers(dbName?: string): Handlers<IngestSchema> {
  let opened: Promise<{ store: Store; service: IngestService; seeds: SeedImporter }> | null = null;
  const open = () =>
    (opened ??= openStore(dbName).then((store) => ({
      store,
      service: new IngestService({
        repo: new IngestRepo(store.db),
        read: readFile,
        segment: segmentDocument,
        dedupFor: (ws) => WorkspaceDedup.open(store.db, ws),
      }),
      seeds: new SeedImporter(store),
    })));
  return {
    ingest: async (req, ctx) => (await open()).service.ingest(req, ctx),
    resume: async (req, ctx) => (await open()).service.resume(req, ctx),
    loadDemo: async (req, ctx) => {
      const { service, seeds } = await open();
      const manifest = await service.fetchManifest(req.baseUrl);
      const result = await service.loadDemo(req, ctx);
      const seedResult = manifest.seed
        ? await seeds.importFromUrl(req.workspaceId, new URL(manifest.seed, req.baseUrl).href)
        : { imported: 0, errors: [], moreErrors: 0 };
      return { ...result, seeds: seedResult };
    },
    previewSeeds: async (req) => (await open()).seeds.preview(req.file, req.mapping),
    importSeeds: async (req) =>
      (await open()).seeds.importFile(req.workspaceId, req.file, req.mapping),
  };
}
