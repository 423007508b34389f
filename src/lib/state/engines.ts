// Where the state layer gets its engines. Real engines run in workers (WorkerEngine over the
// spawn functions of workers.ts: the ONNX engine in the shared model worker, web-llm in its
// own); in demo and test mode every kind is the deterministic FakeEngine, in-thread or behind
// workers/fake.worker.ts, so the UI runs without a model download or a GPU.
//
// The server engine (an OpenAI-compatible server the user runs) makes only HTTP requests, so it
// runs in-thread; it needs the settings the user typed (`server`), and is never created
// unless the user picked it: data leaves the browser (engines/server/settings.ts).
//
// Fake mode: the page URL has `?engine=fake`, or Vite runs in test mode
// (`import.meta.env.MODE === 'test'`, as vitest does).
import type { AdapterMode, Engine, EngineKind } from '../engines/engine';
import { FakeEngine, type FakeEngineOptions } from '../engines/fake-engine';
import { ServerEngine } from '../engines/server/server-engine';
import type { ServerSettings } from '../engines/server/settings';
import { WorkerEngine } from '../engines/worker-engine';
import { InputError, type WorkerCrashedError } from '../protocol/errors';
import { spawnFakeEngineWorker, spawnModelWorker, spawnWebLlmWorker } from './workers';

export interface EngineFactoryOptions {
  /** Force fake mode on or off (default: fakeEnginesWanted()). */
  fake?: boolean;
  /** In fake mode, run the fake behind workers/fake.worker.ts instead of in-thread. */
  fakeInWorker?: boolean;
  /** Options of an in-thread fake (delays, load failures) for tests. */
  fakeOptions?: FakeEngineOptions;
  /** Told when an engine's worker crashes (the next call restarts it). */
  onCrash?: (err: WorkerCrashedError) => void;
  /** For kind 'server': the URL, key and limits the user typed. */
  server?: ServerSettings;
  /** For kind 'onnx': how adapters run when a load does not say (AdapterMode; default 'auto'). */
  adapterMode?: AdapterMode;
}

/** Whether this page runs on fake engines: `?engine=fake` in the URL, or Vite's test mode. */
export function fakeEnginesWanted(
  search: string = globalThis.location?.search ?? '',
  mode: string = import.meta.env.MODE,
): boolean {
  return new URLSearchParams(search).get('engine') === 'fake' || mode === 'test';
}

/** An engine of `kind`, ready to load a model (see the file comment for fake mode). */
export function createEngine(kind: EngineKind, options: EngineFactoryOptions = {}): Engine {
  const fake = kind === 'fake' || (options.fake ?? fakeEnginesWanted());
  if (fake) {
    return options.fakeInWorker
      ? new WorkerEngine('fake', spawnFakeEngineWorker, options.onCrash)
      : new FakeEngine(options.fakeOptions);
  }
  if (kind === 'server') {
    if (!options.server)
      throw new InputError('The server engine needs the server URL', { field: 'serverUrl' });
    return new ServerEngine(options.server);
  }
  if (kind === 'onnx') {
    const defaults = options.adapterMode ? { adapterMode: options.adapterMode } : {};
    return new WorkerEngine('onnx', spawnModelWorker, options.onCrash, defaults);
  }
  return new WorkerEngine('web-llm', () => spawnWebLlmWorker(), options.onCrash);
}
