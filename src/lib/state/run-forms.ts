// The Augment and Curate screens' forms (paper §2.2-§2.3, §3.1 defaults: nucleus sampling
// T = 0.7, p = 0.9; keep score ≥ k = 5), and the fast-mode prompt variant in words.
import { DEFAULT_AUGMENT_SAMPLING, type AugmentWay } from '../pipeline/augment-stage';
import { DEFAULT_CURATE_SAMPLING } from '../pipeline/curate-stage';
import { FAST_RATING_PREFIX, SCORE_ONLY_INSTRUCTION } from '../method/prompts';
import type { RatingMode } from '../domain';

export interface AugmentForm {
  way: AugmentWay;
  /** Instruct way: how many seed pairs to show (0 = zero-shot). */
  shots: number;
  temperature: number;
  topP: number;
  maxTokens: number;
  seed: number;
  batchSize: number;
  /** Only the first N kept segments (0 = all): a sample to try the model on first. */
  limit: number;
}

export interface CurateForm {
  iteration: number;
  mode: RatingMode;
  /** Paper mode keeps score ≥ k (main setting k = 5). */
  k: number;
  /** Fast mode keeps by expected score or by P(5), at least `fastAtLeast`. */
  fastBy: 'expected' | 'p5';
  fastAtLeast: number;
  temperature: number;
  maxTokens: number;
  batchSize: number;
}

export const defaultAugmentForm = (): AugmentForm => ({
  way: 'backward-adapter',
  shots: 3,
  temperature: DEFAULT_AUGMENT_SAMPLING.temperature,
  topP: DEFAULT_AUGMENT_SAMPLING.topP,
  maxTokens: DEFAULT_AUGMENT_SAMPLING.maxTokens,
  seed: DEFAULT_AUGMENT_SAMPLING.seed,
  batchSize: 8,
  limit: 0,
});

export const defaultCurateForm = (): CurateForm => ({
  iteration: 1,
  mode: 'paper',
  k: 5,
  fastBy: 'expected',
  fastAtLeast: 4.5,
  temperature: DEFAULT_CURATE_SAMPLING.temperature,
  maxTokens: DEFAULT_CURATE_SAMPLING.maxTokens,
  batchSize: 8,
});

/** The fast-mode prompt variant, in words, for the Curate screen. */
export const FAST_MODE_VARIANT =
  `The paper's rating prompt, verbatim, as the user turn; the assistant turn starts with ` +
  `"${FAST_RATING_PREFIX}" and the probabilities of "1".."5" as the next text are read in one ` +
  `forward pass. No reasoning is written, unlike the paper, which asks for reasoning first. ` +
  `On web-llm, which cannot start the assistant turn, the prompt ends with one more sentence ` +
  `instead ("${SCORE_ONLY_INSTRUCTION}") and the reply's first token is read.`;
