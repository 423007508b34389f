// Our own engine: Hugging Face checkpoints (Hub or a local folder) run by onnxruntime-web
// through the forward graph we build (llama-graph.ts), on WebGPU where the browser has it and
// on the wasm EP otherwise. It is the only engine that runs our LoRA adapters, unmerged, so
// the pipeline can curate with one adapter and generate with another without reloading
// (method.md §2 self-curation with the model being trained).
import { CancelledError, InputError, ModelLoadError } from '../../protocol/errors';
import type {
  AdapterSpec,
  ChatMessage,
  Engine,
  EngineCallOptions,
  GenerateRequest,
  GenerateResult,
  ModelInfo,
  ModelSpec,
  ScoreRequest,
  ScoreResult,
} from '../engine';
import { ChatTemplate } from '../hf/chat-template';
import { HubSource } from '../hf/hub-source';
import { LocalSource, type ModelFiles, type ModelSource } from '../hf/model-files';
import { HfTokenizer } from '../hf/tokenizer';
import { adapterToLoraInputs, zeroLoraInputs, type LoraInputs } from './adapters';
import { parseDecoderConfig, type DecoderConfig } from './config';
import { checkFits, chooseDevice, chooseWeightDtype, loadOrt, type OrtModule } from './device';
import { generateBatch, type TokenResult } from './generator';
import { toFloat16, type WeightTensor } from './half';
import { INT4_BLOCK, int4TensorNames, int4TensorShapes, quantizeInt4 } from './int4';
import { checkpointTensorNames, checkpointTensorShape, isProjectionWeight } from './llama-graph';
import { resolveTiedEmbeddings } from './llama-session';
import { ModelRunner } from './runner';
import { parseSafetensors, toFloat32, type F32Tensor, type SafetensorsFile } from './safetensors';
import { scoreRows, type ScoreOptions, type ScoreRow } from './scorer';

export interface OrtEngineOptions {
  /** ORT module loader (default: `onnxruntime-web/webgpu`, numThreads 1 under Node). */
  ort?: () => Promise<OrtModule>;
  /** Where 'hf' models come from (tests inject a HubSource on a local server or cache). */
  hubSource?: (spec: ModelSpec) => ModelSource;
  /** Tuning for score() (rows per run, shared prefix on/off). */
  scoring?: Omit<ScoreOptions, 'signal' | 'onProgress'>;
}

/** Where and how precisely to run a model (ModelSpec's device and dtype). */
export interface Placement {
  device?: 'webgpu' | 'wasm';
  /** 'int4': projections quantized at load time (int4.ts); the rest at the device default. */
  dtype?: 'fp16' | 'fp32' | 'int4';
}

export interface GenerateBatchItem extends GenerateRequest {
  onToken?: (piece: string) => void;
}

interface Loaded {
  info: ModelInfo;
  config: DecoderConfig;
  runner: ModelRunner;
  tokenizer: HfTokenizer;
  template: ChatTemplate;
  noAdapter: LoraInputs;
}

export class OrtEngine implements Engine {
  readonly kind = 'onnx' as const;
  private model: Loaded | null = null;
  /** Adapters as given (kept across loads, like WorkerEngine expects) and converted per model. */
  private adapters = new Map<string, AdapterSpec>();
  private converted = new Map<string, LoraInputs>();

  constructor(private readonly options: OrtEngineOptions = {}) {}

  async load(spec: ModelSpec, opts: EngineCallOptions = {}): Promise<ModelInfo> {
    await this.unload();
    const source = this.source(spec);
    const files = await source.load({
      signal: opts.signal,
      onProgress: opts.onProgress,
      job: `load:${spec.id}`,
    });
    return this.loadFiles(files, { device: spec.device, dtype: spec.dtype }, opts);
  }

