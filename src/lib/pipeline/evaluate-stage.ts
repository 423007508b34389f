// Pairwise evaluation as a resumable stage (issue 12 item 2; paper §3, method.md §8): for each
// prompt of the evaluation's frozen prompt list, model A and model B answer (optionally with a
// tagging sentence as system prompt, §2.3), then the judge compares the two answers in BOTH
// orders (method/judge.ts), so its position bias cancels. One record per prompt holds both
// answers and both verdicts; each batch's records commit with the stage cursor (stage-runner.ts),
// so a reload continues after the last committed prompt, repeating and losing nothing.
// The summary (win rate ± s.e., per category, lengths, length-controlled) is recomputed from
// the records (method/pairwise.ts) whenever it is asked for, so it is never out of step.
import type { ChatMessage, Engine } from '../engines/engine';
import { JUDGE_PROMPT_VERSION, judgePrompt, parseVerdict } from '../method/judge';
import { answerScore, judgmentOf, summarizePairwise } from '../method/pairwise';
import { INFERENCE_TAGS, SEED_TAG } from '../method/tagging';
import {
  evaluateStageName,
  type EvalAnswer,
  type EvalPrompt,
  type Evaluation,
  type PairwiseResult,
  type PairwiseSetup,
  type StageLineage,
} from '../domain';
import { evalAnswerId, type Store } from '../store';
import type { StageDefinition } from './stage-runner';
import { itemSeed, type MethodModel } from './method-model';

/** A compared model, loaded: its engine and what the stage records about it. */
export interface LoadedModel {
  engine: Engine;
  model: MethodModel;
}

export interface PairwiseModels {
  a: LoadedModel;
  b: LoadedModel;
  judge: LoadedModel;
}

export interface EvalItem {
  id: string;
  index: number;
  prompt: EvalPrompt;
}

/** Defaults: the paper's generation sampling (§3.1: T = 0.7, p = 0.9); the judge decodes greedily. */
export const DEFAULT_PAIRWISE_SAMPLING = {
  temperature: 0.7,
  topP: 0.9,
  maxTokens: 256,
  judgeMaxTokens: 256,
  seed: 1,
  batchSize: 4,
} as const;

/** The system sentence for each tagging choice (method/tagging.ts). */
export function taggingSentence(tagging: PairwiseSetup['tagging']): string | null {
  return tagging === 'seed' ? SEED_TAG : tagging === 'both' ? INFERENCE_TAGS : null;
}

export function answerMessages(prompt: string, tagging: PairwiseSetup['tagging']): ChatMessage[] {
  const tag = taggingSentence(tagging);
  return [
    ...(tag ? [{ role: 'system' as const, content: tag }] : []),
    { role: 'user', content: prompt },
  ];
}

export function evaluateLineage(evaluation: Evaluation, models: PairwiseModels): StageLineage {
  const setup = evaluation.setup!;
  return {
    kind: 'evaluate',
    iteration: 0,
    stage: evaluateStageName(evaluation.id),
    ...models.judge.model.lineage,
    promptVersion: JUDGE_PROMPT_VERSION,
    sampling: {
      temperature: setup.temperature,
      topP: setup.topP,
      maxNewTokens: setup.maxTokens,
      seed: setup.seed,
    },
    settings: {
      evaluationId: evaluation.id,
      modelA: models.a.model.label,
      modelB: models.b.model.label,
      judge: models.judge.model.label,
      tagging: setup.tagging,
      // The judge decodes greedily (temperature 0) with this budget, in both orders.
      judgeMaxTokens: setup.judgeMaxTokens,
      prompts: setup.prompts.length,
    },
  };
}

