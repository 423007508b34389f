// How a candidate is stored: the domain record plus two index fields the repositories add on
// write and strip on read (like StoredSegment's `bucket`). `filter` makes "usable candidates"
// and "dropped by reason" index ranges; `ratingKeys` holds one [runId, iteration, mode, score]
// key per (iteration, mode) — the LATEST rating of each — so "all candidates rated s by
// iteration t in mode m" (A_k^(t), §2.3) is one multiEntry index range, not a scan. Older
// ratings stay in `ratings` (history) but are not indexed.
import type { Candidate, CandidateOverride, Id, Rating, RatingMode } from '../domain';

/** [runId, iteration, mode, score]; a failed paper-mode rating (score null) is indexed as 0. */
export type RatingKey = [Id, number, RatingMode, number];

/** `filterReason ?? 'ok'`: IndexedDB leaves records with a missing key path out of an index. */
export const USABLE = 'ok';

export interface StoredCandidate extends Candidate {
  filter: string;
  ratingKeys: RatingKey[];
}

export function ratingKeys(c: Pick<Candidate, 'runId' | 'ratings'>): RatingKey[] {
  const latest = new Map<string, Rating>();
  for (const r of c.ratings) latest.set(`${r.iteration}|${r.mode}`, r);
  return [...latest.values()].map((r) => [c.runId, r.iteration, r.mode, r.score ?? 0]);
}

export function toStored(c: Candidate): StoredCandidate {
  return { ...c, filter: c.filterReason ?? USABLE, ratingKeys: ratingKeys(c) };
}

export function fromStored(s: StoredCandidate): Candidate {
  const { filter: _f, ratingKeys: _k, ...candidate } = s;
  // Schema 6 stored the override as a bare 'keep' | 'drop' (no screen wrote one, but the repo
  // could): read it as the verdict it meant.
  const o = candidate.override as CandidateOverride | 'keep' | 'drop' | undefined;
  if (typeof o === 'string') candidate.override = legacyOverride(o, 0);
  return candidate;
}

/** An old keep/drop override as a verdict. */
export function legacyOverride(o: 'keep' | 'drop', at: number): CandidateOverride {
  return { verdict: o === 'keep' ? 'accept' : 'reject', at };
}

/** A candidate as an older schema (≤ 5) stored it: one verdict in flat fields. */
export interface LegacyCandidate {
  id: Id;
  workspaceId: Id;
  runId: Id;
  segmentId: Id;
  instruction: string;
  producedBy: string;
  stage?: 'augment' | 'curate-1' | 'curate-2';
  score?: number | null;
  reasoning?: string;
  rawOutput?: string;
  scoredBy?: string;
  override?: 'keep' | 'drop';
}

/**
 * Schema step 6: an old-shape candidate as a new one. Its verdict (if it was curated) becomes
 * one paper-mode rating of the iteration its stage names; passage and provenance come from
 * its segment when that still exists (else empty: the segment was deleted).
 */
export function migrateCandidate(
  old: LegacyCandidate,
  segment: { text: string; documentId: Id; headerPath: string[] } | undefined,
  now: number,
): StoredCandidate {
  const ratings: Rating[] = [];
  if (old.stage === 'curate-1' || old.stage === 'curate-2' || old.score !== undefined) {
    const rating: Rating = {
      rater: old.scoredBy ?? 'unknown',
      iteration: old.stage === 'curate-2' ? 2 : 1,
      mode: 'paper',
      score: old.score ?? null,
      ratedAt: now,
    };
    if (old.reasoning !== undefined) rating.reasoning = old.reasoning;
    if (old.rawOutput !== undefined) rating.rawOutput = old.rawOutput;
    if (rating.score === null) rating.failure = 'no-score';
    ratings.push(rating);
  }
  const candidate: Candidate = {
    id: old.id,
    workspaceId: old.workspaceId,
    runId: old.runId,
    segmentId: old.segmentId,
    documentId: segment?.documentId ?? '',
    headerPath: segment?.headerPath ?? [],
    output: segment?.text ?? '',
    rawInstruction: old.instruction,
    instruction: old.instruction,
    producedBy: old.producedBy,
    ratings,
  };
  if (old.override) candidate.override = legacyOverride(old.override, now);
  return toStored(candidate);
}
