// What a training checkpoint records in the store (Checkpoint.meta), as plain JSON: the
// trainer's counters and loss history (train/checkpoint.ts writes them) and the run's request,
// base model, model config and data fingerprint (train/train-service.ts), enough to resume a
// run exactly and to export its adapter. Types only; readers narrow with
// isTrainingCheckpointMeta (train/checkpoint.ts), since IndexedDB may hold records written by
// older versions. Type aliases, not interfaces, so the records stay assignable to plain JSON
// object types (Record<string, unknown>).

/** The format tag of the current training checkpoints. */
export type TrainingCheckpointFormat = 'humpback-train-state/1';

/** Which training mode made the checkpoint (method.md §1-§3: backward M_yx, seed M0, M1/M2). */
export type TrainingMode = 'seed' | 'seed+curated' | 'backward';

/** Which curated set A^(t) a seed+curated run trains on (M_t, §3: t = 1 → M1, t = 2 → M2). */
export type TrainingCuration = {
  iteration: number;
  mode: 'paper' | 'fast';
  /** Fast mode: keep by expected score (or P(5)) at least this. */
  fast?: { by: 'expected' | 'p5'; atLeast: number };
};

/** The base model a run trained on. Never the access token. */
export type BaseModelRecord = {
  source: 'hf' | 'local';
  /** Hub repo id, or the local folder's name (its files must be picked again to resume). */
  id: string;
  revision?: string;
};

/**
 * The start request as recorded, without the model (see BaseModelRecord). `Options` is the
 * trainer's TrainOptions (train/trainer.ts); it stays a parameter so this file imports nothing.
 */
export type TrainingRequestRecord<Options = Record<string, unknown>> = {
  workspaceId: string;
  name: string;
  mode: TrainingMode;
  runId?: string;
  k?: number;
  /** 'seed+curated': which ratings select A_k^(t) (iteration t, mode, fast-mode threshold). */
  curation?: TrainingCuration;
  /** Only N augmented pairs drawn with a seed (data-scaling sweep; train/data.ts PairSample). */
  sample?: { n: number; from: 'curated' | 'all'; seed: number };
  /** Trained without the S_a / S_w sentences (tagging ablation). */
  untagged?: boolean;
  maxLength: number;
  evalFraction: number;
  device: 'webgpu' | 'wasm';
  options: Options;
};

/** What train-service adds to every checkpoint of a run. */
export type TrainingMeta<Options = Record<string, unknown>> = {
  trainingId: string;
  request: TrainingRequestRecord<Options>;
  baseModel: BaseModelRecord;
  /** The base model's config.json: resume refuses another base. */
  modelConfig: Record<string, unknown>;
  /** Hash of the tokenized train/eval examples: resume refuses changed data. */
  dataFingerprint: string;
  /**
   * Set on a PEFT adapter imported from elsewhere (not trained here): the folder it came
   * from. Such a checkpoint has no optimizer history, so it cannot be resumed.
   */
  imported?: { folder: string };
};

/** One point of the loss curves. */
export type MetricPointRecord = {
  kind: 'train' | 'eval';
  /** Optimizer steps completed when measured (train: after this step's update). */
  step: number;
  loss: number;
  lr?: number;
  gradNorm?: number;
  /** Real (non-padding) tokens processed in the step, and their rate. */
  tokens?: number;
  tokensPerSecond?: number;
};

/** The trainer's counters (train/checkpoint.ts encodeTrainingState). */
export type TrainingStateMeta = {
  format: TrainingCheckpointFormat;
  step: number;
  cursor: { epoch: number; index: number };
  history: MetricPointRecord[];
  bestEvalLoss: number | null;
};

/** A current training checkpoint's meta. */
export type TrainingCheckpointMeta<Options = Record<string, unknown>> = TrainingStateMeta &
  TrainingMeta<Options>;

/**
 * Checkpoint.meta as stored: a training checkpoint's meta, or JSON from an older version or
 * another writer, which readers must narrow before use.
 */
export type CheckpointMeta = TrainingCheckpointMeta | { readonly [key: string]: unknown };
