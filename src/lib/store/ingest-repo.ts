// Store side of ingestion (pipeline/ingest.ts). The central verb is `commitIngestBatch`: ONE
// readwrite transaction writes a batch's documents, its segments (kept ones, plus dropped
// ones up to a per-reason sample cap), the dedup index additions, the corpus counters and the
// source file's advanced cursor. Either all of it lands or none of it, which is what makes a
// resumed import exactly-once.
import { AppError, NotFoundError } from '../protocol/errors';
import { requireWorkspace, segmentsRepo } from './corpus-repo';
import { makePage } from './segment-pages';
import { makeDocumentPage, pageOfDocument } from './document-pages';
import type { Db } from './db';
import { toPlain } from './plain';
import type {
  CorpusStats,
  DedupChunk,
  DocumentRecord,
  DropReason,
  Id,
  IngestCounts,
  SourceFile,
  SegmentRecord,
} from '../domain';
import type { DocumentPage, StoredSegment } from './schema';
import { writeTx } from './tx';

/** Dropped segments stored per reason and workspace, for "show samples" (all are counted). */
export const droppedSampleCap = 50;
export const lengthBinChars = 100;
const lengthBins = 41; // 0–3,999 characters, then one bin for everything longer

/** The dedup index chunk of a batch's newly kept segments (corpus/dedup-index.ts), if any. */
export type PendingDedup = DedupChunk | null;

/** One file's progress in a batch: its advanced cursor, and its status after the batch. */
export interface FileUpdate {
  sourceFileId: Id;
  /** The cursor this batch continues from; a mismatch means another job moved it. */
  expectedCursor: SourceFile['cursor'];
  cursor: SourceFile['cursor'];
  status: 'reading' | 'done' | 'failed';
  error?: string;
  issueMessages: string[];
  /** This file's share of the batch's counts (kept on SourceFile.stats). */
  delta: IngestCounts;
}

export interface IngestBatch {
  workspaceId: Id;
  /**
   * Id of the pages that hold the batch's kept segments (ids `<pageId>.<seq>`) and its
   * documents (ids `<pageId>.d<seq>`, document-pages.ts documentIdInPage).
   */
  pageId: Id;
  files: FileUpdate[];
  documents: DocumentRecord[];
  segments: StoredSegment[];
  dedup: PendingDedup;
  delta: IngestCounts;
  /** Lengths of the kept segments, for the histogram. */
  lengths: number[];
}

export function emptyCorpusStats(workspaceId: Id): CorpusStats {
  return {
    workspaceId,
    documents: 0,
    segments: 0,
    kept: 0,
    issues: 0,
    dropped: {},
    storedDropped: {},
    lengthHistogram: new Array<number>(lengthBins).fill(0),
    lengthBinChars,
  };
}

/** The ingest job's verbs (pipeline/ingest.ts); `Store.ingest`. */
export type IngestRepo = ReturnType<typeof ingestRepo>;

/**
 * How commitIngestBatch stores documents: one page per batch (the app), or for the side-by-side
 * in test/bench/browser/document-pages.bench.ts only, one record per document as before schema
 * step 9 (with the same two index entries each as that layout had; the app cannot read those).
 */
export type DocumentLayout = 'pages' | 'record-per-document';

/** Bench only: an old-layout record (see DocumentLayout). */
function asDocumentRecord(d: DocumentRecord): DocumentRecord & { sourceFileIds: Id[] } {
  return { ...d, sourceFileIds: [d.sourceFileId] };
}

