// What the export writers take: plain pairs, independent of how the store keeps candidates
// (issue 11 item 5). A pair carries its origin (seed or augmented, for the paper's tagging,
// §2.3), the ratings it received per rater and self-curation iteration (§2.3, §3.3), the
// fast mode's expected score, the user's override and where it came from.
import type { ExampleOrigin } from '../tagging';

export interface ExportRating {
  /** The rating model, e.g. 'M0' or 'M1'. */
  rater: string;
  /** Self-curation iteration t (M_t rated A^(t)); see domain/runs.ts StageLineage. */
  iteration: number;
  /** Paper-mode score 1–5; null when the rating could not be parsed. */
  score?: number | null;
  /** Fast-mode expected score over "1".."5" (method/scores.ts expectedScore). */
  expected?: number | null;
}

/** A person's correction, kept apart from the model's ratings; it wins over them. */
export interface ExportOverride {
  verdict?: 'accept' | 'reject';
  instruction?: string;
  output?: string;
}

export interface ExportProvenance {
  /** Seed file name, or the corpus document's file for augmented pairs. */
  source?: string;
  segmentId?: string;
  /** The passage's header path in its document (§2.1 segments are cut at headers). */
  headerPath?: string[];
  url?: string;
}

export interface ExportPair {
  instruction: string;
  /** Alpaca-style input/context (seed pairs may have one). */
  input?: string;
  output: string;
  origin: ExampleOrigin;
  ratings?: ExportRating[];
  override?: ExportOverride;
  provenance?: ExportProvenance;
}

/**
 * One selected pair as the writers see it: overrides applied, the deciding rating picked.
 * `edited` says whether a person changed the text.
 */
export interface ExportRow {
  instruction: string;
  input?: string;
  output: string;
  origin: ExampleOrigin;
  score?: number | null;
  expected?: number | null;
  rater?: string;
  iteration?: number;
  verdict?: 'accept' | 'reject';
  edited?: boolean;
  source?: string;
}

/** Something a writer can read pairs from: an array, a generator, an async generator. */
export type PairSource<T> = Iterable<T> | AsyncIterable<T>;

export type JsonlShape = 'alpaca' | 'openai' | 'sharegpt';
export type ExportFormat = JsonlShape | 'parquet';

/** A piece of an exported file, ready for a Blob or a file stream. */
export type Chunk = Uint8Array<ArrayBuffer>;
