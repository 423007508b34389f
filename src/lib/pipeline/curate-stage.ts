// Self-curation (§2.3) as a resumable stage: the rater of iteration t (M0 for t = 1, M_{t-1}
// after; the rater role's model and adapter) rates every usable candidate, in id order, and
// each verdict is APPENDED to the candidate's ratings (earlier iterations stay: A_k^(t) is a
// query over ratings, never a copy). Two modes:
//  - paper: the paper's rating prompt verbatim as the user turn, through the model's chat
//    template; the model writes reasoning and "Score: n"; method/scores.ts parseScore reads it
//    and every failure is kept as a rating with its reason (an unparsable output never stops
//    the run);
//  - fast: one scoring pass (Engine.score) after the assistant prefix "Score:" over the
//    continuations "1".."5" (method/prompts.ts FAST_RATING_PREFIX: a stated variant that rates
//    without reasoning); the distribution and its expected value are stored. An engine that
//    cannot prefill the assistant turn (web-llm) gets the score-only variant instead: the same
//    prompt plus one sentence asking for the digit alone, scored on the reply's first token.
import { InputError } from '../protocol/errors';
import type { ChatMessage } from '../engines/engine';
import {
  FAST_RATING_CONTINUATIONS,
  FAST_RATING_PREFIX,
  PROMPT_VERSIONS,
  ratingPrompt,
  scoreOnlyRatingPrompt,
} from '../method/prompts';
import { expectedScore, parseScore } from '../method/scores';
import {
  curateStageName,
  type Candidate,
  type Id,
  type Rating,
  type RatingMode,
  type StageLineage,
} from '../domain';
import type { StageDefinition } from './stage-runner';
import { itemSeed, type MethodModel, type StageSampling } from './method-model';

export interface CurateSettings {
  iteration: number;
  mode: RatingMode;
  /** Paper mode's decoding (reasoning budget in maxTokens); fast mode decodes nothing. */
  sampling: StageSampling;
  batchSize: number;
  /**
   * Fast mode's prompt: the paper's prompt with the assistant turn prefilled "Score:", or the
   * score-only variant. Unset: the prefix, except on web-llm, which cannot prefill it.
   */
  fastPrompt?: FastPrompt;
}

export type FastPrompt = 'assistant-prefix' | 'score-only';

/** The fast-mode prompt this stage uses on this model's engine. */
export function fastPromptOf(model: MethodModel, settings: CurateSettings): FastPrompt {
  if (settings.fastPrompt) return settings.fastPrompt;
  return model.lineage.engine === 'web-llm' ? 'score-only' : 'assistant-prefix';
}

/**
 * Paper mode decodes greedily by default (the paper does not state the rating temperature;
 * greedy makes a rerun give the same rating), with room for a short reasoning.
 */
export const DEFAULT_CURATE_SAMPLING: StageSampling = {
  temperature: 0,
  topP: 1,
  maxTokens: 256,
  seed: 1,
};

/** Fields of an engine request whose refusal concerns every item, not one candidate. */
const REQUEST_FIELDS = new Set(['assistantPrefix', 'topK', 'continuations', 'adapterId']);

export function ratingMessages(c: Pick<Candidate, 'instruction' | 'output'>): ChatMessage[] {
  return [{ role: 'user', content: ratingPrompt(c.instruction, c.output) }];
}

export function curateLineage(model: MethodModel, settings: CurateSettings): StageLineage {
  const { temperature, topP, maxTokens, seed } = settings.sampling;
  return {
    kind: 'curate',
    iteration: settings.iteration,
    stage: curateStageName(settings.iteration, settings.mode),
    ...model.lineage,
    promptVersion:
      settings.mode === 'paper'
        ? PROMPT_VERSIONS.rating
        : fastPromptOf(model, settings) === 'score-only'
          ? PROMPT_VERSIONS.fastRatingScoreOnly
          : PROMPT_VERSIONS.fastRating,
    ...(settings.mode === 'paper'
      ? { sampling: { temperature, topP, maxNewTokens: maxTokens, seed } }
      : {}),
    settings: { ...settings },
  };
}

/** The store reads curation needs (src/lib/store satisfies it). */
export interface CurateStore {
  candidates: {
    usablePage(runId: Id, limit: number, after?: Id): Promise<{ items: Candidate[] }>;
    countUsable(runId: Id): Promise<number>;
  };
}

export function curateStage(
  store: CurateStore,
  runId: Id,
  model: MethodModel,
  settings: CurateSettings,
  now: () => number = Date.now,
): StageDefinition<Candidate, Rating> {
  const base = { rater: model.label, iteration: settings.iteration, mode: settings.mode };
  return {
    stage: curateStageName(settings.iteration, settings.mode),
    batchSize: settings.batchSize,
    listAfter: async (after, limit) =>
      (await store.candidates.usablePage(runId, limit, after)).items,
    countAll: () => store.candidates.countUsable(runId),
    async process(items, { engine, signal }) {
      const adapter = model.adapterId ? { adapterId: model.adapterId } : {};
      if (settings.mode === 'fast') {
        const scoreOnly = fastPromptOf(model, settings) === 'score-only';
        const { logprobs } = await engine.score(
          {
            prompts: items.map((c) =>
              scoreOnly
                ? [{ role: 'user', content: scoreOnlyRatingPrompt(c.instruction, c.output) }]
                : ratingMessages(c),
            ),
            continuations: [...FAST_RATING_CONTINUATIONS],
            ...(scoreOnly ? {} : { assistantPrefix: FAST_RATING_PREFIX }),
            ...adapter,
          },
          { signal },
        );
        return logprobs.map((lp): Rating => {
          const { expected, argmax, probs } = expectedScore(lp);
          return { ...base, score: argmax, distribution: probs, expected, ratedAt: now() };
        });
      }
      const { temperature, topP, maxTokens, seed } = settings.sampling;
      const results = await engine.generateBatch(
        items.map((c) => ({
          prompt: ratingMessages(c),
          temperature,
          topP,
          maxTokens,
          seed: itemSeed(seed, c.id),
          ...adapter,
        })),
        { signal },
      );
      return results.map((r): Rating => {
        const parsed = parseScore(r.text, r.finishReason);
        const common = { ...base, rawOutput: r.text, finishReason: r.finishReason, ratedAt: now() };
        return parsed.ok
          ? { ...common, score: parsed.score, reasoning: parsed.reasoning }
          : { ...common, score: null, failure: parsed.reason };
      });
    },
    writes: (results) => ({
      ratings: results.map(({ item, result }) => ({ candidateId: item.id, rating: result })),
    }),
    // An engine that refuses the request's shape (web-llm cannot prefill the assistant turn
    // that fast mode needs) refuses every item alike: that stops the stage with its message
    // instead of failing each candidate one by one.
    isItemError: (err) => err instanceof InputError && !REQUEST_FIELDS.has(err.field ?? ''),
  };
}
