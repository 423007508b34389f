// Creating, running (or resuming) and summarising a pairwise evaluation (issue 12 item 2). An
// evaluation belongs to a run (its stage state lives there: evaluate-<id>) and freezes its
// setup, prompt list included, so a resume after a reload does exactly what was asked.
import { emptyPairwise } from '../method/pairwise';
import { evaluateStageName, type Evaluation, type Id, type PairwiseSetup } from '../domain';
import type { Store } from '../store';
import { newId } from '../util/ids';
import {
  evaluateLineage,
  evaluateStage,
  summarizeEvaluation,
  type PairwiseModels,
} from './evaluate-stage';
import { runMethodStage } from './method-service';
import type { RunStageOptions, StageOutcome } from './stage-runner';

export type EvaluateStore = Pick<Store, 'evaluations' | 'evalAnswers' | 'runs' | 'stages'>;

/** Records a new pairwise evaluation (no answers yet) in a run. */
export function createPairwiseEvaluation(
  store: Pick<Store, 'evaluations'>,
  where: { workspaceId: Id; runId: Id },
  setup: PairwiseSetup,
  id?: Id,
): Promise<Evaluation> {
  const evaluationId = id ?? newId();
  return store.evaluations.add({
    id: evaluationId,
    ...where,
    setup,
    stage: evaluateStageName(evaluationId),
    results: {
      kind: 'pairwise',
      model: setup.modelA.label ?? setup.modelA.role,
      baseline: setup.modelB.label ?? setup.modelB.role,
      judge: setup.judge.label ?? setup.judge.role,
      ...emptyPairwise(),
    },
  });
}

/**
 * Runs or resumes the evaluation's stage, then stores its summary (also after a pause or
 * cancel: the results then cover the prompts answered so far, `n` says how many).
 */
export async function runPairwiseEvaluation(
  store: EvaluateStore,
  evaluation: Evaluation,
  models: PairwiseModels,
  opts: RunStageOptions = {},
): Promise<{ outcome: StageOutcome; evaluation: Evaluation }> {
  const outcome = await runMethodStage(
    store,
    models.judge.engine,
    evaluation.runId!,
    evaluateStage(evaluation, models),
    evaluateLineage(evaluation, models),
    opts,
  );
  return { outcome, evaluation: await refreshEvaluation(store, evaluation) };
}

/** Recomputes and stores an evaluation's summary from its answers. */
export async function refreshEvaluation(
  store: Pick<Store, 'evaluations' | 'evalAnswers'>,
  evaluation: Evaluation,
): Promise<Evaluation> {
  return store.evaluations.setResults(evaluation.id, await summarizeEvaluation(store, evaluation));
}
