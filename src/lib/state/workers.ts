// The worker entry points the state classes start, and the only place that names them: the
// app and test/browser/workers.test.ts spawn through these functions. Vite bundles each
// `new URL(..., import.meta.url)` worker as its own module chunk (environment.md §6).
// (The ingest worker's spawn function lives with the corpus state: corpus-open.ts.)
import { WEBLLM_FAKE_WORKER_NAME } from '../engines/webllm/fake-runtime';
import { WorkerHost } from '../protocol/channels';
import type { WorkerLike } from '../protocol';

export function spawnCapabilityWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/capability.worker.ts', import.meta.url), {
    type: 'module',
    name: 'capability-check',
  });
}

export function spawnSelfTestWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/self-test.worker.ts', import.meta.url), {
    type: 'module',
    name: 'self-test',
  });
}

/**
 * The model worker (workers/onnx.worker.ts): our ONNX engine and the trainer over one model
 * service, so training M0 and then curating with it loads the base weights once (issue 8).
 * Every client (an engine, the Train view) gets its own channel into the one worker.
 */
const modelWorker = new WorkerHost(
  () =>
    new Worker(new URL('../../../workers/onnx.worker.ts', import.meta.url), {
      type: 'module',
      name: 'model',
    }),
);

/** A channel into the shared model worker for one client (engine or trainer). */
export function spawnModelWorker(): WorkerLike {
  return modelWorker.channel();
}

/** Training runs in the model worker, next to the engine that curates with what it trains. */
export const spawnTrainWorker = spawnModelWorker;

/**
 * The web-llm engine worker. `fakeRuntime` runs it against engines/webllm/fake-runtime.ts
 * instead of web-llm (demo and test mode: no model download, no GPU needed).
 */
export function spawnWebLlmWorker(fakeRuntime = false): WorkerLike {
  return new Worker(new URL('../../../workers/webllm.worker.ts', import.meta.url), {
    type: 'module',
    name: fakeRuntime ? WEBLLM_FAKE_WORKER_NAME : 'web-llm',
  });
}

/** The fake engine behind a worker, to exercise the worker path without a model. */
export function spawnFakeEngineWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/fake.worker.ts', import.meta.url), {
    type: 'module',
    name: 'fake-engine',
  });
}
