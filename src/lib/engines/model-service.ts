// The one place a base model is loaded: where its files come from (the Hub with an optional
// token, or a local folder), its safetensors shards parsed and merged, tied embeddings
// resolved, every tensor the graph needs checked, and its tokenizer and chat template built.
// The inference engine (onnx/ort-engine.ts) and the trainer (train/train-service.ts) both ask
// a ModelService; one worker holds one service, so training M0 and then curating with it
// downloads and parses the base weights once (method.md §2: the model being trained is the
// one that curates).
import { CancelledError, ModelLoadError } from '../protocol/errors';
import type { Progress } from '../protocol/progress';
import { type BlobCache, defaultBlobCache } from './hf/blob-cache';
import { ChatTemplate } from './hf/chat-template';
import { HubSource } from './hf/hub-source';
import { CachedLocalSource, keepLocalModel } from './hf/local-cache';
import { LocalSource, type JsonObject, type ModelFiles, type ModelSource } from './hf/model-files';
import { HfTokenizer } from './hf/tokenizer';
import { parseDecoderConfig, type DecoderConfig } from './onnx/config';
import { checkpointTensorNames } from './onnx/llama-graph';
import { resolveTiedEmbeddings } from './onnx/llama-session';
import { parseSafetensors, type RawTensor } from './onnx/safetensors';

/**
 * Which base model: a Hugging Face repo (optionally a revision and token), or a local model:
 * its picked files, or without files the copy kept in the model cache when it was last
 * loaded from its folder (hf/local-cache.ts), so stages and reloads need no folder.
 */
export type BaseModelRef =
  | { source: 'hf'; id: string; revision?: string; accessToken?: string }
  | { source: 'local'; id: string; files?: File[] };

/** A parsed base model, shared read-only by everything that runs it. */
export interface BaseModel {
  /** Cache key: the same key means the same weights. */
  readonly key: string;
  readonly modelId: string;
  /** config.json as given (resume compares it to the checkpoint's). */
  readonly configJson: JsonObject;
  /** Parsed config with tied embeddings resolved from the tensors present. */
  readonly config: DecoderConfig;
  /** Every tensor the graph needs (checkpointTensorNames), as views into the file bytes. */
  readonly tensors: ReadonlyMap<string, RawTensor>;
  readonly tokenizer: HfTokenizer;
  readonly template: ChatTemplate;
  /** Bytes of the safetensors files. */
  readonly weightBytes: number;
}

export interface ModelLoadOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
}

export interface ModelServiceOptions {
  /**
   * Where refs' files come from; undefined falls back to the default (HubSource for 'hf',
   * LocalSource for 'local'). Tests inject a Hub on a local server or count loads.
   */
  source?: (ref: BaseModelRef) => ModelSource | undefined;
  /** The model cache (Hub downloads and kept local folders); default: Cache Storage. */
  cache?: BlobCache;
}

/**
 * Loads base models and keeps the last one: a second request for the same model (same repo
 * and revision, or the same picked files) gets the parsed model without reading its files
 * again. Asking for another model drops the previous one, so a worker never holds two bases.
 * What is kept is the safetensors bytes (once); the engine's device weights and a training
 * run's f32 copy are converted from them per use. clear() frees them when memory is tight.
 */
export class ModelService {
  private current: { key: string; model: Promise<BaseModel> } | null = null;
  private cacheInUse: BlobCache | undefined;

  constructor(private readonly options: ModelServiceOptions = {}) {}

  private get cache(): BlobCache {
    return (this.cacheInUse ??= this.options.cache ?? defaultBlobCache());
  }

  /**
   * The base model for `ref`, loaded once. Concurrent callers share one load; a failed or
   * cancelled load is forgotten so the next call tries again.
   */
  load(ref: BaseModelRef, opts: ModelLoadOptions = {}): Promise<BaseModel> {
    const key = modelKey(ref);
    if (this.current?.key === key) return this.current.model;
    const model = this.read(ref, key, opts);
    const entry = { key, model };
    this.current = entry;
    model.catch(() => {
      if (this.current === entry) this.current = null;
    });
    return model;
  }

