// One ingest batch: the documents, segments (with their dedup verdicts) and counters that
// ingest.ts commits in a single IndexedDB transaction (method.md §2 "Data").
import type { PreparedDocument, PreparedSegment } from '../corpus/prepare';
import type { RawDocument, RecordIssue, Segment, SegmentOptions } from '../corpus/types';
import { AppError, deserializeError, InputError } from '../protocol/errors';
import type { DocumentRecord, DropReason, Id, SourceFile } from '../domain';
import type { StoredSegment } from '../store/schema';
import type { FileUpdate } from '../store/ingest-repo';
import { segmentIdInPage } from '../store/segment-pages';
import { documentIdInPage } from '../store/document-pages';
import { newId } from '../util/ids';
import { emptyCounts, type IngestCounts } from '../domain';
import type { IngestDeps, SegmentFn } from './ingest-deps';

export interface Batch {
  /** Page of the batch's kept segments and documents: ids `<pageId>.<seq>` and `<pageId>.d<seq>`. */
  pageId: Id;
  files: FileUpdate[];
  documents: DocumentRecord[];
  segments: StoredSegment[];
  delta: IngestCounts;
  lengths: number[];
  chars: number;
}

export function newBatch(): Batch {
  return {
    pageId: newId(),
    files: [],
    documents: [],
    segments: [],
    delta: emptyCounts(),
    lengths: [],
    chars: 0,
  };
}

type Verdict = { hash: string; reason?: DropReason };

export async function addDocument(
  deps: IngestDeps,
  sf: SourceFile,
  doc: RawDocument,
  segOpts: SegmentOptions,
  batch: Batch,
  fileDelta: IngestCounts,
  /**
   * Records a document's issue on its file (counted in both deltas by the caller): a document
   * that could not be segmented, or one segmented under a budget (issue 13: a page nested too
   * deep or too large for Readability is walked whole instead, and says so).
   */
  onIssue?: (issue: RecordIssue) => void,
): Promise<void> {
  let parsed: ReturnType<SegmentFn>;
  try {
    parsed = deps.segment(doc, segOpts);
  } catch (err) {
    // One unparsable document is a record issue, not a failed file.
    if (err instanceof AppError && !(err instanceof InputError)) throw err;
    const message = err instanceof Error ? err.message : String(err);
    unparsable(sf, doc, message, [batch.delta, fileDelta], onIssue);
    return;
  }
  await addSegments(sf, doc, parsed, batch, fileDelta, onIssue, (seg, id) =>
    seg.dropReason ? { hash: deps.dedup.hash(seg.text) } : deps.dedup.check(id, seg.text),
  );
}

/**
 * addDocument for a document a segmenter worker prepared (corpus/prepare.ts): the same
 * records, the dedup decisions made here from the worker's hashes and signatures.
 */
export async function addPrepared(
  deps: IngestDeps,
  sf: SourceFile,
  doc: RawDocument,
  prepared: PreparedDocument,
  batch: Batch,
  fileDelta: IngestCounts,
  onIssue?: (issue: RecordIssue) => void,
): Promise<void> {
  if (!prepared.ok) {
    if (prepared.fatal) throw deserializeError(prepared.error);
    unparsable(sf, doc, prepared.message, [batch.delta, fileDelta], onIssue);
    return;
  }
  const checkPrepared = deps.dedup.checkPrepared!.bind(deps.dedup);
  await addSegments(sf, doc, prepared, batch, fileDelta, onIssue, (seg, id) => {
    const s = seg as PreparedSegment;
    return s.dropReason ? { hash: s.hash } : checkPrepared(id, s.hash, s.signature!, s.keys);
  });
}

function whereOf(sf: SourceFile, doc: RawDocument): { source: string } {
  return { source: doc.url ?? (doc.title ? `${sf.name} ("${doc.title}")` : sf.name) };
}

function unparsable(
  sf: SourceFile,
  doc: RawDocument,
  message: string,
  deltas: IngestCounts[],
  onIssue?: (issue: RecordIssue) => void,
): void {
  if (onIssue) onIssue({ ...whereOf(sf, doc), message });
  else for (const d of deltas) d.issues++;
}

async function addSegments(
  sf: SourceFile,
  doc: RawDocument,
  parsed: { title?: string; segments: Segment[]; issues?: string[] },
  batch: Batch,
  fileDelta: IngestCounts,
  onIssue: ((issue: RecordIssue) => void) | undefined,
  decide: (seg: Segment, id: Id) => Verdict | Promise<Verdict>,
): Promise<void> {
  const deltas = [batch.delta, fileDelta];
  const where = whereOf(sf, doc);
  for (const message of parsed.issues ?? []) onIssue?.({ ...where, message });
  const documentId = documentIdInPage(batch.pageId, batch.documents.length);
  batch.documents.push({
    id: documentId,
    workspaceId: sf.workspaceId,
    sourceFileId: sf.id,
    offset: doc.offset,
    title: parsed.title ?? doc.title,
    url: doc.url,
    chars: doc.content.length,
  });
  for (const d of deltas) d.documents++;
  batch.chars += doc.content.length;
  for (const seg of parsed.segments) {
    const id = segmentIdInPage(batch.pageId, batch.segments.length);
    let reason = seg.dropReason;
    const verdict = await decide(seg, id);
    const hash = verdict.hash;
    if (!reason) reason = verdict.reason;
    const bucket = reason ?? 'kept';
    batch.segments.push({
      id,
      workspaceId: sf.workspaceId,
      documentId,
      sourceFileId: sf.id,
      headerPath: seg.headerPath,
      text: seg.text,
      chars: seg.text.length,
      ...(reason ? { dropReason: reason } : {}),
      hash,
      bucket,
    });
    for (const d of deltas) {
      d.segments++;
      if (reason) d.dropped[reason] = (d.dropped[reason] ?? 0) + 1;
      else d.kept++;
    }
    if (!reason) batch.lengths.push(seg.text.length);
  }
}

export function addCounts(into: IngestCounts, delta: IngestCounts): void {
  into.documents += delta.documents;
  into.segments += delta.segments;
  into.kept += delta.kept;
  into.issues += delta.issues;
  for (const [r, n] of Object.entries(delta.dropped) as [DropReason, number][])
    into.dropped[r] = (into.dropped[r] ?? 0) + n;
}
