// Runs of the method (method.md §1: seed → M_yx → augment → curate/train iterations → eval)
// and what they produce: candidates, checkpoints and evaluations. A run's config records,
// for every stage, which model, adapter, engine, prompt version and sampling settings
// produced its output (lineage), so a run can be reproduced and its results explained.
import type { CheckpointMeta } from './training';
import type { Id } from './corpus';
import type { EngineKind } from './models';

export type StageName =
  | 'train-backward'
  | 'augment'
  | 'train-m0'
  | 'curate'
  | 'train-m1'
  | 'recurate'
  | 'train-m2'
  | 'evaluate';

export interface StageState {
  /** 'paused' and 'cancelled' both keep what was committed; either continues after `cursor`. */
  status: 'pending' | 'running' | 'paused' | 'done' | 'failed' | 'cancelled';
  /** Items committed so far, failed ones included. */
  done: number;
  total: number | null;
  startedAt?: number;
  finishedAt?: number;
  error?: string;
  /** Id of the last input item committed (pipeline/stage-runner.ts reads on after it). */
  cursor?: Id;
  /** Items whose processing failed (counted in `done`), and the first of them with messages. */
  failed?: number;
  failures?: { itemId: Id; message: string }[];
}

/** A model as a stage used it: hub id (or local name) and the revision/quantisation loaded. */
export interface ModelRef {
  id: string;
  revision?: string;
  /** Weight format as loaded (e.g. 'q4f16_1', 'fp16'). */
  dtype?: string;
}

/**
 * Decoding settings (method.md §3.1: nucleus sampling T = 0.7, p = 0.9 for generation;
 * curation scores often at a lower temperature). `seed` makes a sampled stage repeatable.
 */
export interface SamplingSettings {
  temperature?: number;
  topP?: number;
  topK?: number;
  maxNewTokens?: number;
  seed?: number;
}

/** The kinds of stage a run is made of; `iteration` tells repeated ones apart. */
export type StageKind = 'train-backward' | 'augment' | 'train' | 'curate' | 'evaluate';

/** Which model, adapter, engine, prompt version and sampling produced one stage's output. */
export interface StageLineage {
  kind: StageKind;
  /**
   * Self-curation iteration t (method.md §3: M_t rates and A^(t) trains M_t+1); 0 for the
   * stages before the first curation (train-backward, augment, train M0). Not capped at two.
   */
  iteration: number;
  /** The run's stage whose state this stage reports (Run.stages key), when it has one. */
  stage?: StageName;
  model?: ModelRef;
  /** The LoRA adapter applied on top of the model (a Checkpoint of kind 'adapter'). */
  adapterCheckpointId?: Id;
  engine?: EngineKind;
  /** Version of the prompt template (method/prompts.ts), so changed prompts are not mixed. */
  promptVersion?: string;
  sampling?: SamplingSettings;
}

/** The seed set a run starts from (method.md §2 "Seed"). */
export interface SeedSetRef {
  /** Seed pairs in the workspace when the run was configured. */
  count: number;
  /** Where they came from (file name or 'demo'). */
  source?: string;
}

/** The corpus as it was when the run was configured (kept segments are what augment reads). */
export interface CorpusSnapshot {
  keptSegments: number;
  documents: number;
  takenAt: number;
}

/** Everything needed to reproduce a run. Fields are optional while the stages are built. */
export interface RunConfig {
  /** Curation iterations (method.md §1: two in the main setting; any number ≥ 1). */
  iterations?: number;
  /** Quality threshold k: candidates scored ≥ k are kept (method.md §3, main setting k = 5). */
  threshold?: number;
  seeds?: SeedSetRef;
  corpus?: CorpusSnapshot;
  /** One entry per stage run, in order. */
  lineage?: StageLineage[];
}

export interface Run {
  id: Id;
  workspaceId: Id;
  name: string;
  createdAt: number;
  config: RunConfig;
  stages: Partial<Record<StageName, StageState>>;
}

export interface Candidate {
  id: Id;
  workspaceId: Id;
  runId: Id;
  segmentId: Id;
  instruction: string;
  /** Model that wrote the instruction (M_yx). */
  producedBy: string;
  /** 'augment' when written; curation fills the score fields per rater iteration. */
  stage: 'augment' | 'curate-1' | 'curate-2';
  score?: number | null;
  reasoning?: string;
  rawOutput?: string;
  scoredBy?: string;
  /** The user's keep/drop decision, which wins over the score. */
  override?: 'keep' | 'drop';
}

export interface Checkpoint {
  id: Id;
  workspaceId: Id;
  runId?: Id;
  kind: 'adapter' | 'optimizer' | 'model';
  name: string;
  step?: number;
  createdAt: number;
  /** What the trainer recorded: its request, base model, LoRA config and data (training.ts). */
  meta: CheckpointMeta;
  bytes: ArrayBuffer;
}

/** Win rate of model A over B on n prompts (method/win-rate.ts computes it; ties as half). */
export interface WinRate {
  /** Prompts judged. */
  n: number;
  /** Prompts A won, lost and tied overall (score above, below or at 0.5). */
  wins: number;
  losses: number;
  ties: number;
  /** Mean score of A in [0, 1] (ties as half). */
  rate: number;
  /** Standard error of the mean score; 0 with fewer than two prompts. */
  se: number;
}

/**
 * Pairwise comparison of two models' answers by a judge (method.md §8: win rate ± s.e.), each
 * prompt judged in both orders: a WinRate of `model` against `baseline`.
 */
export interface PairwiseResult extends WinRate {
  kind: 'pairwise';
  /** The model under test and the one it is compared with (ids or checkpoint names). */
  model: string;
  baseline: string;
  judge: string;
  /** Win rate at equal answer lengths (judges prefer longer answers), when computed. */
  lengthControlled?: { rate: number; lengthCoefficient: number };
}

/** Loss (and perplexity) of a model on held-out pairs. */
export interface HeldOutLossResult {
  kind: 'held-out-loss';
  model: string;
  examples: number;
  loss: number;
  perplexity: number;
}

export type EvaluationResult = PairwiseResult | HeldOutLossResult;
export type EvaluationKind = EvaluationResult['kind'];

export interface Evaluation {
  id: Id;
  workspaceId: Id;
  runId?: Id;
  createdAt: number;
  results: EvaluationResult;
}
