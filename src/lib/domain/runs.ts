// Runs of the method (method.md §1: seed → M_yx → augment → curate/train iterations → eval)
// and what they produce: candidates, checkpoints and evaluations. A run's config records,
// for every stage, which model, adapter, engine, prompt version and sampling settings
// produced its output (lineage), so a run can be reproduced and its results explained.
import type { CheckpointMeta } from './training';
import type { Id } from './corpus';
import type { EngineKind } from './models';
import type { PairwiseSetup } from './evaluation';

export type StageName =
  | 'train-backward'
  | 'augment'
  | 'train-m0'
  | 'curate'
  | 'train-m1'
  | 'recurate'
  | 'train-m2'
  | 'evaluate'
  | CurateStageName
  | EvaluateStageName;

/** One pairwise evaluation's stage (issue 12): each evaluation has its own cursor. */
export type EvaluateStageName = `evaluate-${string}`;

export function evaluateStageName(evaluationId: string): EvaluateStageName {
  return `evaluate-${evaluationId}`;
}

/**
 * Self-curation of iteration t in one mode (M_{t-1} rates every candidate for A^(t)): its own
 * state and cursor, so iterations are not capped and fast and paper mode can both run.
 */
export type CurateStageName = `curate-${number}-${'paper' | 'fast'}`;

export function curateStageName(iteration: number, mode: 'paper' | 'fast'): CurateStageName {
  return `curate-${iteration}-${mode}`;
}

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
  /**
   * The stage's own settings as it started (pipeline AugmentSettings / CurateSettings), so a
   * resume after a reload continues with exactly these, whatever the form says now.
   */
  settings?: { [key: string]: unknown };
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

/** How a rater scored a pair (§2.3): 'paper' decodes reasoning + "Score: n"; 'fast' reads P(1..5). */
export type RatingMode = 'paper' | 'fast';

/** Why a paper-mode output gave no score (method/scores.ts ScoreFailure, repeated: domain imports nothing). */
export type RatingFailure = 'no-score' | 'several' | 'out-of-range' | 'truncated';

/**
 * One verdict a candidate received. A candidate keeps every rating it ever got (issue 10 §6):
 * A_k^(1) stays visible after M1 re-rates for iteration 2.
 */
export interface Rating {
  /** The rater as a label: model id, plus "+adapter name" when an adapter was applied. */
  rater: string;
  /** Self-curation iteration t (M_{t-1} rates for A^(t)); 1 for M0's ratings. */
  iteration: number;
  mode: RatingMode;
  /**
   * Paper mode: the parsed 1–5 score, null when parsing failed (see `failure`). Fast mode: the
   * most probable rating (argmax of `distribution`), so both modes answer "rated s" queries.
   */
  score: number | null;
  /** Fast mode: P(rating = 1..5), renormalised over the five digits. */
  distribution?: number[];
  /** Fast mode: the expected rating Σ s·P(s). */
  expected?: number;
  reasoning?: string;
  rawOutput?: string;
  finishReason?: 'stop' | 'length' | 'abort';
  /** Paper mode: why no score could be read. */
  failure?: RatingFailure;
  ratedAt: number;
}

/**
 * A generated (instruction, output) pair. It carries its passage and provenance so review and
 * export need no join with the corpus.
 */
export interface Candidate {
  id: Id;
  workspaceId: Id;
  runId: Id;
  segmentId: Id;
  /** The segment's document and header path (provenance). */
  documentId: Id;
  headerPath: string[];
  /** The passage: the pair's output (§2.2; possibly truncated, see `truncated`). */
  output: string;
  /** What the backward model wrote, before cleaning (method/instructions.ts cleanInstruction). */
  rawInstruction: string;
  /** The cleaned instruction. */
  instruction: string;
  /** Why the instruction is unusable (method/instructions.ts InstructionIssue); unset when usable. */
  filterReason?: string;
  /**
   * The backward model saw only the start of the passage (its context is too short; the rule
   * is in pipeline/augment-stage.ts). `output` is still the whole passage.
   */
  truncated?: boolean;
  /** Model (and adapter) that wrote the instruction (M_yx). */
  producedBy: string;
  /** Every rating, oldest first. */
  ratings: Rating[];
  /** A person's correction (issue 11 §3), kept apart from the model's `ratings`; it wins over them. */
  override?: CandidateOverride;
}

/** A person's verdict on a candidate: accept keeps it whatever its score, reject drops it. */
export type Verdict = 'accept' | 'reject';

/**
 * A person's correction of one candidate. The model's instruction, passage and ratings stay
 * as they were; selection, training data and export read the edited text and the verdict from
 * here (method/selection.ts). An override with no field set is no override: clear it instead.
 */
export interface CandidateOverride {
  verdict?: Verdict;
  /** Replaces the candidate's instruction wherever the pair is used. */
  instruction?: string;
  /** Replaces the passage (the pair's output) wherever the pair is used. */
  output?: string;
  /** When the person last changed it (ms since epoch). */
  at: number;
}

/** The latest rating of a candidate for iteration t in mode m, if any. */
export function ratingFor(
  c: Pick<Candidate, 'ratings'>,
  iteration: number,
  mode: RatingMode,
): Rating | undefined {
  for (let i = c.ratings.length - 1; i >= 0; i--) {
    const r = c.ratings[i];
    if (r.iteration === iteration && r.mode === mode) return r;
  }
  return undefined;
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
  /** The same win rate per prompt category (prompts without one under 'other'). */
  byCategory?: ({ category: string } & WinRate)[];
  /** Mean answer length in characters of `model` (A) and `baseline` (B) over judged prompts. */
  meanLength?: { model: number; baseline: number };
  /** Prompts answered but not scored: a verdict of at least one order could not be read. */
  unjudged?: number;
  /** Unread verdicts (over both orders) by reason (method/judge.ts JudgeFailure). */
  failures?: Record<string, number>;
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
  /** Pairwise evaluations: what was asked (evaluation.ts), frozen at start for resume. */
  setup?: PairwiseSetup;
  /** The run stage that produces it (pairwise: evaluate-<id>, its answers in `evalAnswers`). */
  stage?: StageName;
}
