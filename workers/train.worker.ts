// LoRA training worker: the training handlers (src/lib/train/train-service.ts) served over our
// protocol, with graphs run by onnxruntime-web on WebGPU (weights resident on the GPU) or
// the wasm EP.
import { loadOrt } from '../src/lib/engines/onnx/device';
import { createTrainBackend } from '../src/lib/engines/onnx/train-backend';
import { reportFatalErrors, serve } from '../src/lib/protocol/server';
import { openStore, type Store } from '../src/lib/store';
import type { TrainRpc } from '../src/lib/train/train-protocol';
import { trainHandlers } from '../src/lib/train/train-service';

let store: Promise<Store> | null = null;

reportFatalErrors(self);
serve<TrainRpc>(
  self,
  trainHandlers({
    store: () => (store ??= openStore()),
    createBackend: async (device, weights) => createTrainBackend(await loadOrt(), device, weights),
  }),
);