export function ingestRepo(db: Db, layout: DocumentLayout = 'pages') {
  const repo = {
    /** Creates source file records for a new import (status 'pending', cursor at 0). */
    async addSourceFiles(files: SourceFile[]): Promise<void> {
      if (!files.length) return;
      const workspaceId = files[0].workspaceId;
      await writeTx(db, ['workspaces', 'sourceFiles'], files.length * 300, async (tx, requests) => {
        requireWorkspace(await tx.objectStore('workspaces').get(workspaceId), workspaceId);
        const store = tx.objectStore('sourceFiles');
        for (const f of files) void requests.add(store.put(toPlain(f)));
      });
    },

    async getSourceFile(id: Id): Promise<SourceFile> {
      const sf = await db.get('sourceFiles', id);
      if (!sf) throw new NotFoundError(`Source file ${id} not found`);
      return sf;
    },

    async listSourceFiles(workspaceId: Id): Promise<SourceFile[]> {
      return db.getAllFromIndex('sourceFiles', 'byWorkspace', workspaceId);
    },

    /** Files an earlier session left unfinished (interrupted, cancelled), oldest first. */
    async unfinishedSourceFiles(workspaceId: Id): Promise<SourceFile[]> {
      const all = await repo.listSourceFiles(workspaceId);
      return all.filter((f) => f.status !== 'done' && f.status !== 'failed');
    },

    async setFileStatus(id: Id, status: SourceFile['status'], error?: string): Promise<SourceFile> {
      return writeTx(db, ['sourceFiles'], 500, async (tx) => {
        const store = tx.objectStore('sourceFiles');
        const sf = await store.get(id);
        if (!sf) throw new NotFoundError(`Source file ${id} not found`);
        const next: SourceFile = { ...sf, status };
        if (error !== undefined) next.error = error;
        else if (status === 'reading') delete next.error;
        await store.put(next);
        return next;
      });
    },

    async corpusStats(workspaceId: Id): Promise<CorpusStats> {
      return (await db.get('corpusStats', workspaceId)) ?? emptyCorpusStats(workspaceId);
    },

    /**
     * The batch's writes in one transaction; returns the updated source file records.
     * Durability 'relaxed' (no fsync before the commit event): a power cut may lose the last
     * batches, but always whole transactions with their cursors, so resuming stays exactly-once;
     * a closed tab or reload loses nothing that has committed.
     */
    async commitIngestBatch(b: IngestBatch): Promise<SourceFile[]> {
      const stores = [
        'workspaces',
        'sourceFiles',
        'documents',
        'segments',
        'segmentPages',
        'corpusStats',
        'dedupChunks',
      ] as const;
      return writeTx(
        db,
        [...stores],
        estimateBytes(b),
        async (tx, requests) => {
          // Reads first (they are the only awaits), then every write is queued without awaiting.
          const files = tx.objectStore('sourceFiles');
          const [ws, stats0, current] = await Promise.all([
            tx.objectStore('workspaces').get(b.workspaceId),
            tx.objectStore('corpusStats').get(b.workspaceId),
            Promise.all(b.files.map((f) => files.get(f.sourceFileId))),
          ]);
          requireWorkspace(ws, b.workspaceId);
          // By-id reads find a document's page from its id prefix (document-pages.ts).
          const stray = b.documents.find((d) => pageOfDocument(d.id) !== b.pageId);
          if (stray && layout === 'pages')
            throw new AppError(`Document ${stray.id} does not belong to page ${b.pageId}`);
          const stats = stats0 ?? emptyCorpusStats(b.workspaceId);
          const segments = tx.objectStore('segments');
          const documents = tx.objectStore('documents');
          if (layout === 'record-per-document') {
            for (const d of b.documents)
              void requests.add(documents.put(asDocumentRecord(d) as unknown as DocumentPage));
          } else if (b.documents.length) {
            // The batch's documents: one page record (document-pages.ts, step 9).
            const page = makeDocumentPage(b.pageId, b.workspaceId, b.documents);
            void requests.add(documents.put(page));
          }
          // Kept segments: one page record (segment-pages.ts); dropped samples: one record each.
          const kept: SegmentRecord[] = [];
          for (const s of b.segments) {
            if (!s.dropReason) {
              const { bucket: _bucket, ...segment } = s;
              kept.push(segment);
              continue;
            }
            const stored = stats.storedDropped[s.dropReason] ?? 0;
            if (stored >= droppedSampleCap) continue;
            stats.storedDropped[s.dropReason] = stored + 1;
            void requests.add(segments.put(s));
          }
          if (kept.length) {
            const page = makePage(b.pageId, b.workspaceId, kept);
            void requests.add(tx.objectStore('segmentPages').put(page));
          }
          if (b.dedup) void requests.add(tx.objectStore('dedupChunks').put(b.dedup));
          addToStats(stats, b.delta, b.lengths);
          void requests.add(tx.objectStore('corpusStats').put(stats));

          const out: SourceFile[] = [];
          b.files.forEach((u, i) => {
            const sf = current[i];
            if (!sf) throw new NotFoundError(`Source file ${u.sourceFileId} not found`);
            if (sf.cursor.records !== u.expectedCursor.records) {
              throw new AppError(
                `${sf.name} is being imported by another tab or job (its resume point moved); ` +
                  'reload the page to see the latest state.',
              );
            }
            const next: SourceFile = {
              ...sf,
              status: u.status,
              cursor: { ...u.cursor },
              stats: addFileStats(sf.stats ?? {}, u.delta),
            };
            if (u.error) next.error = u.error;
            if (u.issueMessages.length)
              next.issues = [...(sf.issues ?? []), ...u.issueMessages].slice(0, 20);
            void requests.add(files.put(next));
            out.push(next);
          });
          return out;
        },
        'relaxed',
      );
    },

    /**
     * Kept segments whose text or header path contains `query` (case-insensitive), in write
     * order, scanning at most `scanLimit` records so a search in a huge corpus stays bounded.
     */
    async searchSegments(
      workspaceId: Id,
      query: string,
      limit = 500,
      scanLimit = 200_000,
    ): Promise<{ items: SegmentRecord[]; scanned: number; complete: boolean }> {
      const needle = query.toLowerCase();
      const items: SegmentRecord[] = [];
      let scanned = 0;
      const segments = segmentsRepo(db);
      let after: Id | undefined;
      for (;;) {
        const page = await segments.page(
          workspaceId,
          Math.max(1, Math.min(512, scanLimit - scanned)),
          {
            bucket: 'kept',
            after,
          },
        );
        let consumed = 0;
        for (const s of page.items) {
          if (items.length >= limit) break;
          scanned++;
          consumed++;
          after = s.id;
          if (
            s.text.toLowerCase().includes(needle) ||
            s.headerPath.some((h) => h.toLowerCase().includes(needle))
          )
            items.push(s);
        }
        if (consumed === page.items.length && !page.next) return { items, scanned, complete: true };
        if (items.length >= limit || scanned >= scanLimit)
          return { items, scanned, complete: false };
      }
    },
  };
  return repo;
}

