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
import { createEngine, fakeEnginesWanted, type EngineFactoryOptions } from './engines';
import { normalizeBaseUrl } from '../engines/server/settings';
import { describeError } from './ports';
import type { JobsState } from './jobs.svelte';
import { ModelsState } from './models.svelte';
import { PlaygroundState } from './playground.svelte';
import type { StudioStore } from './ports';
import { spawnModelWorker } from './workers';

/**
 * The one seam for engines the playground may use. A server engine is built from the URL the
 * user typed (`choice.serverUrl`, checked here so a typo is a sentence, not a crash) and the
 * API key held in the playground's memory; every other kind comes from createEngine.
 */
export function playgroundEngine(
  kind: EngineKind,
  choice?: ModelChoice,
  secrets: { apiKey?: string } = {},
  options: Pick<EngineFactoryOptions, 'fake'> = {},
): Engine | string {
  if (kind !== 'server') return createEngine(kind, options);
  if (!choice?.serverUrl) return 'Enter the server URL.';
  try {
    const baseUrl = normalizeBaseUrl(choice.serverUrl);
    const apiKey = secrets.apiKey?.trim();
    return createEngine('server', {
      ...options,
      server: { baseUrl, ...(apiKey ? { apiKey } : {}) },
    });
  } catch (err) {
    return describeError(err);
  }
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
    createEngine: (kind, choice, secrets) => playgroundEngine(kind, choice, secrets),
    checkpointAdapter: (checkpointId) => adapters.call('checkpointAdapter', { checkpointId }),
    accessToken: () => models.accessToken,
    onLoaded: onChanged,
  });
  return { models, playground };
}
