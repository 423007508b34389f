// A model loaded from a local folder is kept in the model cache (the same Cache Storage bucket
// and chunk layout as Hub downloads, blob-cache.ts), under the id `local/<name>` and the
// revision LOCAL_REVISION, so that a method stage, another worker or the page after a reload
// loads it without the folder being picked again. Each file's manifest carries its size and a
// content check (a SHA-256 over its chunks' SHA-256s), verified whenever the copy is read; the
// Models and Storage views list it with its size and delete it like any cached model.
import { ModelLoadError, QuotaExceededError } from '../../protocol/errors';
import {
  type BlobCache,
  chunkKey,
  deleteCachedModel,
  type FileManifest,
  listCachedModels,
  readCachedFile,
  readManifest,
  writeManifest,
} from './blob-cache';
import {
  CONFIG_FILE,
  filesOnHand,
  GENERATION_CONFIG_FILE,
  type JsonObject,
  type LoadOptions,
  type ModelFiles,
  type ModelSource,
  parseJsonFile,
  shardsFromIndex,
  SINGLE_WEIGHTS_FILE,
  TOKENIZER_CONFIG_FILE,
  TOKENIZER_FILE,
  WEIGHTS_INDEX_FILE,
} from './model-files';

/** The revision local copies are stored under: never a Hub branch name, so no clash. */
export const LOCAL_REVISION = 'local-folder';
/** 16 MiB, as Hub downloads. */
const CHUNK_BYTES = 16 * 1024 * 1024;

/** The cache's repo id of a local model named `id` (the folder name, or the name typed). */
export function localCacheRepo(id: string): string {
  return `local/${id}`;
}

/** True for a cache entry that is a kept local folder (the Models view labels it so). */
export function isLocalCopy(revision: string): boolean {
  return revision === LOCAL_REVISION;
}

/**
 * The names of the local models kept whole in the cache: what a stage, the Train step or an
 * adapter import can load without the folder (`{ source: 'local', id }` with no files).
 */
export async function keptLocalModels(cache: BlobCache): Promise<string[]> {
  const prefix = localCacheRepo('');
  return (await listCachedModels(cache))
    .filter((m) => isLocalCopy(m.revision) && !m.partial && m.files.includes(CONFIG_FILE))
    .map((m) => m.repo.slice(prefix.length));
}

/** A file of the folder to keep: its name in the checkpoint and its bytes. */
export interface KeptFile {
  file: string;
  blob: Blob;
}

type Checked = FileManifest & { sha256?: string };

