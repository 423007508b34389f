// The model worker: our ONNX Runtime engine (Hugging Face checkpoints + LoRA adapters) and the
// LoRA trainer over one model service, so a base model trained on and then curated with is
// downloaded and parsed once (issue 8). It serves the Engine port and the training API to
// every client that connects a channel (state/workers.ts spawnModelWorker).
import type { EngineRpc } from '../src/lib/engines/engine-protocol';
import { engineHandlers } from '../src/lib/engines/engine-protocol';
import { ModelService } from '../src/lib/engines/model-service';
import { loadOrt } from '../src/lib/engines/onnx/device';
import { OrtEngine } from '../src/lib/engines/onnx/ort-engine';
import { createTrainBackend } from '../src/lib/engines/onnx/train-backend';
import { serveChannels } from '../src/lib/protocol/channels';
import { reportFatalErrors } from '../src/lib/protocol/server';
import { openStore, type Store } from '../src/lib/store';
import type { CheckpointAdapterRpc, TrainRpc } from '../src/lib/train/train-protocol';
import { checkpointAdapterHandlers, trainHandlers } from '../src/lib/train/train-service';

let opened: Promise<Store> | null = null;
const store = () => (opened ??= openStore());
const models = new ModelService();

reportFatalErrors(self);
serveChannels<EngineRpc & TrainRpc & CheckpointAdapterRpc>(self, {
  ...engineHandlers(new OrtEngine({ models })),
  ...trainHandlers({
    store,
    createBackend: async (device, weights) => createTrainBackend(await loadOrt(), device, weights),
    models,
  }),
  ...checkpointAdapterHandlers({ store }),
});
