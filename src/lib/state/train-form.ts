// The Train step's form (method.md §6 hyper-parameters): its fields, defaults and the trainer
// options it maps to. Kept apart from the state class (train.svelte.ts), which runs the jobs.
import type { TrainingCuration } from '../domain';
import type { LoraModule } from '../engines/onnx/llama-graph';
import type { TrainMode } from '../train/data';
import type { TrainDevice } from '../train/train-protocol';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from '../train/trainer';

export const ALL_MODULES: readonly LoraModule[] = [
  'q_proj',
  'k_proj',
  'v_proj',
  'o_proj',
  'gate_proj',
  'up_proj',
  'down_proj',
];

export interface TrainForm {
  modelSource: 'hf' | 'local';
  modelId: string;
  /**
   * Local source: the name of a copy kept in the model cache (hf/local-cache.ts) to train on
   * without picking its folder; '' = the folder picked.
   */
  localKept: string;
  /**
   * Hugging Face access token for gated models. Held in this form only (memory of this tab):
   * never written to IndexedDB or a checkpoint, and sent only to the Hub with the download.
   */
  accessToken: string;
  mode: TrainMode;
  /** The run to train from: seed+curated reads its A_k^(t); any mode attaches its adapter. */
  runId: string;
  k: number;
  /** seed+curated: A^(t) of iteration t (1 → trains M1, 2 → M2) rated in `curationMode`. */
  iteration: number;
  curationMode: 'paper' | 'fast';
  /** Fast mode: keep pairs whose expected score is at least this. */
  fastAtLeast: number;
  rank: number;
  alpha: number;
  /** rsLoRA scale alpha/√r instead of alpha/r (PEFT use_rslora). */
  useRslora: boolean;
  dropout: number;
  targets: LoraModule[];
  lr: number;
  warmupSteps: number;
  steps: number;
  batch: number;
  accumulation: number;
  evalEvery: number;
  checkpointEvery: number;
  maxLength: number;
  seed: number;
  device: TrainDevice;
}

export function defaultTrainForm(): TrainForm {
  const d = DEFAULT_TRAIN_OPTIONS;
  return {
    modelSource: 'hf',
    modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
    localKept: '',
    accessToken: '',
    mode: 'seed',
    runId: '',
    k: 5,
    iteration: 1,
    curationMode: 'paper',
    fastAtLeast: 4.5,
    rank: d.lora.rank,
    alpha: d.lora.alpha,
    useRslora: d.lora.useRslora ?? false,
    // 0, not the paper's 0.1 (DEFAULT_TRAIN_OPTIONS): LoRA dropout masks are generated in JS
    // (exact resume) and fed as [B·T, in] f32 inputs per adapted module — for a 135M model at
    // 4×256 tokens that is ~600 MB per micro-batch. Opt in on small models.
    dropout: 0,
    targets: [...ALL_MODULES],
    lr: d.schedule.peakLr,
    warmupSteps: d.schedule.warmupSteps,
    steps: d.maxSteps,
    batch: d.batch,
    accumulation: d.accumulation,
    evalEvery: d.evalEvery,
    checkpointEvery: d.checkpointEvery,
    maxLength: 256,
    seed: d.seed,
    device: 'webgpu',
  };
}

export const MODE_NAMES: Record<TrainMode, string> = {
  backward: 'M_yx (backward)',
  seed: 'M0 (seed)',
  'seed+curated': 'M1/M2 (seed + curated)',
};

export function optionsFromForm(f: TrainForm): TrainOptions {
  const d = DEFAULT_TRAIN_OPTIONS;
  return {
    ...d,
    seed: f.seed,
    lora: {
      rank: f.rank,
      alpha: f.alpha,
      useRslora: f.useRslora,
      dropout: f.dropout,
      targetModules: [...f.targets],
    },
    batch: f.batch,
    accumulation: f.accumulation,
    maxSteps: f.steps,
    // cosine to 10 % of the peak (schedule.ts explains the LoRA default)
    schedule: { ...d.schedule, peakLr: f.lr, minLr: f.lr / 10, warmupSteps: f.warmupSteps },
    evalEvery: f.evalEvery,
    checkpointEvery: f.checkpointEvery,
  };
}

/** Which curated set A_k^(t) the form trains on (§3): the Train step and the sweep's arms alike. */
export function curationFromForm(f: TrainForm): TrainingCuration {
  return {
    iteration: f.iteration,
    mode: f.curationMode,
    ...(f.curationMode === 'fast'
      ? { fast: { by: 'expected' as const, atLeast: f.fastAtLeast } }
      : {}),
  };
}
