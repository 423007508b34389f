// A model loaded from a local folder is kept in the model cache (`local/<name>`, with its size
// and a content check), so a method stage loads it after a reload without the folder: through
// the same path a stage takes (the role's spec without files → OrtEngine → ModelService).
// Deleting the copy, or a changed copy, makes the load name the model and the file.
import { describe, expect, it, vi } from 'vitest';
import {
  chunkKey,
  deleteCachedModel,
  listCachedModels,
  MemoryBlobCache,
} from '../../../src/lib/engines/hf/blob-cache';
import {
  CachedLocalSource,
  keepLocalModel,
  LOCAL_REVISION,
} from '../../../src/lib/engines/hf/local-cache';
import { LocalSource } from '../../../src/lib/engines/hf/model-files';
import { ModelService } from '../../../src/lib/engines/model-service';
import type { Progress } from '../../../src/lib/protocol/progress';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { roleModelLoader } from '../../../src/lib/state/role-models';
import type { RoleAssignment } from '../../../src/lib/domain';
import { nodeOrt, tinyModelFileList } from './ort-fixtures';

vi.setConfig({ testTimeout: 60_000 });

const role: RoleAssignment = {
  engine: 'onnx',
  source: 'local',
  modelId: 'my-tiny',
  assignedAt: 1,
};

/** The folder's files as the model service keeps them (without parsing the model). */
const keep = (cache: MemoryBlobCache, id: string, folder: File[]) =>
  keepLocalModel(
    cache,
    id,
    folder.map((f) => ({ file: f.name, blob: f })),
  );

/** A stage's loader on a page that has never seen the folder (a reload: new services). */
function stageLoader(cache: MemoryBlobCache) {
  return roleModelLoader({
    fake: false,
    create: () => new OrtEngine({ ort: nodeOrt, models: new ModelService({ cache }) }),
    adapterSpec: () => Promise.reject(new Error('no adapter here')),
  });
}

describe('local folder models in the model cache', () => {
  it('keeps a loaded folder, lists it with its size, and a stage loads it after a reload', async () => {
    const cache = new MemoryBlobCache();
    const folder = tinyModelFileList('llama');
    const first = new ModelService({ cache });
    const loaded = await first.load({ source: 'local', id: 'my-tiny', files: folder });

    const [kept] = await listCachedModels(cache);
    expect(kept).toMatchObject({ repo: 'local/my-tiny', revision: LOCAL_REVISION, partial: false });
    expect(kept.files).toEqual(
      ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'].sort(),
    );
    expect(kept.bytes).toBe(folder.reduce((n, f) => n + f.size, 0));

    // The role assigned in Models carries no files: the stage finds the kept copy.
    const { engine, model } = await stageLoader(cache)('rater', role);
    expect(model.lineage.model).toEqual({ id: 'my-tiny' });
    expect(model.contextTokens).toBe(loaded.config.maxPositionEmbeddings);
    const [out] = await engine.generateBatch([{ prompt: 'Hello', maxTokens: 3, temperature: 0 }]);
    expect(out.completionTokens).toBeGreaterThan(0);
    await engine.unload();

    // Loading the same folder again leaves the copy as it is.
    const before = await cache.get(chunkKey('local/my-tiny', LOCAL_REVISION, 'config.json', 0));
    await new ModelService({ cache }).load({ source: 'local', id: 'my-tiny', files: folder });
    const after = await cache.get(chunkKey('local/my-tiny', LOCAL_REVISION, 'config.json', 0));
    expect(after).toBe(before);
  });

  it('the folder and its kept copy report the same finished load, saying where from', async () => {
    const cache = new MemoryBlobCache();
    const folder = tinyModelFileList('llama');
    await keep(cache, 'my-tiny', folder);
    const events: Progress[] = [];
    const onProgress = (p: Progress) => events.push(p);
    const picked = await new LocalSource(folder, 'my-tiny').load({ onProgress, job: 'j' });
    const kept = await new CachedLocalSource(cache, 'my-tiny').load({ onProgress, job: 'j' });
    expect(kept.weightBytes).toBe(picked.weightBytes);
    const done = { job: 'j', kind: 'download', phase: 'download', unit: 'bytes' };
    const bytes = { done: picked.weightBytes, total: picked.weightBytes };
    expect(events).toEqual([
      { ...done, ...bytes, detail: 'local files' },
      { ...done, ...bytes, detail: 'kept local files' },
    ]);
  });

  it('a deleted copy makes the stage name the missing model', async () => {
    const cache = new MemoryBlobCache();
    await keep(cache, 'my-tiny', tinyModelFileList('llama'));
    expect(await deleteCachedModel(cache, 'local/my-tiny', LOCAL_REVISION)).toBeGreaterThan(0);
    await expect(stageLoader(cache)('backward', role)).rejects.toThrow(
      'The local model "my-tiny" is not in this browser\'s model cache',
    );
  });

  it('a copy whose bytes changed fails its content check, naming the file', async () => {
    const cache = new MemoryBlobCache();
    await keep(cache, 'my-tiny', tinyModelFileList('llama'));
    const key = chunkKey('local/my-tiny', LOCAL_REVISION, 'tokenizer_config.json', 0);
    const text = await (await cache.get(key))!.text();
    await cache.put(key, new Blob([text.replace('{', '{ ').slice(0, text.length)]));
    await expect(
      new ModelService({ cache }).load({ source: 'local', id: 'my-tiny' }),
    ).rejects.toThrow(
      'tokenizer_config.json of the kept local model "my-tiny" fails its content check',
    );
  });

  it('a folder picked again with other content replaces the copy; a bad folder keeps nothing', async () => {
    const cache = new MemoryBlobCache();
    const folder = tinyModelFileList('llama');
    await keep(cache, 'my-tiny', folder);
    const config = JSON.parse(await folder.find((f) => f.name === 'config.json')!.text());
    const changed = folder.map((f) =>
      f.name === 'config.json'
        ? new File([JSON.stringify({ ...config, rms_norm_eps: 1e-5 })], 'config.json')
        : f,
    );
    await keep(cache, 'my-tiny', changed);
    const reread = await new CachedLocalSource(cache, 'my-tiny').load();
    expect(reread.config.rms_norm_eps).toBe(1e-5);

    const broken = folder.filter((f) => f.name !== 'tokenizer.json');
    await expect(
      new ModelService({ cache }).load({ source: 'local', id: 'other', files: broken }),
    ).rejects.toThrow('The folder "other" is missing tokenizer.json');
    expect((await listCachedModels(cache)).map((m) => m.repo)).toEqual(['local/my-tiny']);
  });
});
