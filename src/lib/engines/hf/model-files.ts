// The files a Llama / Qwen2 Hugging Face checkpoint needs, and where they come from: the
// Hub (hub-source.ts, cached + resumable) or a local folder the user picked or dropped
// (LocalSource here, no network). Both hand the ONNX engine the same ModelFiles: parsed
// JSON configs plus the raw safetensors bytes as Blobs (engines/onnx parses those).
import { CancelledError, ModelLoadError } from '../../protocol/errors';
import type { Progress } from '../../protocol/progress';

export const CONFIG_FILE = 'config.json';
export const GENERATION_CONFIG_FILE = 'generation_config.json';
export const TOKENIZER_FILE = 'tokenizer.json';
export const TOKENIZER_CONFIG_FILE = 'tokenizer_config.json';
export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

/** Always needed; weights are either SINGLE_WEIGHTS_FILE or the index plus its shards. */
export const REQUIRED_FILES = [CONFIG_FILE, TOKENIZER_FILE, TOKENIZER_CONFIG_FILE] as const;
export const OPTIONAL_FILES = [GENERATION_CONFIG_FILE] as const;

export type JsonObject = Record<string, unknown>;

export interface WeightFile {
  file: string;
  blob: Blob;
}

export interface ModelFiles {
  /** Repo id or local folder name. */
  modelId: string;
  config: JsonObject;
  generationConfig?: JsonObject;
  tokenizerJson: JsonObject;
  tokenizerConfig: JsonObject;
  /** Safetensors files in load order: one for a single file, else the index's shards. */
  weights: WeightFile[];
  /** Total bytes of `weights`. */
  weightBytes: number;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** Job id for progress events. */
  job?: string;
}

/** Where a checkpoint's files come from. */
export interface ModelSource {
  readonly modelId: string;
  load(opts?: LoadOptions): Promise<ModelFiles>;
}

/**
 * ModelFiles read on this machine (a picked folder, or its copy kept in the model cache): the
 * weights' bytes totalled, and one progress event saying they are all there, as a finished
 * download would (`detail` says from where).
 */
export function filesOnHand(
  files: Omit<ModelFiles, 'weightBytes'>,
  opts: LoadOptions,
  detail: string,
): ModelFiles {
  const weightBytes = files.weights.reduce((n, w) => n + w.blob.size, 0);
  opts.onProgress?.({
    job: opts.job ?? files.modelId,
    kind: 'download',
    phase: 'download',
    done: weightBytes,
    total: weightBytes,
    unit: 'bytes',
    detail,
  });
  return { ...files, weightBytes };
}

/** Parses a JSON model file, naming the file and model when it is broken. */
export function parseJsonFile(text: string, file: string, modelId: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ModelLoadError(`${file} of ${modelId} is not valid JSON: ${(err as Error).message}`, {
      modelId,
      file,
    });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new ModelLoadError(`${file} of ${modelId} is not a JSON object`, { modelId, file });
  }
  return value as JsonObject;
}

/**
 * Shard file names from model.safetensors.index.json (`weight_map`: tensor → shard), in
 * sorted order so "model-00001-of-00002" loads first.
 */
export function shardsFromIndex(index: JsonObject, modelId: string): string[] {
  const map = index.weight_map;
  if (!map || typeof map !== 'object') {
    throw new ModelLoadError(`${WEIGHTS_INDEX_FILE} of ${modelId} has no "weight_map"`, {
      modelId,
      file: WEIGHTS_INDEX_FILE,
    });
  }
  const shards = new Set<string>();
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || !shard.endsWith('.safetensors') || shard.includes('..')) {
      throw new ModelLoadError(
        `${WEIGHTS_INDEX_FILE} of ${modelId}: tensor "${tensor}" maps to an invalid shard name`,
        { modelId, file: WEIGHTS_INDEX_FILE, field: tensor },
      );
    }
    shards.add(shard);
  }
  if (!shards.size) {
    throw new ModelLoadError(`${WEIGHTS_INDEX_FILE} of ${modelId} names no shards`, {
      modelId,
      file: WEIGHTS_INDEX_FILE,
    });
  }
  return [...shards].sort();
}

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Path depth of a picked file: shallower wins when two files share a base name. */
function depth(file: File): number {
  const rel = (file as File & { webkitRelativePath?: string }).webkitRelativePath || file.name;
  return rel.split('/').length;
}

/**
 * A checkpoint from File objects: a folder picked with `<input webkitdirectory>` or dropped.
 * Files are matched by base name, so the folder's own name and nesting do not matter.
 */
export class LocalSource implements ModelSource {
  private byName = new Map<string, File>();
  /** The checkpoint's files the last load() read (what the model cache keeps of the folder). */
  private used: string[] = [];

  constructor(
    files: File[],
    readonly modelId: string = LocalSource.folderName(files),
  ) {
    for (const file of files) {
      const name = baseName(file.name);
      const seen = this.byName.get(name);
      if (!seen || depth(file) < depth(seen)) this.byName.set(name, file);
    }
  }

  /** The picked folder's name (first segment of webkitRelativePath), else "local model". */
  static folderName(files: File[]): string {
    const rel = (files[0] as (File & { webkitRelativePath?: string }) | undefined)
      ?.webkitRelativePath;
    return rel && rel.includes('/') ? rel.split('/')[0] : 'local model';
  }

  async load(opts: LoadOptions = {}): Promise<ModelFiles> {
    const missing: string[] = REQUIRED_FILES.filter((f) => !this.byName.has(f));
    let weightNames: string[] = [];
    if (this.byName.has(SINGLE_WEIGHTS_FILE)) weightNames = [SINGLE_WEIGHTS_FILE];
    else if (this.byName.has(WEIGHTS_INDEX_FILE)) {
      const index = await this.json(WEIGHTS_INDEX_FILE);
      weightNames = shardsFromIndex(index, this.modelId);
      missing.push(...weightNames.filter((f) => !this.byName.has(f)));
    } else missing.push(`${SINGLE_WEIGHTS_FILE} (or ${WEIGHTS_INDEX_FILE} with its shards)`);
    if (missing.length) {
      throw new ModelLoadError(
        `The folder "${this.modelId}" is missing ${missing.join(', ')}. ` +
          `Pick the folder that holds the Hugging Face checkpoint files.`,
        { modelId: this.modelId, missing },
      );
    }
    if (opts.signal?.aborted) throw new CancelledError();
    const [config, tokenizerJson, tokenizerConfig] = await Promise.all(
      REQUIRED_FILES.map((f) => this.json(f)),
    );
    const generationConfig = this.byName.has(GENERATION_CONFIG_FILE)
      ? await this.json(GENERATION_CONFIG_FILE)
      : undefined;
    const weights = weightNames.map((file) => ({ file, blob: this.byName.get(file)! as Blob }));
    this.used = [
      ...REQUIRED_FILES,
      ...(generationConfig ? [GENERATION_CONFIG_FILE] : []),
      ...(weightNames[0] === SINGLE_WEIGHTS_FILE ? [] : [WEIGHTS_INDEX_FILE]),
      ...weightNames,
    ];
    return filesOnHand(
      { modelId: this.modelId, config, generationConfig, tokenizerJson, tokenizerConfig, weights },
      opts,
      'local files',
    );
  }

  /** The files the last load() read, by checkpoint name (empty before a load). */
  keptFiles(): { file: string; blob: Blob }[] {
    return this.used.map((file) => ({ file, blob: this.byName.get(file)! }));
  }

  private async json(file: string): Promise<JsonObject> {
    return parseJsonFile(await this.byName.get(file)!.text(), file, this.modelId);
  }
}
