// The data-scaling sweep in miniature (issue 12 item 3; paper §3.3, method.md §8.2-8.3): one
// arm per (kind, N) trains an adapter on the seed plus N augmented pairs and evaluates it
// pairwise against a fixed reference. Kinds: the curve itself (N curated pairs from A_k), the
// curation ablation (N pairs drawn from every candidate, same seed) and the tagging ablation
// (no S_a / S_w at training, none at inference). The record is rewritten arm by arm, so a
// reload resumes at the first arm not done, reusing an adapter already trained and an
// evaluation already begun.
import type { EvalModelChoice, EvalPrompt, PairwiseSetup } from './evaluation';

export type SweepArmKind = 'curated' | 'uncurated' | 'untagged';

export type SweepArmStatus = 'pending' | 'trained' | 'evaluating' | 'done' | 'failed';

export interface SweepArm {
  /** `<kind>-<n>`: unique within a sweep. */
  key: string;
  kind: SweepArmKind;
  /** Augmented pairs added to the seed. */
  n: number;
  status: SweepArmStatus;
  /** The adapter this arm trained (its last checkpoint), once training finished. */
  adapterCheckpointId?: string;
  /** Its pairwise evaluation, from the moment it was created (a resume continues it). */
  evaluationId?: string;
  /** Win rate of the arm's adapter over the reference, in percent, with its standard error. */
  winRate?: number;
  se?: number;
  /** Prompts judged in both orders. */
  judged?: number;
  error?: string;
}

/** What every arm shares; frozen when the sweep is created. */
export interface SweepPlan<Train = Record<string, unknown>> {
  /** The augmentation run whose candidates are sampled. */
  runId: string;
  /** The N of the curve, ascending. */
  ns: number[];
  /** Seed of the pair sampling: the same for every arm, so N pairs are a prefix of 2N. */
  sampleSeed: number;
  /** The role whose base model the adapters apply to (it must be the base they train on). */
  candidateRole: EvalModelChoice['role'];
  /** The base model the adapters train on: a Hub id, or a local folder's name (its kept copy on resume). */
  baseLabel: string;
  baseSource: 'hf' | 'local';
  reference: EvalModelChoice;
  judge: EvalModelChoice;
  promptSetId: string;
  promptSetName: string;
  prompts: EvalPrompt[];
  /** Inference tagging of the tagged arms (the paper's best: {S_a, S_w}); untagged arms use none. */
  tagging: PairwiseSetup['tagging'];
  evaluation: Pick<
    PairwiseSetup,
    'temperature' | 'topP' | 'maxTokens' | 'judgeMaxTokens' | 'seed' | 'batchSize'
  >;
  /** The training request every arm starts from (train/train-protocol.ts, without the model). */
  train: Train;
}

export interface Sweep<Train = Record<string, unknown>> {
  id: string;
  workspaceId: string;
  runId: string;
  name: string;
  createdAt: number;
  plan: SweepPlan<Train>;
  arms: SweepArm[];
}
