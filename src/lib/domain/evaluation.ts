// Pairwise evaluation (issue 12 items 1-2; paper §3, method.md §8): prompt sets, the answers
// two models give to each prompt and the judge's verdicts in both orders. The summary of an
// evaluation is a PairwiseResult (runs.ts), recomputed from these records.
import type { ModelRole } from './models';

/** One prompt of a prompt set; `category` groups the per-category breakdown. */
export interface EvalPrompt {
  text: string;
  category?: string;
}

/** A named list of prompts in a workspace (imported, or the embedded starter set). */
export interface PromptSet {
  id: string;
  workspaceId: string;
  name: string;
  /** File name it was imported from, or 'embedded'. */
  source: string;
  prompts: EvalPrompt[];
  createdAt: number;
}

/** Which side won in one order of presentation, in terms of the compared models. */
export type PairwiseVerdict = 'a' | 'b' | 'tie';

/** Why a judge output gave no verdict (method/judge.ts JudgeFailure, repeated: domain imports nothing). */
export type JudgeFailureReason = 'no-verdict' | 'several' | 'unknown-label' | 'truncated';

/** The judge's reading of one order: A's answer shown first (`aFirst`) or B's (`bFirst`). */
export interface Judgment {
  /** The verdict mapped back to models A and B; null when the output could not be read. */
  verdict: PairwiseVerdict | null;
  failure?: JudgeFailureReason;
  rawOutput: string;
  finishReason?: 'stop' | 'length' | 'abort';
}

/** Everything one prompt produced in an evaluation (store `evalAnswers`, one record per prompt). */
export interface EvalAnswer {
  /** `<evaluation id>.<6-digit prompt index>`: id order is prompt order. */
  id: string;
  evaluationId: string;
  workspaceId: string;
  runId: string;
  index: number;
  prompt: string;
  category?: string;
  answerA: string;
  answerB: string;
  aFirst: Judgment;
  bFirst: Judgment;
  /** A's score for the prompt in [0, 1] (mean over both orders); null unless both were read. */
  score: number | null;
}

/** A model compared in an evaluation: a role's model, optionally with a workspace adapter. */
export interface EvalModelChoice {
  role: ModelRole;
  /** A Checkpoint of kind 'adapter' applied on top; none for the base model. */
  adapterCheckpointId?: string;
  /** As shown: model id plus adapter name. */
  label?: string;
}

/** What an evaluation was asked to do; frozen at start so a resume does the same. */
export interface PairwiseSetup {
  promptSetId: string;
  promptSetName: string;
  prompts: EvalPrompt[];
  modelA: EvalModelChoice;
  modelB: EvalModelChoice;
  judge: EvalModelChoice;
  /**
   * The tagging sentence as system prompt at inference (§2.3, v1 Table 8): none, S_a, or
   * {S_a, S_w} concatenated (the paper's best setting).
   */
  tagging: 'none' | 'seed' | 'both';
  temperature: number;
  topP: number;
  maxTokens: number;
  judgeMaxTokens: number;
  seed: number;
  batchSize: number;
}
