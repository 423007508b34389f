// The engine contract (test/helpers/engine-contract.ts) on every engine that runs in Node:
// the fake, ONNX Runtime on wasm with a tiny generated checkpoint and a real tokenizer,
// web-llm over its fake runtime, and the server engine against the local OpenAI-compatible
// test server. ONNX on WebGPU runs the same suite in Chromium (test/browser/).
import { vi } from 'vitest';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { loraTensorsToAdapter } from '../../../src/lib/engines/onnx/adapters';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { ServerEngine } from '../../../src/lib/engines/server/server-engine';
import { FAKE_WEBLLM_MODEL, fakeWebLlm } from '../../../src/lib/engines/webllm/fake-runtime';
import { WebLlmEngine } from '../../../src/lib/engines/webllm/webllm-engine';
import { engineContract } from '../../helpers/engine-contract';
import { startOpenAiTestServer, type OpenAiTestServer } from '../../helpers/openai-test-server';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { nodeOrt, tinyModel, tinyModelFileList } from './ort-fixtures';

// Two shared cores: the first ORT session (wasm compile) alone can take seconds under load.
vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const NOT_LOADED = { id: 'no-such-model', source: 'fake' as const };

engineContract({
  name: 'fake',
  create: () => new FakeEngine({ failLoad: [NOT_LOADED.id] }),
  spec: { id: 'tiny-fake', source: 'fake' },
  badSpec: NOT_LOADED,
  adapters: {
    kind: 'runs',
    make: () => ({ id: 'lora', rank: 1, alpha: 1, targetModules: ['q_proj'], tensors: {} }),
  },
  topK: 'not-applied',
  multiTokenScoring: 'summed',
});

const LORA_MODULES = ['q_proj', 'v_proj'] as const;

engineContract({
  name: 'onnx on wasm (tiny Llama, real tokenizer)',
  create: () => new OrtEngine({ ort: nodeOrt }),
  spec: { id: 'tiny-llama', source: 'local', files: tinyModelFileList('llama'), device: 'wasm' },
  badSpec: { id: 'empty-folder', source: 'local', files: [], device: 'wasm' },
  adapters: {
    kind: 'runs',
    make: () => {
      const { config } = tinyModel('llama').ckpt;
      const lora = makeTinyLora(config, LORA_MODULES, 4);
      return loraTensorsToAdapter('tiny-lora', config, lora, [...LORA_MODULES], 4, 8);
    },
  },
  topK: 'applied',
  multiTokenScoring: 'summed',
});

engineContract({
  name: 'web-llm over its fake runtime',
  create: () => new WebLlmEngine(fakeWebLlm()),
  spec: { id: FAKE_WEBLLM_MODEL, source: 'web-llm' },
  badSpec: { id: 'Llama-3-8B-Instruct-q4f16_1-MLC', source: 'web-llm' },
  adapters: { kind: 'refused' },
  // web-llm has no top-k and scores one token per continuation: both are refused (issue 9
  // item 7), not silently ignored.
  topK: 'refused',
  multiTokenScoring: 'refused',
});

let server: OpenAiTestServer;
engineContract({
  name: 'server (OpenAI-compatible test server)',
  create: async () => {
    server ??= await startOpenAiTestServer({ models: ['tiny-fake'], apiKey: 'sk-test' });
    return new ServerEngine({ baseUrl: server.baseUrl, apiKey: 'sk-test', retries: 0 });
  },
  spec: { id: 'tiny-fake', source: 'server' },
  badSpec: { id: 'not-served', source: 'server' },
  adapters: { kind: 'refused' },
  topK: 'applied',
  multiTokenScoring: 'refused',
  teardown: () => server.close(),
});
