// The Models screen's playground (issue 9 §4): load a model on an engine, put trained adapters
// on it, and generate with visible sampling settings, streamed, with a stop button. Chat turns
// get the model's chat template; raw mode sends the text as-is. The method's rating prompt
// (method/prompts.ts, paper §2.3) can be filled in for one pair, to see what a rater writes.
import type { Engine, EngineKind, ModelInfo, ModelSpec } from '../engines/engine';
import type { AdapterSpec } from '../engines/engine';
import type { ModelChoice } from '../domain/models';
import { ratingPrompt } from '../method/prompts';
import { isCancel } from '../protocol';
import { serverDestination } from '../engines/server/settings';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';

export interface PlaygroundDeps {
  jobs: JobsState;
  /**
   * An engine for `choice` (its kind, and for a server its URL), or a sentence saying why
   * that engine is not available.
   */
  createEngine: (
    kind: EngineKind,
    choice: ModelChoice,
    secrets: { apiKey?: string },
  ) => Engine | string;
  /** A trained checkpoint's LoRA as an AdapterSpec (the model worker reads it from the store). */
  checkpointAdapter: (checkpointId: string) => Promise<AdapterSpec>;
  /** The Hugging Face access token the Models screen holds (memory only). */
  accessToken: () => string;
  /** After a load: a local folder is now kept in the model cache, which the lists show. */
  onLoaded?: () => void;
}

export interface SamplingForm {
  temperature: number;
  topP: number;
  topK: number;
  maxTokens: number;
  seed: number;
}

export interface PlaygroundModel {
  choice: ModelChoice;
  info: ModelInfo;
}

export class PlaygroundState {
  engineKind = $state<EngineKind>('onnx');
  source = $state<'hf' | 'local' | 'web-llm' | 'server' | 'fake'>('hf');
  modelId = $state('HuggingFaceTB/SmolLM2-135M-Instruct');
  dtype = $state<'auto' | 'fp16' | 'fp32' | 'int4'>('auto');
  device = $state<'webgpu' | 'wasm'>('webgpu');
  serverUrl = $state('');
  /** The server's API key: this tab's memory only, never stored. */
  serverApiKey = $state('');
  localFiles = $state.raw<File[]>([]);
  model = $state<PlaygroundModel | null>(null);
  loading = $state(false);
  /** Checkpoint ids whose adapters are on the loaded model. */
  adapters = $state<string[]>([]);
  /** The adapter to generate with ('' = the base model alone). */
  adapterId = $state('');
  mode = $state<'chat' | 'raw'>('chat');
  prompt = $state('');
  sampling = $state<SamplingForm>({
    temperature: 0.7,
    topP: 0.9,
    topK: 40,
    maxTokens: 128,
    seed: 0,
  });
  output = $state('');
  finishReason = $state<string | null>(null);
  generating = $state(false);
  error = $state<string | null>(null);
  private engine: Engine | null = null;
  private stopCurrent: AbortController | null = null;

  constructor(private readonly deps: PlaygroundDeps) {}

  /**
   * Where a server engine would send prompts, in words (README "Privacy"), or null while the
   * typed URL is not a valid base URL.
   */
  get serverDestination(): string | null {
    if (!this.serverUrl.trim()) return null;
    try {
      const d = serverDestination(this.serverUrl);
      const where = d.thisMachine
        ? 'this machine'
        : d.unencrypted
          ? 'another machine, over unencrypted http'
          : 'another machine';
      return `${d.origin} (${where})`;
    } catch {
      return null;
    }
  }

  /** What load() would load, or a sentence saying what is missing. */
  spec(): { spec: ModelSpec; choice: ModelChoice } | string {
    const kind = this.engineKind;
    const dtype = this.dtype === 'auto' ? undefined : this.dtype;
    if (kind === 'server') {
      if (!/^https?:\/\/\S+$/.test(this.serverUrl.trim()))
        return 'Enter the server’s base URL, e.g. http://localhost:8000/v1.';
    }
    if (kind === 'onnx' && this.source === 'local') {
      if (!this.localFiles.length)
        return 'Pick a local model folder (config.json, tokenizer files, *.safetensors).';
      const id = this.modelId.trim() || 'local-model';
      return {
        spec: { id, source: 'local', files: this.localFiles, device: this.device, dtype },
        choice: { engine: kind, modelId: id, source: 'local', ...(dtype ? { dtype } : {}) },
      };
    }
    const id = this.modelId.trim();
    if (!id) return 'Enter a model id.';
    if (kind === 'onnx') {
      if (!/^[\w.-]+\/[\w.-]+$/.test(id)) return 'Enter a Hugging Face model id like "owner/name".';
      const token = this.deps.accessToken().trim();
      return {
        spec: {
          id,
          source: 'hf',
          device: this.device,
          dtype,
          ...(token ? { accessToken: token } : {}),
        },
        choice: { engine: kind, modelId: id, source: 'hf', ...(dtype ? { dtype } : {}) },
      };
    }
    const source = kind === 'web-llm' ? 'web-llm' : kind === 'fake' ? 'fake' : 'server';
    const serverUrl = kind === 'server' ? this.serverUrl.trim() : undefined;
    // The server engine gets its URL from the choice at the engine seam (models-open.ts
    // playgroundEngine) and the model name from `id`.
    return {
      spec: { id, source },
      choice: { engine: kind, modelId: id, source, ...(serverUrl ? { serverUrl } : {}) },
    };
  }

