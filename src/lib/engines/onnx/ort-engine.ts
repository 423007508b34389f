// Our own engine: Hugging Face checkpoints (Hub or a local folder) run by onnxruntime-web
// through the forward graph we build (llama-graph.ts), on WebGPU where the browser has it and
// on the wasm EP otherwise. It is the only engine that runs our LoRA adapters, unmerged or
// folded into the weights (adapterMode), so the pipeline can curate with one adapter and
// generate with another without reloading (method.md §2 self-curation with the model being
// trained).
import { InputError, ModelLoadError } from '../../protocol/errors';
import type {
  AdapterMode,
  AdapterSpec,
  Engine,
  EngineCallOptions,
  GenerateRequest,
  ModelInfo,
  ModelSpec,
  ScoreRequest,
  ScoreResult,
} from '../engine';
import { assistantPrefixFor } from '../engine';
import { ModelService, type BaseModelRef } from '../model-service';
import { adapterToLoraInputs, type LoraInputs } from './adapters';
import type { OrtModule } from './device';
import { generateBatch, type TokenResult } from './generator';
import { loadOrtModel, type OrtModel } from './ort-model';
import { scoreRows, type ScoreOptions, type ScoreRow } from './scorer';

export interface OrtEngineOptions {
  /** ORT module loader (default: `onnxruntime-web/webgpu`, numThreads 1 under Node). */
  ort?: () => Promise<OrtModule>;
  /**
   * Where base models come from. A worker passes the one service its trainer also uses, so
   * both share one parsed base; default: a service of its own.
   */
  models?: ModelService;
  /** Tuning for score() (rows per run, shared prefix on/off). */
  scoring?: Omit<ScoreOptions, 'signal' | 'onProgress'>;
  /** How adapters run (AdapterMode) when a load does not say; default 'auto'. */
  adapterMode?: AdapterMode;
}

export type { AdapterMode };

export class OrtEngine implements Engine {
  readonly kind = 'onnx' as const;
  private model: OrtModel | null = null;
  /** Adapters as given (kept across loads, like WorkerEngine expects) and converted per model. */
  private adapters = new Map<string, AdapterSpec>();
  private converted = new Map<string, LoraInputs>();
  private readonly models: ModelService;
  /** Adapter of the previous call ('' = none; null = a batch mixing adapters) and its streak. */
  private lastAdapter: string | null = null;
  private streak = 0;
  /**
   * How adapters run: the loaded spec's mode, else the constructor's; may be changed between
   * calls (benchmarks compare the modes).
   */
  adapterMode: AdapterMode;

  constructor(private readonly options: OrtEngineOptions = {}) {
    this.models = options.models ?? new ModelService();
    this.adapterMode = options.adapterMode ?? 'auto';
  }

  async load(spec: ModelSpec, opts: EngineCallOptions = {}): Promise<ModelInfo> {
    await this.unload();
    this.adapterMode = checkedAdapterMode(spec.adapterMode ?? this.options.adapterMode);
    const base = await this.models.load(baseRef(spec), opts);
    this.model = await loadOrtModel(
      base,
      { device: spec.device, dtype: spec.dtype, ort: this.options.ort },
      opts,
    );
    // Adapters are converted for (and checked against) the model that uses them.
    this.converted.clear();
    return this.model.info;
  }

  /**
   * The loaded model, for diagnostics only: tests that compare its logits with a reference
   * implementation and benchmarks that time one forward pass. Stages use the Engine methods.
   */
  get loaded(): OrtModel {
    return this.requireModel();
  }

  get modelInfo(): ModelInfo | null {
    return this.model?.info ?? null;
  }

  async generate(req: GenerateRequest, opts: EngineCallOptions = {}): Promise<TokenResult> {
    const onBatchToken = opts.onToken && ((_: number, piece: string) => opts.onToken!(piece));
    const [r] = await this.generateBatch([req], { ...opts, onBatchToken });
    return r;
  }

