// A candidate record as augmentation writes it (domain/runs.ts Candidate), for store and
// pipeline tests that need records without running a stage.
import type { Candidate, Rating } from '../../src/lib/domain';

export function makeCandidate(
  fields: Pick<Candidate, 'id' | 'workspaceId' | 'runId' | 'segmentId' | 'instruction'> &
    Partial<Candidate>,
): Candidate {
  return {
    documentId: 'doc',
    headerPath: [],
    output: `Passage of ${fields.segmentId}`,
    rawInstruction: fields.instruction,
    producedBy: 'backward-model',
    ratings: [],
    ...fields,
  };
}

/** A paper-mode rating of iteration t (score null = a parse failure). */
export function paperRating(iteration: number, score: number | null, rater = 'm0'): Rating {
  return {
    rater,
    iteration,
    mode: 'paper',
    score,
    ratedAt: 1,
    ...(score === null ? { failure: 'no-score' as const } : { reasoning: 'ok' }),
  };
}
