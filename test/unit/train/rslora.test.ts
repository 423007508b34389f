// rsLoRA in training (issue 8 item 7): with `useRslora` the graphs' lora.scale is alpha/√r
// (Kalajdzievski 2023; PEFT `use_rslora`) instead of alpha/r. At PEFT's initialisation
// (B = 0) the model output does not depend on the scale, and ∂L/∂B = scale · (x·A)ᵀ·∂L/∂y, so
// the B gradients of the two settings differ by exactly (alpha/√r)/(alpha/r) = √r while the
// loss is identical. The PEFT files carry the setting as use_rslora and import it back.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { createGraphRunner, type GraphRunner } from '../../../src/lib/engines/onnx/train-session';
import { batchFeeds, buildTrainingArtifacts, staticFeeds } from '../../../src/lib/train/artifacts';
import {
  gradName,
  loraParams,
  loraScale,
  validateLora,
  type LoraConfig,
} from '../../../src/lib/train/lora-config';
import { initLora } from '../../../src/lib/train/lora-init';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  exportPeftAdapter,
  importPeftAdapter,
} from '../../../src/lib/train/peft';
import { InputError } from '../../../src/lib/protocol/errors';
import { maxRelError } from '../../helpers/rel-error';
import { makeTinyCheckpoint } from '../../helpers/tiny-checkpoint';

const ckpt = makeTinyCheckpoint({ arch: 'qwen2' });
const plain: LoraConfig = {
  rank: 16,
  alpha: 8,
  dropout: 0,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
};
const rs: LoraConfig = { ...plain, useRslora: true };
const SEQ = 8;
const batch = {
  batch: 1,
  seq: SEQ,
  inputIds: Int32Array.of(3, 41, 59, 26, 53, 58, 97, 93),
  attentionMask: new Int32Array(SEQ).fill(1),
  lossMask: Float32Array.of(0, 0, 1, 1, 1, 1, 1, 1),
};

describe('rsLoRA training scale', () => {
  let train: GraphRunner;

  beforeAll(async () => {
    ort.env.wasm.numThreads = 1;
    // One graph serves both: the scale is an input (lora.scale), not baked into the graph.
    const artifacts = buildTrainingArtifacts(ckpt.config, rs, {
      batch: 1,
      seq: SEQ,
      vocabChunk: 128,
    });
    train = await createGraphRunner(ort, artifacts.train);
  }, 120_000);

  it('feeds alpha/√r with useRslora and alpha/r without', () => {
    expect(loraScale(plain)).toBe(0.5);
    expect(loraScale(rs)).toBe(2);
    expect(staticFeeds(ckpt.config, rs, SEQ)['lora.scale'].data[0]).toBe(2);
    expect(staticFeeds(ckpt.config, plain, SEQ)['lora.scale'].data[0]).toBe(0.5);
    expect(() => validateLora({ ...plain, useRslora: 'yes' as unknown as boolean })).toThrow(
      InputError,
    );
  });

  it('scales the B gradients by √r at PEFT init, leaving the loss unchanged', async () => {
    const init = initLora(ckpt.config, rs, 7); // B = 0
    const outRs = await train.run(
      batchFeeds(batch, staticFeeds(ckpt.config, rs, SEQ), init, ckpt.tensors),
    );
    const outPlain = await train.run(
      batchFeeds(batch, staticFeeds(ckpt.config, plain, SEQ), init, ckpt.tensors),
    );
    expect(outRs.loss.data[0]).toBe(outPlain.loss.data[0]);
    let checked = 0;
    for (const p of loraParams(ckpt.config, rs)) {
      if (!p.name.endsWith('.B')) continue;
      const gRs = outRs[gradName(p.name)].data as Float32Array;
      const gPlain = outPlain[gradName(p.name)].data as Float32Array;
      expect(Math.max(...gRs.map(Math.abs)), p.name).toBeGreaterThan(0);
      const scaled = gPlain.map((g) => g * Math.sqrt(rs.rank));
      expect(maxRelError(gRs, scaled), p.name).toBeLessThan(1e-5);
      checked++;
    }
    expect(checked).toBe(2 * 3); // 2 layers × 3 modules
  });
});

describe('PEFT files carry use_rslora', () => {
  it.each([
    ['rsLoRA', rs, true],
    ['plain LoRA', plain, false],
  ])('%s round-trips through export → import', (_, lora, flag) => {
    const tensors = initLora(ckpt.config, lora, 3);
    const files = exportPeftAdapter(ckpt.config, lora, tensors, 'tiny-qwen2');
    const cfg = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]));
    expect(cfg.use_rslora).toBe(flag);
    const imported = importPeftAdapter(ckpt.config, cfg, files[ADAPTER_WEIGHTS_FILE]);
    expect(imported.lora.useRslora).toBe(flag);
    expect(imported.scale).toBe(flag ? 2 : 0.5);
  });

  it('refuses a use_rslora that is not a boolean, naming the field', () => {
    const files = exportPeftAdapter(ckpt.config, rs, initLora(ckpt.config, rs, 3));
    const cfg = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]));
    expect(() =>
      importPeftAdapter(ckpt.config, { ...cfg, use_rslora: 'true' }, files[ADAPTER_WEIGHTS_FILE]),
    ).toThrow(/adapter_config\.json, field "use_rslora": "use_rslora" must be true or false/);
  });
});
