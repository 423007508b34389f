// The training worker's handlers: load the base model (Hub or local folder), build the mode's
// examples from the store (data.ts), run the trainer with checkpoints to IndexedDB, resume
// from a checkpoint, list/delete checkpoints and export one as a PEFT adapter zip. ORT stays
// behind `createBackend` (the worker passes engines/onnx/train-backend.ts).
import { zipSync } from 'fflate';
import { ChatTemplate } from '../engines/hf/chat-template';
import { HubSource } from '../engines/hf/hub-source';
import { LocalSource, type ModelFiles } from '../engines/hf/model-files';
import { HfTokenizer } from '../engines/hf/tokenizer';
import { parseDecoderConfig, type DecoderConfig } from '../engines/onnx/config';
import { checkpointTensorNames } from '../engines/onnx/llama-graph';
import { resolveTiedEmbeddings } from '../engines/onnx/llama-session';
import {
  parseSafetensors,
  toFloat32,
  type F32Tensor,
  type RawTensor,
} from '../engines/onnx/safetensors';
import type { GraphRunner } from '../engines/onnx/train-session';
import { InputError, ModelLoadError, NotFoundError } from '../protocol/errors';
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
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './peft';
import type {
  BaseModelChoice,
  StartTrainingRequest,
  TrainDevice,
  TrainEvent,
  TrainResponse,
  TrainRpc,
} from './train-protocol';
import { plannedSteps, train } from './trainer';

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
  /** Model files loader (default: HubSource / LocalSource). */
  loadModelFiles?(choice: BaseModelChoice, ctx: CallContext<TrainEvent>): Promise<ModelFiles>;
}

/** What a checkpoint's meta records so resume and export can rebuild everything. */
interface TrainingMeta {
  trainingId: string;
  request: Omit<StartTrainingRequest, 'model'>;
  baseModel: { source: BaseModelChoice['source']; id: string; revision?: string };
  modelConfig: Record<string, unknown>;
  dataFingerprint: string;
}

interface LoadedModel {
  config: DecoderConfig;
  configJson: Record<string, unknown>;
  weights: Map<string, F32Tensor>;
  tokenizer: HfTokenizer;
  template: ChatTemplate;
}

export function trainHandlers(deps: TrainServiceDeps): Handlers<TrainRpc> {
  const loadFiles = deps.loadModelFiles ?? defaultLoadModelFiles;

  async function run(
    req: StartTrainingRequest,
    model: BaseModelChoice,
    ctx: CallContext<TrainEvent>,
    resume?: { state: TrainingState; meta: TrainingMeta },
  ): Promise<TrainResponse> {
    const store = await deps.store();
    const loaded = await loadModel(await loadFiles(model, ctx));
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
    const backend = await deps.createBackend(req.device, loaded.weights);
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
      baseModel: {
        source: model.source,
        id: model.id,
        ...(model.source === 'hf' && model.revision ? { revision: model.revision } : {}),
      },
      modelConfig: loaded.configJson,
      dataFingerprint: fingerprint,
    };
    const result = await train({
      config: loaded.config,
      weights: loaded.weights,
      train: split.train,
      eval: split.eval,
      buckets,
      padId: loaded.tokenizer.padId ?? 0,
      options: req.options,
      createRunner: (m) => backend.createRunner(m),
      resume: resume?.state,
      saveCheckpoint: storeCheckpoints(
        store.checkpoints,
        { workspaceId: req.workspaceId, name: req.name, meta: { ...meta } },
        (info) => ctx.emit({ kind: 'checkpoint', info }),
      ),
      signal: ctx.signal,
      job: `train:${trainingId}`,
      onProgress: (p) => ctx.progress(p),
      onMetric: (point) => ctx.emit({ kind: 'metric', point }),
    }).finally(() => backend.release());
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
      const m = meta as unknown as TrainingMeta;
      const options = { ...m.request.options, ...(req.maxSteps ? { maxSteps: req.maxSteps } : {}) };
      return run({ ...m.request, device: req.device, options, model: req.model }, req.model, ctx, {
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
      const m = meta as unknown as TrainingMeta;
      if (!m.modelConfig)
        throw new NotFoundError('The checkpoint does not record its base model config', {
          checkpointId,
        });
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
  };
}

async function defaultLoadModelFiles(
  choice: BaseModelChoice,
  ctx: CallContext<TrainEvent>,
): Promise<ModelFiles> {
  const source =
    choice.source === 'hf'
      ? new HubSource({ repo: choice.id, revision: choice.revision })
      : new LocalSource(choice.files, choice.id);
  return source.load({
    signal: ctx.signal,
    onProgress: (p) => ctx.progress(p),
    job: `load:${choice.id}`,
  });
}

/** Base weights as f32 (HF names), tokenizer and chat template. */
export async function loadModel(files: ModelFiles): Promise<LoadedModel> {
  const parsed = parseDecoderConfig(files.config);
  const raw = new Map<string, RawTensor>();
  for (const w of files.weights) {
    const file = parseSafetensors(new Uint8Array(await w.blob.arrayBuffer()), w.file);
    for (const [name, t] of file.tensors) raw.set(name, t);
  }
  const config = resolveTiedEmbeddings(parsed, raw.keys());
  const weights = new Map<string, F32Tensor>();
  for (const name of checkpointTensorNames(config)) {
    const t = raw.get(name);
    if (!t)
      throw new ModelLoadError(`${files.modelId}: checkpoint is missing tensor "${name}"`, {
        tensor: name,
      });
    weights.set(name, toFloat32(t, name));
  }
  const tokenizer = HfTokenizer.fromModelFiles(files);
  return {
    config,
    configJson: files.config,
    weights,
    tokenizer,
    template: ChatTemplate.forTokenizer(tokenizer),
  };
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