  /**
   * Loads already-fetched files (the benchmarks build checkpoints in memory). `placement` is
   * the preferred device, or device and dtype (see chooseWeightDtype).
   */
  async loadFiles(
    files: ModelFiles,
    placement?: 'webgpu' | 'wasm' | Placement,
    opts: EngineCallOptions = {},
  ): Promise<ModelInfo> {
    const wanted = typeof placement === 'string' ? { device: placement } : (placement ?? {});
    await this.unload();
    const modelId = files.modelId;
    const parsed = parseDecoderConfig(files.config); // ModelLoadError for other architectures
    const tokenizer = HfTokenizer.fromModelFiles(files);
    const device = await chooseDevice(wanted.device);
    const requested = wanted.dtype;
    const quantize = requested === 'int4' ? 'int4' : undefined;
    const dtype = chooseWeightDtype(device, requested === 'int4' ? undefined : requested);
    const bytesPerWeight = dtype === 'fp16' ? 2 : 4;
    const shards = await readShards(files, opts);
    const config = resolveTiedEmbeddings(parsed, shards.tensors.keys());
    const names = checkpointTensorNames(config);
    const int4 = (name: string) => quantize === 'int4' && isProjectionWeight(name);
    let parameters = 0;
    const bytes = names.map((n): [string, number] => {
      const shape = checkpointTensorShape(config, n);
      parameters += shape.reduce((a, b) => a * b, 1);
      return [n, int4(n) ? int4WeightBytes(modelId, n, shape) : bytesPerWeight * count(shape)];
    });
    const totalBytes = checkFits(modelId, bytes, device, dtype === 'fp16' ? 'f16' : 'f32');
    if (tokenizer.vocabSize > config.vocabSize) {
      throw new ModelLoadError(
        `${modelId}: the tokenizer has ${tokenizer.vocabSize} tokens, the model only ${config.vocabSize}`,
        { modelId, file: 'tokenizer.json' },
      );
    }
    const weights = new Map<string, WeightTensor>();
    const projectionCount = names.filter(int4).length;
    let quantized = 0;
    for (const name of names) {
      const raw = shards.tensors.get(name);
      if (!raw)
        throw new ModelLoadError(`${modelId}: checkpoint is missing tensor "${name}"`, {
          modelId,
          tensor: name,
        });
      if (int4(name)) {
        // Quantizing is the slow part of an int4 load (every projection weight is read once).
        if (opts.signal?.aborted) throw new CancelledError('Model load cancelled');
        for (const [part, t] of quantizedProjection(name, toFloat32(raw, name)))
          weights.set(part, t);
        opts.onProgress?.({
          job: `load:${modelId}`,
          kind: 'load',
          phase: 'quantize',
          done: ++quantized,
          total: projectionCount,
          unit: 'tensors',
        });
        continue;
      }
      // bf16/f32/f16 files alike: rounded to f16 (nearest even) or widened to f32.
      weights.set(name, dtype === 'fp16' ? toFloat16(raw, name) : toFloat32(raw, name));
    }
    const ort = await (this.options.ort ?? loadOrt)();
    const runner = await ModelRunner.create(ort, config, weights, device, quantize);
    opts.onProgress?.({
      job: `load:${modelId}`,
      kind: 'load',
      phase: 'compile',
      done: 1,
      total: 1,
      unit: 'steps',
    });
    const info: ModelInfo = {
      id: modelId,
      engine: 'onnx',
      device: device.kind,
      dtype: quantize ?? dtype,
      contextLength: config.maxPositionEmbeddings,
      parameters,
      weightBytes: totalBytes,
    };
    this.model = {
      info,
      config,
      runner,
      tokenizer,
      template: ChatTemplate.forTokenizer(tokenizer),
      noAdapter: zeroLoraInputs(config),
    };
    // Adapters are converted for (and checked against) the model that uses them.
    this.converted.clear();
    return info;
  }

  get modelInfo(): ModelInfo | null {
    return this.model?.info ?? null;
  }

  async generate(req: GenerateRequest, opts: EngineCallOptions = {}): Promise<GenerateResult> {
    const [r] = await this.generateBatch([{ ...req, onToken: opts.onToken }], opts);
    const { text, finishReason, promptTokens, completionTokens } = r;
    return { text, finishReason, promptTokens, completionTokens };
  }

