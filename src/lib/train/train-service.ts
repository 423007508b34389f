// The training worker's handlers: load the base model (Hub or local folder) through the
// shared model service, build the mode's examples from the store (data.ts), run the trainer
// with checkpoints to IndexedDB, resume from a checkpoint, list/delete checkpoints and export
// one as a PEFT adapter zip. ORT stays behind `createBackend` (the worker passes
// engines/onnx/train-backend.ts).
import { zipSync } from 'fflate';
import type {
  BaseModelRecord,
  TrainingCheckpointMeta,
  TrainingMeta as TrainingMetaRecord,
} from '../domain/training';
import { ModelService, type BaseModel, type BaseModelRef } from '../engines/model-service';
import { loraTensorsToAdapter } from '../engines/onnx/adapters';
import { parseDecoderConfig } from '../engines/onnx/config';
import { toFloat32, type F32Tensor } from '../engines/onnx/safetensors';
import type { GraphRunner } from '../engines/onnx/train-session';
import { InputError } from '../protocol/errors';
import { transfer } from '../protocol/rpc';
import type { CallContext, Handlers } from '../protocol/server';
import type { Store } from '../store';
import { newId } from '../util/ids';
import {
  loadCheckpoint,
  storeCheckpoints,
  CHECKPOINT_FORMAT,
  type TrainingState,
} from './checkpoint';
import {
  bucketsFor,
  loadPairs,
  planEpoch,
  splitTrainEval,
  tokenizeExamples,
  type TrainExample,
} from './data';
import { importAdapterCheckpoint } from './adapter-import';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './peft';
import type {
  BaseModelChoice,
  CheckpointAdapterRpc,
  StartTrainingRequest,
  TrainDevice,
  TrainEvent,
  TrainResponse,
  TrainRpc,
} from './train-protocol';
import { plannedSteps, train, type TrainOptions } from './trainer';

export type TrainStore = Pick<Store, 'seeds' | 'candidates' | 'segments' | 'checkpoints' | 'runs'>;

export interface TrainBackendPort {
  readonly device: TrainDevice;
  createRunner(model: Uint8Array): Promise<GraphRunner>;
  release(): void;
}

export interface TrainServiceDeps {
  store: () => Promise<TrainStore>;
  /**
   * The ORT side for one run: device + resident base weights (the worker passes
   * engines/onnx/train-backend.ts createTrainBackend).
   */
  createBackend(device: TrainDevice, weights: Map<string, F32Tensor>): Promise<TrainBackendPort>;
  /**
   * Base models. The model worker passes the service its engine uses, so a base trained on
   * and then curated with is loaded once; default: a service of its own.
   */
  models?: ModelService;
}

/** What a checkpoint of this service records (domain/training.ts), with our TrainOptions. */
export type TrainingMeta = TrainingMetaRecord<TrainOptions>;

