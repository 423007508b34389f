// Engine worker for our ONNX Runtime engine (Hugging Face checkpoints + LoRA adapters): the
// Engine port served over our protocol.
import { engineHandlers } from '../src/lib/engines/engine-protocol';
import { OrtEngine } from '../src/lib/engines/onnx/ort-engine';
import { reportFatalErrors, serve } from '../src/lib/protocol/server';

reportFatalErrors(self);
serve(self, engineHandlers(new OrtEngine()));