  /** Many requests decoded together (left-padded batch, one step per token for all). */
  async generateBatch(
    items: GenerateBatchItem[],
    opts: EngineCallOptions = {},
  ): Promise<TokenResult[]> {
    const m = this.requireModel();
    const context = m.info.contextLength;
    const requests = items.map((item, i) => {
      const ids = this.encodePrompt(item.prompt);
      if (ids.length >= context) {
        throw new InputError(
          `The prompt has ${ids.length} tokens; the model's context is ${context}`,
          {
            record: i,
            field: 'prompt',
          },
        );
      }
      // Never decode past the context the model was trained for.
      const maxTokens = Math.min(item.maxTokens, context - ids.length);
      return { ...item, maxTokens, ids, lora: this.loraFor(item.adapterId) };
    });
    return generateBatch(m.runner, m.tokenizer, requests, {
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
  }

  async score(req: ScoreRequest, opts: EngineCallOptions = {}): Promise<ScoreResult> {
    const m = this.requireModel();
    if (!req.continuations.length) return { logprobs: req.prompts.map(() => []) };
    const rows: ScoreRow[] = [];
    for (const prompt of req.prompts) {
      const text = this.promptText(prompt);
      const special = { addSpecialTokens: typeof prompt === 'string' };
      const context = m.tokenizer.encode(text, special);
      for (const c of req.continuations)
        rows.push(splitContinuation(context, m.tokenizer.encode(text + c, special)));
    }
    const scores = await scoreRows(m.runner, rows, this.loraFor(req.adapterId), {
      ...this.options.scoring,
      signal: opts.signal,
      onProgress: opts.onProgress,
    });
    const C = req.continuations.length;
    return { logprobs: req.prompts.map((_, i) => scores.slice(i * C, (i + 1) * C)) };
  }

  async addAdapter(adapter: AdapterSpec): Promise<void> {
    // Checked now when a model is loaded (bad names/shapes fail here), else at first use.
    if (this.model) this.converted.set(adapter.id, adapterToLoraInputs(adapter, this.model.config));
    else this.converted.delete(adapter.id);
    this.adapters.set(adapter.id, adapter);
  }

  async removeAdapter(id: string): Promise<void> {
    this.adapters.delete(id);
    this.converted.delete(id);
  }

  async unload(): Promise<void> {
    const m = this.model;
    this.model = null;
    this.converted.clear();
    if (m) await m.runner.release();
  }

  /** The runner and tokenizer, for benchmarks and tests that drive the model directly. */
  get internals(): { runner: ModelRunner; tokenizer: HfTokenizer; noAdapter: LoraInputs } {
    const m = this.requireModel();
    return { runner: m.runner, tokenizer: m.tokenizer, noAdapter: m.noAdapter };
  }

  /** Chat prompts go through the model's chat template with the generation prompt. */
  promptText(prompt: ChatMessage[] | string): string {
    if (typeof prompt === 'string') return prompt;
    return this.requireModel().template.render(prompt, { addGenerationPrompt: true });
  }

  /** Token ids of a prompt: strings get the tokenizer's special tokens (BOS), rendered chats already hold them. */
  encodePrompt(prompt: ChatMessage[] | string): Int32Array {
    const m = this.requireModel();
    return m.tokenizer.encode(this.promptText(prompt), {
      addSpecialTokens: typeof prompt === 'string',
    });
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

  private requireModel(): Loaded {
    if (!this.model) throw new ModelLoadError('No model loaded');
    return this.model;
  }

  private source(spec: ModelSpec): ModelSource {
    if (spec.source === 'hf') {
      return (
        this.options.hubSource?.(spec) ?? new HubSource({ repo: spec.id, revision: spec.revision })
      );
    }
    if (spec.source === 'local') {
      if (!spec.files?.length)
        throw new ModelLoadError('No files given for a local model', { modelId: spec.id });
      return new LocalSource(spec.files, spec.id);
    }
    throw new ModelLoadError(`The onnx engine loads 'hf' or 'local' models, not '${spec.source}'`, {
      modelId: spec.id,
    });
  }
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

async function readShards(files: ModelFiles, opts: EngineCallOptions): Promise<SafetensorsFile> {
  const parsed: Record<string, SafetensorsFile> = {};
  let done = 0;
  for (const w of files.weights) {
    parsed[w.file] = parseSafetensors(new Uint8Array(await w.blob.arrayBuffer()), w.file);
    done += w.blob.size;
    opts.onProgress?.({
      job: `load:${files.modelId}`,
      kind: 'load',
      phase: 'read',
      done,
      total: files.weightBytes,
      unit: 'bytes',
    });
  }
  if (files.weights.length === 1) return parsed[files.weights[0].file];
  const merged = { tensors: new Map(), metadata: {} } as SafetensorsFile;
  for (const f of Object.values(parsed)) for (const [k, v] of f.tensors) merged.tensors.set(k, v);
  return merged;
}

const count = (shape: number[]): number => shape.reduce((a, b) => a * b, 1);

/** Resident bytes of a projection [n, k] as int4 blocks; K must fill whole blocks. */
function int4WeightBytes(modelId: string, name: string, [n, k]: number[]): number {
  if (k % INT4_BLOCK !== 0) {
    throw new ModelLoadError(
      `${modelId}: "${name}" has ${k} input features, not a multiple of the int4 block size ${INT4_BLOCK}; load it as fp32 or fp16`,
      { modelId, tensor: name },
    );
  }
  const shapes = int4TensorShapes(n, k, INT4_BLOCK);
  return count(shapes.packed) + 4 * count(shapes.scales) + count(shapes.zeroPoints);
}

/**
 * A projection weight quantized at load time to the int4 tensors MatMulNBits reads
 * (weight-only, block 32 along K: issue 4 item 7). The f32 source is dropped afterwards.
 */
export function quantizedProjection(name: string, w: F32Tensor): [string, WeightTensor][] {
  const [n, k] = w.shape;
  const q = quantizeInt4(w.data, n, k, INT4_BLOCK);
  const names = int4TensorNames(name);
  const shapes = int4TensorShapes(n, k, INT4_BLOCK);
  return [
    [names.packed, { shape: shapes.packed, data: q.packed }],
    [names.scales, { shape: shapes.scales, data: q.scales }],
    [names.zeroPoints, { shape: shapes.zeroPoints, data: q.zeroPoints }],
  ];
}