  /** The cached model's key, if one is held (tests and diagnostics). */
  get heldKey(): string | null {
    return this.current?.key ?? null;
  }

  /** Drops the held model (its memory is freed once no engine or run uses it). */
  clear(): void {
    this.current = null;
  }

  private async read(ref: BaseModelRef, key: string, opts: ModelLoadOptions): Promise<BaseModel> {
    const source = this.options.source?.(ref) ?? defaultSource(ref, this.cache);
    const files = await source.load({
      signal: opts.signal,
      onProgress: opts.onProgress,
      job: `load:${ref.id}`,
    });
    const model = await parseBaseModel(files, { ...opts, key });
    // Only a folder that parsed is kept: a stage, a worker or a reload loads it from the cache.
    if (source instanceof LocalSource) await keepLocalModel(this.cache, ref.id, source.keptFiles());
    return model;
  }
}

/**
 * The default sources: the Hub (cached, resumable), the user's files, or for a local model
 * given without files its copy kept in the model cache.
 */
export function defaultSource(
  ref: BaseModelRef,
  cache: BlobCache = defaultBlobCache(),
): ModelSource {
  if (ref.source === 'hf')
    return new HubSource({
      repo: ref.id,
      revision: ref.revision,
      accessToken: ref.accessToken,
      cache,
    });
  if (!ref.id.trim()) throw new ModelLoadError('A local model needs a name', { modelId: ref.id });
  if (!ref.files?.length) return new CachedLocalSource(cache, ref.id);
  return new LocalSource(ref.files, ref.id);
}

/**
 * Same key, same weights: the repo and revision for the Hub; for picked files their names,
 * sizes and modification times (a re-picked, unchanged folder hits the cache).
 */
export function modelKey(ref: BaseModelRef): string {
  if (ref.source === 'hf') return `hf:${ref.id}@${ref.revision ?? 'main'}`;
  if (!ref.files?.length) return `local-kept:${ref.id}`;
  const files = ref.files
    .map((f) => `${f.name}:${f.size}:${f.lastModified}`)
    .sort()
    .join('|');
  return `local:${ref.id}:${files}`;
}

/**
 * Parses fetched files into a BaseModel: shards merged, tied embeddings resolved, every
 * graph tensor present (else ModelLoadError naming the tensor), tokenizer and template
 * built. Benchmarks and tests that build checkpoints in memory call it directly.
 */
export async function parseBaseModel(
  files: ModelFiles,
  opts: ModelLoadOptions & { key?: string } = {},
): Promise<BaseModel> {
  const modelId = files.modelId;
  const parsed = parseDecoderConfig(files.config); // ModelLoadError for other architectures
  const tokenizer = HfTokenizer.fromModelFiles(files);
  const all = new Map<string, RawTensor>();
  let done = 0;
  for (const w of files.weights) {
    if (opts.signal?.aborted) throw new CancelledError('Model load cancelled');
    const file = parseSafetensors(new Uint8Array(await w.blob.arrayBuffer()), w.file);
    for (const [name, t] of file.tensors) all.set(name, t);
    done += w.blob.size;
    opts.onProgress?.({
      job: `load:${modelId}`,
      kind: 'load',
      phase: 'read',
      done,
      total: files.weightBytes,
      unit: 'bytes',
    });
  }
  const config = resolveTiedEmbeddings(parsed, all.keys());
  const tensors = new Map<string, RawTensor>();
  for (const name of checkpointTensorNames(config)) {
    const t = all.get(name);
    if (!t)
      throw new ModelLoadError(`${modelId}: checkpoint is missing tensor "${name}"`, {
        modelId,
        tensor: name,
      });
    tensors.set(name, t);
  }
  if (tokenizer.vocabSize > config.vocabSize) {
    throw new ModelLoadError(
      `${modelId}: the tokenizer has ${tokenizer.vocabSize} tokens, the model only ${config.vocabSize}`,
      { modelId, file: 'tokenizer.json' },
    );
  }
  return {
    key: opts.key ?? `files:${modelId}`,
    modelId,
    configJson: files.config,
    config,
    tensors,
    tokenizer,
    template: ChatTemplate.forTokenizer(tokenizer),
    weightBytes: files.weightBytes,
  };
}
