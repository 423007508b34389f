// One training run in the training worker (issue 8; method.md §1 M_yx, M0, M_t): the base model
// from the shared model service, the mode's examples from the store (data.ts) tokenized, split
// and bucketed, the trainer with checkpoints to IndexedDB, and, for a training started from a
// run, its lineage. A resume passes the checkpoint's state and meta; the same base and the same
// data are required (config.json and the data fingerprint are compared).
import type { BaseModelRecord, TrainingMeta as TrainingMetaRecord } from '../domain/training';
import type { BaseModel, BaseModelRef, ModelService } from '../engines/model-service';
import { toFloat32, type F32Tensor } from '../engines/onnx/safetensors';
import type { GraphRunner } from '../engines/onnx/train-session';
import { InputError } from '../protocol/errors';
import type { CallContext } from '../protocol/server';
import type { Store } from '../store';
import { newId } from '../util/ids';
import { storeCheckpoints, type TrainingState } from './checkpoint';
import {
  bucketsFor,
  loadPairs,
  planEpoch,
  splitTrainEval,
  tokenizeExamples,
  type TrainExample,
} from './data';
import type {
  BaseModelChoice,
  StartTrainingRequest,
  TrainDevice,
  TrainEvent,
  TrainResponse,
} from './train-protocol';
import { plannedSteps, train, type TrainOptions } from './trainer';

export type TrainStore = Pick<Store, 'seeds' | 'candidates' | 'segments' | 'checkpoints' | 'runs'>;

export interface TrainBackendPort {
  readonly device: TrainDevice;
  createRunner(model: Uint8Array): Promise<GraphRunner>;
  release(): void;
}

/** What a checkpoint of this service records (domain/training.ts), with our TrainOptions. */
export type TrainingMeta = TrainingMetaRecord<TrainOptions>;

/** What a run needs: the store, the ORT side for one run, and the shared base models. */
export interface TrainRunDeps {
  store: () => Promise<TrainStore>;
  /**
   * The ORT side for one run: device + resident base weights (the worker passes
   * engines/onnx/train-backend.ts createTrainBackend).
   */
  createBackend(device: TrainDevice, weights: Map<string, F32Tensor>): Promise<TrainBackendPort>;
  /**
   * Base models. The model worker passes the service its engine uses, so a base trained on
   * and then curated with is loaded once.
   */
  models: ModelService;
}

/** Runs (or, with `resume`, continues) one training on `model`. */
export async function runTraining(
  deps: TrainRunDeps,
  req: StartTrainingRequest,
  model: BaseModelChoice,
  ctx: CallContext<TrainEvent>,
  resume?: { state: TrainingState; meta: TrainingMeta },
): Promise<TrainResponse> {
  const store = await deps.store();
  const loaded = await deps.models.load(baseRef(model), {
    signal: ctx.signal,
    onProgress: (p) => ctx.progress(p),
  });
  if (resume && JSON.stringify(loaded.configJson) !== JSON.stringify(resume.meta.modelConfig)) {
    throw new InputError(
      'This checkpoint was trained on a different base model (config.json differs)',
      {
        field: 'model',
      },
    );
  }
  // 1) data: pairs → chat-templated tokens → train/eval split → length buckets
  const pairs = await loadPairs(store, {
    workspaceId: req.workspaceId,
    mode: req.mode,
    runId: req.runId,
    k: req.k,
    ...(req.curation ? { curation: req.curation } : {}),
    ...(req.sample ? { sample: req.sample } : {}),
    ...(req.untagged ? { untagged: true } : {}),
  });
  if (!pairs.length)
    throw new InputError('No training pairs: import seed pairs first (Data step)', {
      field: 'seeds',
    });
  const { examples, stats } = tokenizeExamples(
    pairs,
    req.mode,
    loaded.tokenizer,
    loaded.template,
    req.maxLength,
    req.untagged,
  );
  const split = splitTrainEval(examples, req.evalFraction, req.options.seed);
  const fingerprint = dataFingerprint(split.train, split.eval);
  if (resume && resume.meta.dataFingerprint !== fingerprint) {
    throw new InputError(
      'The training data changed since this checkpoint (seeds or curated pairs differ), so the run cannot continue exactly; start a new run',
      { field: 'data' },
    );
  }
  const buckets = bucketsFor(req.maxLength);
  const perEpoch = planEpoch(
    split.train.map((e) => e.ids.length),
    buckets,
    req.options.batch,
    req.options.seed,
    0,
  ).length;
  // f32 copies for this run only: the service keeps the file bytes, not a second base.
  const weights = f32Weights(loaded);
  const backend = await deps.createBackend(req.device, weights);
  ctx.emit({
    kind: 'data',
    device: backend.device,
    summary: {
      ...stats,
      trainExamples: split.train.length,
      evalExamples: split.eval.length,
      buckets,
      microBatchesPerEpoch: perEpoch,
    },
    totalSteps: plannedSteps(req.options, perEpoch),
    startStep: resume?.state.step ?? 0,
    history: resume?.state.history ?? [],
  });

  // 2) train, checkpointing to IndexedDB
  const trainingId = resume?.meta.trainingId ?? newId();
  const { model: _files, ...request } = { ...req, model };
  const meta: TrainingMeta = {
    trainingId,
    request,
    baseModel: baseRecord(model),
    modelConfig: loaded.configJson,
    dataFingerprint: fingerprint,
  };
  let lastSaved: string | undefined;
  const result = await train({
    config: loaded.config,
    weights,
    train: split.train,
    eval: split.eval,
    buckets,
    padId: loaded.tokenizer.padId ?? 0,
    options: req.options,
    createRunner: (m) => backend.createRunner(m),
    resume: resume?.state,
    saveCheckpoint: storeCheckpoints(
      store.checkpoints,
      // Started from a run: its adapters belong to the run (deleting the run removes them).
      {
        workspaceId: req.workspaceId,
        ...(req.runId ? { runId: req.runId } : {}),
        name: req.name,
        meta: { ...meta },
      },
      (info) => {
        lastSaved = info.id;
        ctx.emit({ kind: 'checkpoint', info });
      },
    ),
    signal: ctx.signal,
    job: `train:${trainingId}`,
    onProgress: (p) => ctx.progress(p),
    onMetric: (point) => ctx.emit({ kind: 'metric', point }),
  }).finally(() => backend.release());
  if (req.runId && lastSaved) {
    const augmented = pairs.filter((p) => p.origin === 'augmented').length;
    const counts = { seed: pairs.length - augmented, augmented };
    await recordTrainLineage(store, req, model, lastSaved, trainingId, counts);
  }
  return {
    trainingId,
    step: result.state.step,
    stoppedBy: result.stoppedBy,
    history: result.state.history,
  };
}