  /** Loads the model as a tracked job (download and load progress in the jobs area). */
  async load(): Promise<boolean> {
    const wanted = this.spec();
    if (typeof wanted === 'string') return this.fail(wanted);
    if (this.loading || this.generating) return false;
    const engine = this.deps.createEngine(this.engineKind, wanted.choice, {
      apiKey: this.serverApiKey,
    });
    if (typeof engine === 'string') return this.fail(engine);
    this.loading = true;
    this.error = null;
    await this.unload();
    const { result } = this.deps.jobs.start(`Load ${wanted.choice.modelId}`, (ctx) =>
      engine.load(wanted.spec, ctx),
    );
    try {
      const info = await result;
      this.engine = engine;
      this.model = { choice: wanted.choice, info };
      this.deps.onLoaded?.();
      return true;
    } catch (err) {
      if (!isCancel(err)) this.error = describeError(err);
      await engine.unload().catch(() => {});
      return false;
    } finally {
      this.loading = false;
    }
  }

  /** Puts a trained checkpoint's adapter on the loaded model and selects it. */
  async addAdapter(checkpointId: string): Promise<boolean> {
    const engine = this.engine;
    if (!engine || !this.model) return this.fail('Load a model first.');
    if (!engine.addAdapter)
      return this.fail(`The ${engine.kind} engine does not run our LoRA adapters.`);
    if (!this.adapters.includes(checkpointId)) {
      try {
        const spec = await this.deps.checkpointAdapter(checkpointId);
        await engine.addAdapter({ ...spec, id: checkpointId });
      } catch (err) {
        return this.fail(describeError(err));
      }
      this.adapters = [...this.adapters, checkpointId];
    }
    this.adapterId = checkpointId;
    this.error = null;
    return true;
  }

  async removeAdapter(checkpointId: string): Promise<void> {
    if (this.adapterId === checkpointId) this.adapterId = '';
    if (!this.adapters.includes(checkpointId)) return;
    this.adapters = this.adapters.filter((a) => a !== checkpointId);
    await this.engine?.removeAdapter?.(checkpointId).catch(() => {});
  }

  /** Fills the prompt with the paper's rating prompt for one pair (§2.3, method.md §4). */
  useRatingPrompt(instruction: string, answer: string): void {
    this.mode = 'chat';
    this.prompt = ratingPrompt(instruction.trim(), answer.trim());
  }

  async generate(): Promise<void> {
    const engine = this.engine;
    if (!engine || !this.model) return void this.fail('Load a model first.');
    if (this.generating) return;
    if (!this.prompt.trim()) return void this.fail('Write a prompt first.');
    const s = $state.snapshot(this.sampling) as SamplingForm;
    const controller = new AbortController();
    this.stopCurrent = controller;
    this.generating = true;
    this.error = null;
    this.output = '';
    this.finishReason = null;
    try {
      const res = await engine.generate(
        {
          prompt: this.mode === 'chat' ? [{ role: 'user', content: this.prompt }] : this.prompt,
          maxTokens: s.maxTokens,
          temperature: s.temperature,
          topP: s.topP,
          topK: s.topK,
          seed: s.seed,
          ...(this.adapterId ? { adapterId: this.adapterId } : {}),
        },
        { signal: controller.signal, onToken: (piece) => (this.output += piece) },
      );
      this.output = res.text;
      this.finishReason = res.finishReason;
    } catch (err) {
      if (isCancel(err) || controller.signal.aborted) this.finishReason = 'abort';
      else this.error = describeError(err);
    } finally {
      this.generating = false;
      this.stopCurrent = null;
    }
  }

  stop(): void {
    this.stopCurrent?.abort();
  }

  async unload(): Promise<void> {
    this.stop();
    const engine = this.engine;
    this.engine = null;
    this.model = null;
    this.adapters = [];
    this.adapterId = '';
    await engine?.unload().catch(() => {});
  }

  dispose(): void {
    void this.unload();
  }

  private fail(message: string): false {
    this.error = message;
    return false;
  }
}
