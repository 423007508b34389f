// Engine worker for web-llm's prebuilt models: the Engine port served over our protocol.
import { engineHandlers } from '../src/lib/engines/engine-protocol';
import { WebLlmEngine } from '../src/lib/engines/webllm/webllm-engine';
import { browserWebLlm } from '../src/lib/engines/webllm/runtime';
import { reportFatalErrors, serve } from '../src/lib/protocol/server';

reportFatalErrors(self);
serve(self, engineHandlers(new WebLlmEngine(browserWebLlm)));
