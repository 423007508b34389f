// Contracts between the corpus stages: readers turn files into RawDocuments (streaming),
// the segmenter turns a RawDocument into Segments (method.md §2, "Segmentation"), and the
// deduplicator decides across the whole workspace which segments are duplicates.
import type { DocumentFormat, DropReason } from '../domain';

export type { DocumentFormat };

/** One document as a reader yields it, before segmentation. */
export interface RawDocument {
  /** Source file name (with folder path / archive path, e.g. "crawl.zip/pages/a.html"). */
  source: string;
  /** Byte offset (streams of records: WARC) or record index (JSONL, CSV, Parquet) in the source. */
  offset: number;
  format: DocumentFormat;
  content: string;
  title?: string;
  url?: string;
}

/** A problem in one record that does not stop the rest of the file. */
export interface RecordIssue {
  source: string;
  line?: number;
  record?: number;
  field?: string;
  message: string;
}

/** Options for text-field selection in structured files (JSONL, JSON, CSV, Parquet). */
export interface ReaderOptions {
  /** Field holding the text; detected (text, content, response, output, body) when unset. */
  textField?: string;
  /** Format of that field's text; 'text' unless the user says it is HTML or Markdown. */
  textFormat?: DocumentFormat;
  /** Resume: skip records/bytes before this offset (offsets as in RawDocument.offset). */
  startOffset?: number;
  signal?: AbortSignal;
  /** Called as bytes are consumed (for progress). */
  onBytes?: (bytesRead: number) => void;
  /** Called for records that are skipped with a reason (malformed line, missing field). */
  onIssue?: (issue: RecordIssue) => void;
}

export interface SegmentOptions {
  /** Length window in characters (method.md §2: 600–3,000). */
  minChars: number;
  maxChars: number;
  /** Jaccard similarity of word n-gram sets above which two sentences count as repeats. */
  repeatJaccard: number;
  /** Share of sentence pairs (or of sentences) that may repeat before the segment is dropped. */
  maxRepeatRatio: number;
  /**
   * Split a header section that is too long and has no sub-headers into window-sized runs of
   * paragraphs (same headerPath) instead of dropping it as 'too-long'. Off by default, as in
   * the paper; useful for small corpora of long unstructured pages.
   */
  packLongSections?: boolean;
}

export const defaultSegmentOptions: SegmentOptions = {
  minChars: 600,
  maxChars: 3000,
  repeatJaccard: 0.7,
  maxRepeatRatio: 0.3,
};

/**
 * A run of text under one header (level 1–6), or before any header (level 0): what the HTML
 * and Markdown extractors hand the segmenter (here so they need not import segment.ts).
 */
export interface Block {
  level: number;
  header?: string;
  text: string;
}

/** One segment out of the segmenter: text under a header incl. lower-level subtrees. */
export interface Segment {
  headerPath: string[];
  text: string;
  /** Set when a per-segment filter dropped it; dedup reasons are set later. */
  dropReason?: DropReason;
}
