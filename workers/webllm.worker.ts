// Engine worker for web-llm's prebuilt models: the Engine port served over our protocol. A
// worker named WEBLLM_FAKE_WORKER_NAME runs against the fake runtime (demo and test mode).
import { engineHandlers } from '../src/lib/engines/engine-protocol';
import { WebLlmEngine } from '../src/lib/engines/webllm/webllm-engine';
import { browserWebLlm } from '../src/lib/engines/webllm/runtime';
import { fakeWebLlm, WEBLLM_FAKE_WORKER_NAME } from '../src/lib/engines/webllm/fake-runtime';
import { reportFatalErrors, serve } from '../src/lib/protocol/server';

const env = self.name === WEBLLM_FAKE_WORKER_NAME ? fakeWebLlm() : browserWebLlm;

reportFatalErrors(self);
serve(self, engineHandlers(new WebLlmEngine(env)));
