// The training worker's API (style.md §3.1: one map, payload tied to method). Cancellation is
// the caller's AbortSignal (RpcClient sends `cancel`; the trainer stops at the next
// micro-batch with CancelledError and the last checkpoint stays in the store).
import type { AdapterSpec } from '../engines/engine';
import type { CheckpointInfo } from '../store/artifacts-repo';
import type { MetricPoint } from './checkpoint';
import type { PairSample, TokenizeStats, TrainMode } from './data';
import type { TrainOptions } from './trainer';
import type { TrainingCuration } from '../domain';

/**
 * A Hugging Face repo id (with an access token for gated repos, never stored), or a local
 * folder the user picked (File objects clone to workers); a local model without files is the
 * copy kept in the model cache when it was last loaded from its folder (hf/local-cache.ts).
 */
export type BaseModelChoice =
  | { source: 'hf'; id: string; revision?: string; accessToken?: string }
  | { source: 'local'; id: string; files?: File[] };

export type TrainDevice = 'webgpu' | 'wasm';

export interface StartTrainingRequest {
  workspaceId: string;
  /** Shown in checkpoint names ("M0", "M_yx", ...). */
  name: string;
  model: BaseModelChoice;
  mode: TrainMode;
  /** 'seed+curated': the augmentation run whose candidates are selected, and the threshold k. */
  runId?: string;
  k?: number;
  /** 'seed+curated': which ratings select A_k^(t); default iteration 1, paper mode. */
  curation?: TrainingCuration;
  /** 'seed+curated': only N augmented pairs, seeded (the data-scaling sweep, data.ts PairSample). */
  sample?: PairSample;
  /** Leave out the S_a / S_w sentences (the tagging ablation). */
  untagged?: boolean;
  /** Longest example in tokens (longer ones are truncated and counted). */
  maxLength: number;
  /** Held-out share for the eval loss (method: deterministic by seed). */
  evalFraction: number;
  device: TrainDevice;
  options: TrainOptions;
}

export interface ResumeTrainingRequest {
  checkpointId: string;
  /**
   * The run resumes on the base model its checkpoint recorded: for a Hub model only this
   * choice's access token is used; a local folder must be picked again (same folder name) or
   * its kept copy named, and its config is checked against the checkpoint's.
   */
  model: BaseModelChoice;
  device: TrainDevice;
  /** Optionally train further than the original maxSteps. */
  maxSteps?: number;
}

export interface TrainingDataSummary extends TokenizeStats {
  trainExamples: number;
  evalExamples: number;
  buckets: number[];
  microBatchesPerEpoch: number;
}

export type TrainEvent =
  | {
      kind: 'data';
      summary: TrainingDataSummary;
      totalSteps: number;
      startStep: number;
      /** Where the graphs run ('webgpu' falls back to 'wasm' without a GPU adapter). */
      device: TrainDevice;
      /** The curve so far (a resumed run's history up to its checkpoint). */
      history: MetricPoint[];
    }
  | { kind: 'metric'; point: MetricPoint }
  | { kind: 'checkpoint'; info: CheckpointInfo };

export interface TrainResponse {
  trainingId: string;
  step: number;
  stoppedBy: 'max-steps' | 'max-epochs';
  history: MetricPoint[];
}

export interface AdapterDownload {
  fileName: string;
  /** A zip with adapter_config.json + adapter_model.safetensors (PEFT layout). */
  zip: Uint8Array;
}

export type TrainRpc = {
  start: { req: StartTrainingRequest; res: TrainResponse; event: TrainEvent };
  resume: { req: ResumeTrainingRequest; res: TrainResponse; event: TrainEvent };
  /** Runs of the workspace (augmentation runs whose curated candidates M1/M2 train on). */
  listRuns: { req: { workspaceId: string }; res: { id: string; name: string }[] };
  listCheckpoints: { req: { workspaceId: string }; res: CheckpointInfo[] };
  deleteCheckpoint: { req: { checkpointId: string }; res: void };
  exportAdapter: { req: { checkpointId: string }; res: AdapterDownload };
  /** A PEFT adapter made elsewhere → an adapter checkpoint of the workspace (adapter-import.ts). */
  importAdapter: { req: ImportAdapterRequest; res: CheckpointInfo };
};

export interface ImportAdapterRequest {
  workspaceId: string;
  /** The picked folder's name (or the config file's parent), shown as the adapter's data. */
  folderName: string;
  /** adapter_config.json and adapter_model.safetensors by file name (others are ignored). */
  files: Record<string, Uint8Array>;
  /**
   * The base to check against; default: the config's base_model_name_or_path on the Hub (the
   * Train state names the kept local copy instead when one has that name).
   */
  model?: BaseModelChoice;
  /** Hub access token for a gated base named by the config (memory only, never stored). */
  accessToken?: string;
}

/**
 * A checkpoint's LoRA as the Engine port's AdapterSpec (id: `adapterId`, default the
 * checkpoint id), so a stage can generate or curate with the model being trained (method.md
 * §1: M0 curates A^(1)) through engine.addAdapter. Served by the model worker next to TrainRpc.
 */
export type CheckpointAdapterRpc = {
  checkpointAdapter: { req: { checkpointId: string; adapterId?: string }; res: AdapterSpec };
};
