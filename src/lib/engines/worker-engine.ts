// Main-thread Engine backed by a worker. A crashed worker (device lost, out of memory) is
// restarted on the next call, and the last loaded model is loaded again first, so a long
// pipeline survives a crash with one retry (web-llm's reloadIfUnmatched idea, PR #533).
import { RpcClient, type WorkerLike } from '../protocol/client';
import { WorkerCrashedError } from '../protocol/errors';
import type {
  AdapterSpec,
  Engine,
  EngineCallOptions,
  EngineKind,
  GenerateRequest,
  GenerateResult,
  ModelInfo,
  ModelSpec,
  ScoreRequest,
  ScoreResult,
} from './engine';
import type { EngineRpc } from './engine-protocol';

/** What every load of a WorkerEngine gets unless its spec says otherwise. */
export type LoadDefaults = Pick<ModelSpec, 'adapterMode'>;

export class WorkerEngine implements Engine {
  private readonly rpc: RpcClient<EngineRpc>;
  private lastSpec: ModelSpec | null = null;
  private loadedInWorker = false;
  private adapters = new Map<string, AdapterSpec>();

  constructor(
    readonly kind: EngineKind,
    spawn: () => WorkerLike,
    onCrash?: (err: WorkerCrashedError) => void,
    readonly loadDefaults: LoadDefaults = {},
  ) {
    this.rpc = new RpcClient<EngineRpc>(spawn, {
      onCrash: (err) => {
        this.loadedInWorker = false;
        onCrash?.(err);
      },
    });
  }

  async load(given: ModelSpec, opts: EngineCallOptions = {}): Promise<ModelInfo> {
    const spec = { ...this.loadDefaults, ...definedOnly(given) };
    const info = await this.rpc.call('load', spec, {
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    this.lastSpec = spec;
    this.loadedInWorker = true;
    return info;
  }

  generate(req: GenerateRequest, opts: EngineCallOptions = {}): Promise<GenerateResult> {
    return this.withModel(opts, () =>
      this.rpc.call('generate', req, {
        signal: opts.signal,
        onProgress: opts.onProgress,
        onEvent: opts.onToken,
      }),
    );
  }

  generateBatch(reqs: GenerateRequest[], opts: EngineCallOptions = {}): Promise<GenerateResult[]> {
    const onBatchToken = opts.onBatchToken;
    return this.withModel(opts, () =>
      this.rpc.call('generateBatch', reqs, {
        signal: opts.signal,
        onProgress: opts.onProgress,
        onEvent: onBatchToken && ((e) => onBatchToken(e.index, e.piece)),
      }),
    );
  }

  score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    return this.withModel(opts, () =>
      this.rpc.call('score', req, { signal: opts.signal, onProgress: opts.onProgress }),
    );
  }

  async addAdapter(adapter: AdapterSpec): Promise<void> {
    // Copies are kept so a restarted worker can get them back; the worker gets clones. So the
    // tensors are deliberately NOT transferred: a transfer would detach the kept copies.
    this.adapters.set(adapter.id, adapter);
    await this.rpc.call('addAdapter', adapter);
  }

  async removeAdapter(id: string): Promise<void> {
    this.adapters.delete(id);
    await this.rpc.call('removeAdapter', { id });
  }

  async unload(): Promise<void> {
    this.lastSpec = null;
    if (this.rpc.alive) await this.rpc.call('unload', null);
    this.loadedInWorker = false;
  }

  terminate(): void {
    this.rpc.terminate();
  }

  private async withModel<T>(opts: EngineCallOptions, fn: () => Promise<T>): Promise<T> {
    if (!this.loadedInWorker && this.lastSpec) {
      await this.load(this.lastSpec, opts);
      for (const a of this.adapters.values()) await this.rpc.call('addAdapter', a);
    }
    return fn();
  }
}

/** The spec without its undefined fields, so they do not hide a default. */
function definedOnly(spec: ModelSpec): ModelSpec {
  return Object.fromEntries(
    Object.entries(spec).filter(([, v]) => v !== undefined),
  ) as unknown as ModelSpec;
}