function addToStats(stats: CorpusStats, delta: IngestCounts, lengths: number[]): void {
  stats.documents += delta.documents;
  stats.segments += delta.segments;
  stats.kept += delta.kept;
  stats.issues += delta.issues;
  for (const [reason, n] of Object.entries(delta.dropped) as [DropReason, number][])
    stats.dropped[reason] = (stats.dropped[reason] ?? 0) + n;
  const hist = stats.lengthHistogram;
  const bin = stats.lengthBinChars;
  for (const len of lengths) hist[Math.min(hist.length - 1, Math.floor(len / bin))]++;
}

function addFileStats(s: Record<string, number>, d: IngestCounts): Record<string, number> {
  const out = { ...s };
  const add = (k: string, n: number) => {
    if (n) out[k] = (out[k] ?? 0) + n;
  };
  add('documents', d.documents);
  add('segments', d.segments);
  add('kept', d.kept);
  add('issues', d.issues);
  for (const [reason, n] of Object.entries(d.dropped)) add(`dropped:${reason}`, n ?? 0);
  return out;
}

function estimateBytes(b: IngestBatch): number {
  let bytes = 0;
  for (const s of b.segments) bytes += s.text.length + 200;
  bytes += b.documents.length * 200 + b.files.length * 300;
  return (
    bytes + (b.dedup ? b.dedup.signatures.byteLength + (b.dedup.prints?.byteLength ?? 0) * 2 : 0)
  );
}