/** The stage over an evaluation created with its setup (Evaluation.setup). */
export function evaluateStage(
  evaluation: Evaluation,
  models: PairwiseModels,
): StageDefinition<EvalItem, EvalAnswer> {
  const setup = evaluation.setup;
  if (!setup || !evaluation.runId)
    throw new Error(`Evaluation ${evaluation.id} has no setup or run`);
  const runId = evaluation.runId;
  const items = setup.prompts.map((prompt, index): EvalItem => ({
    id: evalAnswerId(evaluation.id, index),
    index,
    prompt,
  }));
  const answer = async (m: LoadedModel, batch: EvalItem[], signal: AbortSignal) =>
    m.engine.generateBatch(
      batch.map((it) => ({
        prompt: answerMessages(it.prompt.text, setup.tagging),
        temperature: setup.temperature,
        topP: setup.topP,
        maxTokens: setup.maxTokens,
        seed: itemSeed(setup.seed, String(it.index)),
        ...(m.model.adapterId ? { adapterId: m.model.adapterId } : {}),
      })),
      { signal },
    );
  return {
    stage: evaluateStageName(evaluation.id),
    batchSize: setup.batchSize,
    async listAfter(after, limit) {
      const found = after === undefined ? -1 : items.findIndex((it) => it.id === after);
      // The prompt list is frozen at start; a cursor outside it would restart from the top.
      if (after !== undefined && found < 0)
        throw new Error(`Evaluation ${evaluation.id}: cursor ${after} is not one of its prompts`);
      const start = found + 1;
      return items.slice(start, start + limit);
    },
    countAll: async () => items.length,
    async process(batch, { signal }) {
      // A's answers, then B's, then the judge: one model at a time, as each batch allows.
      const answersA = await answer(models.a, batch, signal);
      const answersB = await answer(models.b, batch, signal);
      const judge = models.judge;
      const verdicts = await judge.engine.generateBatch(
        batch.flatMap((it, i) =>
          [
            judgePrompt(it.prompt.text, answersA[i].text, answersB[i].text),
            judgePrompt(it.prompt.text, answersB[i].text, answersA[i].text),
          ].map((content) => ({
            prompt: [{ role: 'user' as const, content }],
            temperature: 0,
            topP: 1,
            maxTokens: setup.judgeMaxTokens,
            seed: itemSeed(setup.seed, String(it.index)),
            ...(judge.model.adapterId ? { adapterId: judge.model.adapterId } : {}),
          })),
        ),
        { signal },
      );
      return batch.map((it, i): EvalAnswer => {
        const [vA, vB] = [verdicts[2 * i], verdicts[2 * i + 1]];
        const aFirst = judgmentOf(
          parseVerdict(vA.text, vA.finishReason),
          true,
          vA.text,
          vA.finishReason,
        );
        const bFirst = judgmentOf(
          parseVerdict(vB.text, vB.finishReason),
          false,
          vB.text,
          vB.finishReason,
        );
        return {
          id: it.id,
          evaluationId: evaluation.id,
          workspaceId: evaluation.workspaceId,
          runId,
          index: it.index,
          prompt: it.prompt.text,
          ...(it.prompt.category ? { category: it.prompt.category } : {}),
          answerA: answersA[i].text,
          answerB: answersB[i].text,
          aFirst,
          bFirst,
          score: answerScore(aFirst.verdict, bFirst.verdict),
        };
      });
    },
    writes: (results) => ({ evalAnswers: results.map((r) => r.result) }),
  };
}

/** An evaluation's summary from its answers so far, as a PairwiseResult. */
export async function summarizeEvaluation(
  store: Pick<Store, 'evalAnswers'>,
  evaluation: Evaluation,
): Promise<PairwiseResult> {
  const answers = await store.evalAnswers.list(evaluation.id);
  const s = evaluation.setup!;
  const { byCategory, meanLength, lengthControlled, unjudged, failures, ...rate } =
    summarizePairwise(answers);
  return {
    kind: 'pairwise',
    model: s.modelA.label ?? s.modelA.role,
    baseline: s.modelB.label ?? s.modelB.role,
    judge: s.judge.label ?? s.judge.role,
    ...rate,
    byCategory,
    meanLength,
    ...(lengthControlled ? { lengthControlled } : {}),
    unjudged,
    failures,
  };
}