const hex = (buf: ArrayBuffer) =>
  [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');

/** SHA-256 over the SHA-256 of each chunk: hashes a large file one chunk at a time. */
async function contentHash(blob: Blob): Promise<string> {
  const digests: Uint8Array[] = [];
  for (let at = 0; at < blob.size || at === 0; at += CHUNK_BYTES) {
    const part = await blob.slice(at, at + CHUNK_BYTES).arrayBuffer();
    digests.push(new Uint8Array(await crypto.subtle.digest('SHA-256', part)));
    if (blob.size === 0) break;
  }
  const all = new Uint8Array(digests.length * 32);
  digests.forEach((d, i) => all.set(d, i * 32));
  return hex(await crypto.subtle.digest('SHA-256', all));
}

/**
 * Copies a local folder's checkpoint files into the cache (chunks first, each manifest last),
 * replacing an earlier copy under the same name whose content differs; an unchanged copy is
 * left as it is. Storage full is a QuotaExceededError naming the model.
 */
export async function keepLocalModel(cache: BlobCache, id: string, files: KeptFile[]) {
  const repo = localCacheRepo(id);
  const hashes = await Promise.all(files.map((f) => contentHash(f.blob)));
  const same = await Promise.all(
    files.map(async (f, i) => {
      const m = (await readManifest(cache, repo, LOCAL_REVISION, f.file)) as Checked | undefined;
      return m?.complete === true && m.size === f.blob.size && m.sha256 === hashes[i];
    }),
  );
  const listed = await readManifest(cache, repo, LOCAL_REVISION, CONFIG_FILE);
  if (same.every(Boolean) && listed) return;
  await deleteCachedModel(cache, repo, LOCAL_REVISION);
  try {
    for (const [i, { file, blob }] of files.entries()) {
      const chunks = Math.max(1, Math.ceil(blob.size / CHUNK_BYTES));
      for (let c = 0; c < chunks; c++) {
        const part = blob.slice(c * CHUNK_BYTES, (c + 1) * CHUNK_BYTES);
        await cache.put(chunkKey(repo, LOCAL_REVISION, file, c), part);
      }
      const manifest: Checked = {
        size: blob.size,
        chunkSize: CHUNK_BYTES,
        chunks,
        complete: true,
        sha256: hashes[i],
      };
      await writeManifest(cache, repo, LOCAL_REVISION, file, manifest);
    }
  } catch (err) {
    await deleteCachedModel(cache, repo, LOCAL_REVISION).catch(() => 0);
    if ((err as Error)?.name !== 'QuotaExceededError') throw err;
    const neededBytes = files.reduce((n, f) => n + f.blob.size, 0);
    throw new QuotaExceededError(
      `Keeping a copy of the local model "${id}" (${Math.ceil(neededBytes / 2 ** 20)} MB) ` +
        `for the method's stages needs more browser storage: delete cached models or free disk space.`,
      { neededBytes, modelId: id },
    );
  }
}

/**
 * The kept copy of a local model: the same ModelFiles a LocalSource gives, read from the
 * cache. A missing copy (never loaded from its folder here, or deleted) or a file whose size
 * or content check fails is a ModelLoadError naming the model and the file.
 */
export class CachedLocalSource implements ModelSource {
  private readonly repo: string;

  constructor(
    private readonly cache: BlobCache,
    readonly modelId: string,
  ) {
    this.repo = localCacheRepo(modelId);
  }

  async load(opts: LoadOptions = {}): Promise<ModelFiles> {
    if (!(await this.has(CONFIG_FILE))) {
      throw new ModelLoadError(
        `The local model "${this.modelId}" is not in this browser's model cache (deleted, or ` +
          `never loaded from its folder here): load its folder again on the Models step`,
        { modelId: this.modelId, file: CONFIG_FILE },
      );
    }
    let weightNames = [SINGLE_WEIGHTS_FILE];
    if (!(await this.has(SINGLE_WEIGHTS_FILE)))
      weightNames = shardsFromIndex(await this.json(WEIGHTS_INDEX_FILE), this.modelId);
    const weights = [];
    for (const file of weightNames) weights.push({ file, blob: await this.read(file) });
    const files = {
      modelId: this.modelId,
      config: await this.json(CONFIG_FILE),
      generationConfig: (await this.has(GENERATION_CONFIG_FILE))
        ? await this.json(GENERATION_CONFIG_FILE)
        : undefined,
      tokenizerJson: await this.json(TOKENIZER_FILE),
      tokenizerConfig: await this.json(TOKENIZER_CONFIG_FILE),
      weights,
    };
    return filesOnHand(files, opts, 'kept local files');
  }

  private async has(file: string): Promise<boolean> {
    return (await readManifest(this.cache, this.repo, LOCAL_REVISION, file))?.complete === true;
  }

  /** The file's bytes, after its size and content check. */
  private async read(file: string): Promise<Blob> {
    const manifest = (await readManifest(this.cache, this.repo, LOCAL_REVISION, file)) as
      Checked | undefined;
    const blob = await readCachedFile(this.cache, this.repo, LOCAL_REVISION, file);
    const why = !manifest?.complete
      ? 'is missing'
      : !blob
        ? 'is incomplete (some of its chunks are gone)'
        : manifest.sha256 && (await contentHash(blob)) !== manifest.sha256
          ? 'fails its content check (it changed since it was kept)'
          : null;
    if (why || !blob)
      throw new ModelLoadError(
        `${file} of the kept local model "${this.modelId}" ${why}: load its folder again on the Models step`,
        { modelId: this.modelId, file },
      );
    return blob;
  }

  private async json(file: string): Promise<JsonObject> {
    return parseJsonFile(await (await this.read(file)).text(), file, this.modelId);
  }
}
