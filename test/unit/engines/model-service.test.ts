// The model service: one load per base model however many engines and runs ask, shards
// merged, tied embeddings resolved, and bad checkpoints named precisely.
import { describe, expect, it } from 'vitest';
import type { ModelFiles, ModelSource } from '../../../src/lib/engines/hf/model-files';
import {
  ModelService,
  modelKey,
  parseBaseModel,
  type BaseModelRef,
} from '../../../src/lib/engines/model-service';
import { writeSafetensors, type TensorToWrite } from '../../../src/lib/engines/onnx/safetensors';
import { ModelLoadError } from '../../../src/lib/protocol/errors';
import { asFolder } from '../../helpers/model-folder';
import { tinyModel } from './ort-fixtures';

/** A source that counts its loads and can fail the first `failures` of them. */
function countingSource(files: ModelFiles, failures = 0) {
  const loads: string[] = [];
  const source = (ref: BaseModelRef): ModelSource => ({
    modelId: ref.id,
    load: async () => {
      loads.push(modelKey(ref));
      if (loads.length <= failures) throw new ModelLoadError('network down');
      return { ...files, modelId: ref.id };
    },
  });
  return { loads, source };
}

/** The tiny Llama re-written with the given tensors, split over `shards` files. */
function rewritten(drop: string[] = [], shards = 1): ModelFiles {
  const { ckpt, files } = tinyModel('llama');
  const names = [...ckpt.tensors.keys()].filter((n) => !drop.includes(n));
  const weights = Array.from({ length: shards }, (_, s) => {
    const part: Record<string, TensorToWrite> = {};
    for (const n of names.filter((_, i) => i % shards === s))
      part[n] = { dtype: 'F32', ...ckpt.tensors.get(n)! };
    const file = `model-0000${s + 1}-of-0000${shards}.safetensors`;
    return { file, blob: new Blob([writeSafetensors(part) as Uint8Array<ArrayBuffer>]) };
  });
  return { ...files, weights, weightBytes: weights.reduce((n, w) => n + w.blob.size, 0) };
}

describe('ModelService', () => {
  it('loads a model once for every caller, concurrent or later', async () => {
    const { loads, source } = countingSource(tinyModel('llama').files);
    const models = new ModelService({ source });
    const ref: BaseModelRef = { source: 'hf', id: 'org/tiny', revision: 'v1' };
    const [a, b] = await Promise.all([models.load(ref), models.load({ ...ref })]);
    const c = await models.load(ref);
    expect(loads).toEqual(['hf:org/tiny@v1']);
    expect(b).toBe(a);
    expect(c).toBe(a);
    expect(a.tensors.size).toBeGreaterThan(10);
    expect(a.tokenizer.vocabSize).toBe(32000);
  });

  it('holds one base at a time: another model or revision replaces it', async () => {
    const { loads, source } = countingSource(tinyModel('llama').files);
    const models = new ModelService({ source });
    const v1: BaseModelRef = { source: 'hf', id: 'org/tiny', revision: 'v1' };
    const first = await models.load(v1);
    await models.load({ ...v1, revision: 'v2' });
    expect(models.heldKey).toBe('hf:org/tiny@v2');
    const again = await models.load(v1);
    expect(again).not.toBe(first);
    expect(loads).toEqual(['hf:org/tiny@v1', 'hf:org/tiny@v2', 'hf:org/tiny@v1']);
  });

  it('forgets a failed load, so the next call tries again', async () => {
    const { loads, source } = countingSource(tinyModel('llama').files, 1);
    const models = new ModelService({ source });
    const ref: BaseModelRef = { source: 'hf', id: 'org/tiny' };
    await expect(models.load(ref)).rejects.toThrow('network down');
    expect(models.heldKey).toBeNull();
    await expect(models.load(ref)).resolves.toBeTruthy();
    expect(loads.length).toBe(2);
  });

  it('reads a picked folder once, and again when its files change', async () => {
    const folder = asFolder(tinyModel('llama').files);
    const models = new ModelService();
    const a = await models.load({ source: 'local', id: 'tiny', files: folder });
    const b = await models.load({ source: 'local', id: 'tiny', files: [...folder].reverse() });
    expect(b).toBe(a);
    const changed = folder.map((f) =>
      f.name === 'config.json' ? new File([' ', f], f.name, { lastModified: 1 }) : f,
    );
    const c = await models.load({ source: 'local', id: 'tiny', files: changed });
    expect(c).not.toBe(a);
    expect(c.configJson).toEqual(a.configJson);
  });

  it('merges shards and resolves tied embeddings from the tensors present', async () => {
    const whole = await parseBaseModel(rewritten());
    const sharded = await parseBaseModel(rewritten([], 3));
    expect([...sharded.tensors.keys()].sort()).toEqual([...whole.tensors.keys()].sort());
    expect(whole.config.tieWordEmbeddings).toBe(false);
    const tied = await parseBaseModel(rewritten(['lm_head.weight']));
    expect(tied.config.tieWordEmbeddings).toBe(true);
    expect(tied.tensors.has('lm_head.weight')).toBe(false);
  });

  it('names the missing tensor and a tokenizer larger than the model', async () => {
    const name = 'model.layers.1.mlp.up_proj.weight';
    await expect(parseBaseModel(rewritten([name], 2))).rejects.toThrow(
      `tiny-llama: checkpoint is missing tensor "${name}"`,
    );
    const files = tinyModel('llama').files;
    const small = { ...files, config: { ...files.config, vocab_size: 1000 } };
    await expect(parseBaseModel(small)).rejects.toThrow(
      'the tokenizer has 32000 tokens, the model only 1000',
    );
  });

  it('looks for a local model given without files in the model cache', async () => {
    const models = new ModelService();
    await expect(models.load({ source: 'local', id: 'empty', files: [] })).rejects.toThrow(
      'The local model "empty" is not in this browser\'s model cache',
    );
  });
});
