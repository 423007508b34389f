// Seed pairs (method.md §2 "Seed": the small human-written instruction/output set the
// backward model and M0 are trained on) and what a seed import reports back.
import type { Id } from './corpus';

export interface SeedPair {
  id: Id;
  workspaceId: Id;
  instruction: string;
  /** Alpaca-style input/context, if any (joined to the instruction for training). */
  input?: string;
  output: string;
  source: string;
}

export type NewSeedPair = Omit<SeedPair, 'id' | 'workspaceId'>;

/** Record shapes a seed file is recognised as (corpus/seeds/seed-import.ts detects them). */
export type SeedShape =
  'alpaca' | 'dolly' | 'openai-messages' | 'sharegpt' | 'prompt-response' | 'custom';

/** Explicit field names, for files whose shape is not detected (or detected wrongly). */
export interface SeedFieldMapping {
  instruction: string;
  output: string;
  input?: string;
}

/** A seed record that was skipped: its 1-based line, why, and the field if one is to blame. */
export interface SeedLineError {
  line: number;
  message: string;
  field?: string;
}

/** A pair that repeats an earlier one of the same file: its line and the first one's. */
export interface SeedDuplicate {
  line: number;
  firstLine: number;
}

/** A seed file's detected shape, fields and first pairs, for the preview and mapping form. */
export interface SeedPreview {
  file: string;
  /** Field names seen in the first records (choices for a manual mapping). */
  fields: string[];
  shape: SeedShape | null;
  mapping: SeedFieldMapping | null;
  rows: { instruction: string; input?: string; output: string }[];
  /** Pairs that would be imported. */
  valid: number;
  errors: SeedLineError[];
  /** Pairs repeating an earlier pair (counted in `valid` only when not skipped). */
  duplicates: SeedDuplicate[];
  /** Set when the file cannot be imported as it is (unknown shape: map the fields by hand). */
  problem: string | null;
}

export interface SeedImportOutcome {
  imported: number;
  /** Duplicate pairs left out of the import. */
  duplicatesSkipped: number;
  errors: SeedLineError[];
  /** Errors beyond those listed (the list is capped). */
  moreErrors: number;
}
