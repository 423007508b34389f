// Loads a corpus into a workspace the way the app does: the ingest job with the real JSONL
// reader, segmenter and the workspace's dedup index, committing one transaction per batch
// (store.ingest.commitIngestBatch). Tests that need stored documents and segments use this
// instead of writing records themselves.
import { readFile } from '../../../src/lib/corpus/read-file';
import { segmentDocument } from '../../../src/lib/corpus/segment';
import type { IngestResult } from '../../../src/lib/domain';
import { WorkspaceDedup } from '../../../src/lib/pipeline/dedup-port';
import { IngestService } from '../../../src/lib/pipeline/ingest-service';
import type { Store } from '../../../src/lib/store';
import { markdownDoc } from './corpus-fixtures';

/** A markdown document with `sections` segments worth keeping (about 1,200 characters each). */
export const keptDoc = (seed: number, sections = 3): string => markdownDoc(seed, sections);

/** A markdown document whose `n` sections are all too short (method.md §2: < 600 characters). */
export const shortDoc = (seed: number, n: number): string =>
  [
    `# Short ${seed}`,
    ...Array.from({ length: n }, (_, i) => `## Note ${seed}.${i}\n\nBrief.`),
  ].join('\n\n');

/**
 * Ingests markdown `docs` as one JSONL file named `name` into the workspace (which must
 * exist). `batchDocuments` sets how many documents each transaction commits (default 200).
 */
export async function ingestDocs(
  store: Store,
  workspaceId: string,
  docs: string[],
  opts: { name?: string; batchDocuments?: number } = {},
): Promise<IngestResult> {
  const service = new IngestService({
    repo: store.ingest,
    read: readFile,
    segment: segmentDocument,
    dedupFor: (ws) => WorkspaceDedup.open(store.dedupChunks, ws),
    stage: false,
  });
  if (opts.batchDocuments) service.testOptions = { batchDocuments: opts.batchDocuments };
  const jsonl = docs.map((text) => JSON.stringify({ text })).join('\n') + '\n';
  const file = new File([jsonl], opts.name ?? 'corpus.jsonl');
  return service.ingest(
    { workspaceId, files: [{ file }], reader: { textFormat: 'markdown' } },
    {
      signal: new AbortController().signal,
      throwIfCancelled: () => undefined,
      progress: () => undefined,
      emit: () => undefined,
    },
  );
}
