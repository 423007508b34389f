// The training worker's handlers: start a run or resume one from a checkpoint (train-run.ts),
// list runs and checkpoints, delete one, export one as a PEFT adapter zip, import a PEFT
// adapter made elsewhere (adapter-import.ts), and turn a checkpoint into the engine's adapter.
// ORT stays behind `createBackend` (the worker passes engines/onnx/train-backend.ts).
import { zipSync } from 'fflate';
import { ModelService } from '../engines/model-service';
import { loraTensorsToAdapter } from '../engines/onnx/adapters';
import { parseDecoderConfig } from '../engines/onnx/config';
import { InputError } from '../protocol/errors';
import { transfer } from '../protocol/rpc';
import type { Handlers } from '../protocol/server';
import { importAdapterCheckpoint } from './adapter-import';
import { loadCheckpoint, CHECKPOINT_FORMAT } from './checkpoint';
import { recordedBase, trainingMetaOf } from './checkpoint-meta';
import { exportPeftAdapter, ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from './peft';
import type { CheckpointAdapterRpc, TrainRpc } from './train-protocol';
import { runTraining, type TrainRunDeps } from './train-run';

export { recordedBase, trainingMetaOf } from './checkpoint-meta';
export {
  dataFingerprint,
  type TrainBackendPort,
  type TrainingMeta,
  type TrainRunDeps,
  type TrainStore,
} from './train-run';

/** TrainRunDeps; `models` defaults to a service of its own. */
export type TrainServiceDeps = Omit<TrainRunDeps, 'models'> & { models?: ModelService };

export function trainHandlers(deps: TrainServiceDeps): Handlers<TrainRpc> {
  const models = deps.models ?? new ModelService();
  const runDeps = { ...deps, models };

  return {
    start: (req, ctx) => runTraining(runDeps, req, req.model, ctx),

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
      return runTraining(
        runDeps,
        { ...m.request, device: req.device, options, model },
        model,
        ctx,
        {
          state,
          meta: m,
        },
      );
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