/** A request's model as the model service's reference. */
function baseRef(choice: BaseModelChoice): BaseModelRef {
  return choice.source === 'hf'
    ? { source: 'hf', id: choice.id, revision: choice.revision, accessToken: choice.accessToken }
    : { source: 'local', id: choice.id, files: choice.files };
}

/** What a checkpoint records of its base (never the access token). */
function baseRecord(choice: BaseModelChoice): BaseModelRecord {
  return {
    source: choice.source,
    id: choice.id,
    ...(choice.source === 'hf' && choice.revision ? { revision: choice.revision } : {}),
  };
}

/** The base weights as f32 (HF names), converted for one training run. */
function f32Weights(base: BaseModel): Map<string, F32Tensor> {
  const weights = new Map<string, F32Tensor>();
  for (const [name, t] of base.tensors) weights.set(name, toFloat32(t, name));
  return weights;
}

/** FNV-1a over the example ids and loss spans: resume refuses changed data. */
export function dataFingerprint(train: TrainExample[], evalSet: TrainExample[]): string {
  let h = 0x811c9dc5;
  const mix = (v: number) => {
    h = Math.imul(h ^ (v & 0xffff), 0x01000193);
    h = Math.imul(h ^ (v >>> 16), 0x01000193);
  };
  for (const set of [train, evalSet]) {
    mix(set.length);
    for (const e of set) {
      mix(e.ids.length);
      mix(e.lossStart);
      mix(e.lossEnd);
      for (const id of e.ids) mix(id);
    }
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

/**
 * A training started from a run appends its lineage, once per training: M_yx (iteration 0),
 * M0 (0) or M_t trained on seed + A(t) (t), with its final adapter checkpoint, so the run's
 * chain shows which model is M1, M2, ...
 */
async function recordTrainLineage(
  store: TrainStore,
  req: StartTrainingRequest,
  model: BaseModelChoice,
  checkpointId: string,
  trainingId: string,
  /** The pairs it trained on by origin: the run's chain shows them beside M_t. */
  pairs: { seed: number; augmented: number },
): Promise<void> {
  // A resumed training finishes the same one: its entry is already there.
  const run = await store.runs.get(req.runId!);
  if (run?.config.lineage?.some((l) => l.settings?.trainingId === trainingId)) return;
  const iteration = req.mode === 'seed+curated' ? (req.curation?.iteration ?? 1) : 0;
  await store.runs.appendLineage(req.runId!, {
    kind: req.mode === 'backward' ? 'train-backward' : 'train',
    iteration,
    model: { id: model.id },
    adapterCheckpointId: checkpointId,
    engine: 'onnx',
    settings: {
      trainingId,
      mode: req.mode,
      // Where the base came from, so the run's M_t can rate on it (state/rater-choice.ts).
      baseModel: { source: model.source, id: model.id },
      pairs,
      ...(req.k !== undefined ? { k: req.k } : {}),
      ...(req.curation ? { curation: req.curation } : {}),
    },
  });
}