export function trainHandlers(deps: TrainServiceDeps): Handlers<TrainRpc> {
  const models = deps.models ?? new ModelService();

  async function run(
    req: StartTrainingRequest,
    model: BaseModelChoice,
    ctx: CallContext<TrainEvent>,
    resume?: { state: TrainingState; meta: TrainingMeta },
  ): Promise<TrainResponse> {
    const store = await deps.store();
    const loaded = await models.load(baseRef(model), {
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

  return {
    start: (req, ctx) => run(req, req.model, ctx),

    async resume(req, ctx) {
      const store = await deps.store();
      const { state, meta } = await loadCheckpoint(store.checkpoints, req.checkpointId);
      const m = trainingMetaOf(meta, req.checkpointId);
      if (m.imported)
        throw new InputError(
          `This adapter was imported from "${m.imported.folder}", not trained here: there is no run to resume`,
          { field: 'checkpointId' },
        );
      // The base the checkpoint recorded, not whatever the form holds now.
      const model = recordedBase(m.baseModel, req.model);
      const options = { ...m.request.options, ...(req.maxSteps ? { maxSteps: req.maxSteps } : {}) };
      return run({ ...m.request, device: req.device, options, model }, model, ctx, {
        state,
        meta: m,
      });
    },

    async listRuns({ workspaceId }) {
      const runs = await (await deps.store()).runs.list(workspaceId);
      return runs.map((r) => ({ id: r.id, name: r.name }));
    },

    async listCheckpoints({ workspaceId }) {
      const store = await deps.store();
      const all = await store.checkpoints.list({ workspaceId });
      return all.filter((c) => c.meta.format === CHECKPOINT_FORMAT);
    },

    async deleteCheckpoint({ checkpointId }) {
      await (await deps.store()).checkpoints.delete(checkpointId);
    },

    async exportAdapter({ checkpointId }) {
      const store = await deps.store();
      const { state, meta, record } = await loadCheckpoint(store.checkpoints, checkpointId);
      const m = trainingMetaOf(meta, checkpointId);
      const config = parseDecoderConfig(m.modelConfig);
      const files = exportPeftAdapter(config, m.request.options.lora, state.lora, m.baseModel.id);
      const zip = zipSync({
        [ADAPTER_CONFIG_FILE]: files[ADAPTER_CONFIG_FILE],
        [ADAPTER_WEIGHTS_FILE]: files[ADAPTER_WEIGHTS_FILE],
      });
      const safe = record.name.replace(/[^\w.-]+/g, '-').replace(/-+/g, '-');
      // Moved, not copied: the zip (adapter-sized, MBs) is built for this reply only.
      return transfer({ fileName: `${safe}-peft.zip`, zip }, [zip.buffer]);
    },

    async importAdapter(req, ctx) {
      return importAdapterCheckpoint((await deps.store()).checkpoints, models, req, ctx);
    },
  };
}

/** The model worker's checkpoint → adapter call (see CheckpointAdapterRpc). */
export function checkpointAdapterHandlers(
  deps: Pick<TrainServiceDeps, 'store'>,
): Handlers<CheckpointAdapterRpc> {
  return {
    async checkpointAdapter({ checkpointId, adapterId }) {
      const store = await deps.store();
      const { state, meta } = await loadCheckpoint(store.checkpoints, checkpointId);
      const { modelConfig, request } = trainingMetaOf(meta, checkpointId);
      const { rank, alpha, targetModules, useRslora } = request.options.lora;
      const config = parseDecoderConfig(modelConfig);
      return loraTensorsToAdapter(
        adapterId ?? checkpointId,
        config,
        state.lora,
        targetModules,
        rank,
        alpha,
        useRslora ?? false,
      );
    },
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

/**
 * The base a resumed run loads: the recorded Hub repo and revision (the request lends only its
 * access token), or, for a local folder, the files the user picked again, whose folder name
 * must match the recorded one.
 */
export function recordedBase(recorded: BaseModelRecord, given: BaseModelChoice): BaseModelChoice {
  if (recorded.source === 'hf') {
    const accessToken = given.source === 'hf' ? given.accessToken : undefined;
    return { source: 'hf', id: recorded.id, revision: recorded.revision, accessToken };
  }
  if (given.source !== 'local' || given.id !== recorded.id) {
    throw new InputError(
      `This checkpoint was trained on the local folder "${recorded.id}": pick that folder or its kept copy to resume (got ${given.source} "${given.id}")`,
      { field: 'model' },
    );
  }
  return given;
}

/** The base weights as f32 (HF names), converted for one training run. */
function f32Weights(base: BaseModel): Map<string, F32Tensor> {
  const weights = new Map<string, F32Tensor>();
  for (const [name, t] of base.tensors) weights.set(name, toFloat32(t, name));
  return weights;
}

/**
 * Narrows a stored checkpoint's meta to this service's TrainingMeta: the format tag and
 * every field resume and export read. Old or foreign records get an error naming the
 * checkpoint and what is missing instead of failing later on an undefined field.
 */
export function trainingMetaOf(
  meta: Readonly<Record<string, unknown>>,
  checkpointId: string,
): TrainingCheckpointMeta<TrainOptions> {
  const bad = (what: string, field: string) =>
    new InputError(`Checkpoint ${checkpointId} ${what}; it cannot be resumed or exported`, {
      field,
    });
  if (meta.format !== CHECKPOINT_FORMAT)
    throw bad(`has format ${JSON.stringify(meta.format)}, not ${CHECKPOINT_FORMAT}`, 'format');
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const field of ['trainingId', 'dataFingerprint'] as const)
    if (typeof meta[field] !== 'string') throw bad(`does not record "${field}"`, field);
  for (const field of ['request', 'baseModel', 'modelConfig'] as const)
    if (!isObject(meta[field])) throw bad(`does not record "${field}"`, field);
  const request = meta.request as Record<string, unknown>;
  if (!isObject(request.options) || !isObject(request.options.lora))
    throw bad('does not record its training options', 'request.options');
  const base = meta.baseModel as Record<string, unknown>;
  if ((base.source !== 'hf' && base.source !== 'local') || typeof base.id !== 'string')
    throw bad('does not record which base model it was trained on', 'baseModel');
  return meta as TrainingCheckpointMeta<TrainOptions>;
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
  store: Awaited<ReturnType<TrainServiceDeps['store']>>,
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