  /** Many requests: each prompt prefilled alone (shared head once), then decoded together. */
  async generateBatch(
    reqs: GenerateRequest[],
    opts: EngineCallOptions = {},
  ): Promise<TokenResult[]> {
    const m = this.requireModel();
    const context = m.info.contextLength;
    const requests = reqs.map((item, i) => {
      // The prefix is part of the prompt's tokens, so the result holds only what follows it.
      const ids = m.tokenize(item.prompt, assistantPrefixFor(item.prompt, item.assistantPrefix, i));
      if (ids.length >= context) {
        throw new InputError(
          `The prompt has ${ids.length} tokens; the model's context is ${context}`,
          { record: i, field: 'prompt' },
        );
      }
      // Never decode past the context the model was trained for.
      const maxTokens = Math.min(item.maxTokens, context - ids.length);
      const onToken = opts.onBatchToken && ((piece: string) => opts.onBatchToken!(i, piece));
      return { ...item, maxTokens, ids, lora: this.loraFor(item.adapterId), onToken };
    });
    await this.placeAdapter(reqs.map((r) => r.adapterId));
    return generateBatch(m.runner, m.tokenizer, requests, {
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
  }

  async score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    const m = this.requireModel();
    if (!req.continuations.length) return { logprobs: req.prompts.map(() => []) };
    const rows: ScoreRow[] = [];
    for (const [i, prompt] of req.prompts.entries()) {
      const text = m.render(prompt, assistantPrefixFor(prompt, req.assistantPrefix, i));
      const special = { addSpecialTokens: typeof prompt === 'string' };
      const context = m.tokenizer.encode(text, special);
      for (const c of req.continuations)
        rows.push(splitContinuation(context, m.tokenizer.encode(text + c, special)));
    }
    const lora = this.loraFor(req.adapterId);
    await this.placeAdapter([req.adapterId]);
    const scores = await scoreRows(m.runner, rows, lora, {
      ...this.options.scoring,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    const C = req.continuations.length;
    return { logprobs: req.prompts.map((_, i) => scores.slice(i * C, (i + 1) * C)) };
  }

  async addAdapter(adapter: AdapterSpec): Promise<void> {
    const replaced = this.converted.get(adapter.id);
    // Checked now when a model is loaded (bad names/shapes fail here), else at first use.
    if (this.model) this.converted.set(adapter.id, adapterToLoraInputs(adapter, this.model.config));
    else this.converted.delete(adapter.id);
    this.adapters.set(adapter.id, adapter);
    // The replaced adapter goes as a removed one does: not left folded in, its tensors freed.
    if (replaced && this.model) {
      if (this.model.runner.mergedAdapter === replaced) await this.model.runner.mergeAdapter(null);
      await this.model.runner.forgetLora(replaced);
    }
  }

  async removeAdapter(id: string): Promise<void> {
    const lora = this.converted.get(id);
    this.adapters.delete(id);
    this.converted.delete(id);
    // Its weights are not left folded in (and its tensors not kept alive by the runner).
    if (lora && this.model?.runner.mergedAdapter === lora)
      await this.model.runner.mergeAdapter(null);
    if (lora) await this.model?.runner.forgetLora(lora);
  }

  /**
   * Folds the call's adapter into the weights where adapterMode says so. Nothing to do
   * otherwise: a run with another adapter (or none) restores the base itself (runner.ts).
   */
  private async placeAdapter(adapterIds: (string | undefined)[]): Promise<void> {
    const m = this.requireModel();
    const ids = new Set(adapterIds.map((id) => id ?? ''));
    const only = ids.size === 1 ? [...ids][0] : null;
    const previous = this.lastAdapter;
    this.streak = only !== null && only === previous ? this.streak + 1 : 1;
    this.lastAdapter = only;
    if (this.adapterMode === 'unmerged' && m.runner.mergedAdapter)
      await m.runner.mergeAdapter(null);
    if (!only || this.adapterMode === 'unmerged' || !m.runner.canMerge) return;
    // wasm, coming from the base: the decode session is rebuilt either way, so merge at once.
    // From another adapter (which may share the module set, and so the session, unmerged) or
    // on WebGPU (unmerged switches are free): only once it is asked for twice in a row.
    const keptFor = m.info.device === 'wasm' && !previous ? 1 : 2;
    if (this.adapterMode === 'merged' || this.streak >= keptFor) {
      await m.runner.mergeAdapter(this.loraFor(only));
    }
  }

  async unload(): Promise<void> {
    const m = this.model;
    this.model = null;
    this.lastAdapter = null;
    this.converted.clear();
    if (m) await m.release();
  }

  /** The converted inputs of a registered adapter (diagnostics and benchmarks drive the runner with them). */
  adapterInputs(adapterId: string): LoraInputs {
    return this.loraFor(adapterId);
  }

  private loraFor(adapterId: string | undefined): LoraInputs {
    const m = this.requireModel();
    if (adapterId === undefined) return m.noAdapter;
    let lora = this.converted.get(adapterId);
    if (!lora) {
      const spec = this.adapters.get(adapterId);
      if (!spec)
        throw new InputError(`No adapter "${adapterId}" is loaded`, { field: 'adapterId' });
      lora = adapterToLoraInputs(spec, m.config);
      this.converted.set(adapterId, lora);
    }
    return lora;
  }

  private requireModel(): OrtModel {
    if (!this.model) throw new ModelLoadError('No model loaded');
    return this.model;
  }
}

/** A ModelSpec as the model service's reference ('hf' or 'local' only). */
function baseRef(spec: ModelSpec): BaseModelRef {
  if (spec.source === 'hf')
    return { source: 'hf', id: spec.id, revision: spec.revision, accessToken: spec.accessToken };
  // Without files: the copy kept in the model cache when its folder was loaded.
  if (spec.source === 'local')
    return { source: 'local', id: spec.id, ...(spec.files?.length ? { files: spec.files } : {}) };
  throw new ModelLoadError(`The onnx engine loads 'hf' or 'local' models, not '${spec.source}'`, {
    modelId: spec.id,
  });
}

/**
 * Prompt and continuation tokens the way the model would see the joined text (as lm-eval
 * does): encode(prompt + continuation) split after encode(prompt). When a token straddles the
 * boundary, the prompt keeps only the shared tokens and the continuation takes the rest.
 */
export function splitContinuation(context: Int32Array, whole: Int32Array): ScoreRow {
  let n = 0;
  while (n < context.length && n < whole.length && context[n] === whole[n]) n++;
  return { prompt: whole.slice(0, n), continuation: whole.slice(n) };
}

const ADAPTER_MODES: readonly AdapterMode[] = ['auto', 'merged', 'unmerged'];

/** The mode a load asked for (it may come across a worker boundary untyped); default 'auto'. */
function checkedAdapterMode(mode: string | undefined): AdapterMode {
  if (mode === undefined) return 'auto';
  if ((ADAPTER_MODES as readonly string[]).includes(mode)) return mode as AdapterMode;
  throw new InputError(`Unknown adapter mode "${mode}" (${ADAPTER_MODES.join(', ')})`, {
    field: 'adapterMode',
  });
}
