// Builds the Models screen's states (catalogue and cache, playground) over the app's real
// dependencies: the model cache in Cache Storage (shared with the model worker's downloads),
// web-llm's prebuilt list (read lazily), the engines of state/engines.ts, and the model
// worker's checkpoint-to-adapter call.
import type { ModelChoice } from '../domain/models';
import type { Engine, EngineKind } from '../engines/engine';
import { defaultBlobCache } from '../engines/hf/blob-cache';
import type { CacheStorageLike } from '../engines/catalogue/webllm-cache';
import { browserWebLlm } from '../engines/webllm/runtime';
import { fakeWebLlm } from '../engines/webllm/fake-runtime';
import { RpcClient } from '../protocol';
import type { CheckpointAdapterRpc } from '../train/train-protocol';
import { createEngine, fakeEnginesWanted } from './engines';
import type { JobsState } from './jobs.svelte';
import { ModelsState } from './models.svelte';
import { PlaygroundState } from './playground.svelte';
import type { StudioStore } from './ports';
import { spawnModelWorker } from './workers';

/** What the Models screen says when the server engine is picked but not built in. */
export const SERVER_ENGINE_MISSING =
  'The server engine (an OpenAI-compatible endpoint you run) is not part of this build yet.';

/**
 * The one seam for engines the playground may use. The server engine plugs in here once it
 * exists (from `choice.serverUrl` and `choice.modelId`); every other kind comes from
 * createEngine.
 */
export function playgroundEngine(kind: EngineKind, choice?: ModelChoice): Engine | string {
  if (kind === 'server') return choice?.serverUrl ? SERVER_ENGINE_MISSING : 'Enter the server URL.';
  return createEngine(kind);
}

export function createModelsStates(
  store: Pick<StudioStore, 'settings'>,
  jobs: JobsState,
  onChanged: () => void,
): { models: ModelsState; playground: PlaygroundState } {
  const fake = fakeEnginesWanted();
  const caches = (globalThis as { caches?: CacheStorageLike }).caches ?? null;
  const models = new ModelsState({
    jobs,
    cache: defaultBlobCache(),
    webLlmRecords: () => (fake ? fakeWebLlm() : browserWebLlm).records(),
    cacheStorage: caches,
    settings: store.settings,
    onChanged,
  });
  const adapters = new RpcClient<CheckpointAdapterRpc>(spawnModelWorker);
  const playground = new PlaygroundState({
    jobs,
    createEngine: playgroundEngine,
    checkpointAdapter: (checkpointId) => adapters.call('checkpointAdapter', { checkpointId }),
    accessToken: () => models.accessToken,
  });
  return { models, playground };
}
