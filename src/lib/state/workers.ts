// The worker entry points the state classes start. Vite bundles each `new URL(..., import.meta.url)`
// worker as its own module chunk (environment.md §6).
import type { WorkerLike } from '../protocol';

export function spawnCapabilityWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/capability.worker.ts', import.meta.url), {
    type: 'module',
    name: 'capability-check',
  });
}

export function spawnTrainWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/train.worker.ts', import.meta.url), {
    type: 'module',
    name: 'train',
  });
}

export function spawnSelfTestWorker(): WorkerLike {
  return new Worker(new URL('../../../workers/self-test.worker.ts', import.meta.url), {
    type: 'module',
    name: 'self-test',
  });
}
