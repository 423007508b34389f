// The Models screen's catalogue (issue 9 §1): parameter counts and memory estimates from the
// config shape, the verdict against a device's limits, and web-llm's list split with reasons.
import { describe, expect, it } from 'vitest';
import {
  deviceBudget,
  estimateMemory,
  judgeFit,
  ONNX_CATALOGUE,
  parameterCounts,
} from '../../../src/lib/engines/catalogue/onnx-catalogue';
import { listWebLlmModels } from '../../../src/lib/engines/catalogue/webllm-catalogue';
import type { WebLlmRecord } from '../../../src/lib/engines/webllm/models';

const entry = (id: string) => ONNX_CATALOGUE.find((e) => e.id === id)!;
const GB = 2 ** 30;
const bigGpu = { shaderF16: true, maxBufferSize: 4 * GB, maxStorageBufferBindingSize: 4 * GB };

describe('ONNX catalogue', () => {
  it('counts parameters as the published checkpoints have them', () => {
    // Figures from the checkpoints' safetensors headers (sum of tensor sizes).
    expect(parameterCounts(entry('HuggingFaceTB/SmolLM2-135M-Instruct').shape).total).toBe(
      134_515_008,
    );
    expect(parameterCounts(entry('Qwen/Qwen2.5-0.5B-Instruct').shape).total).toBe(494_032_768);
    expect(parameterCounts(entry('TinyLlama/TinyLlama-1.1B-Chat-v1.0').shape).total).toBe(
      1_100_048_384,
    );
  });

  it('lists only 100M–1.7B instruct checkpoints whose bf16 download matches their size', () => {
    for (const e of ONNX_CATALOGUE) {
      const n = parameterCounts(e.shape).total;
      expect(n, e.id).toBeGreaterThan(100e6);
      expect(n, e.id).toBeLessThan(1.7e9);
      // bf16 safetensors: 2 bytes a parameter plus a small header
      expect(Math.abs(e.downloadBytes - 2 * n) / (2 * n), e.id).toBeLessThan(0.02);
    }
  });

  it('estimates fp16 at half of fp32 and int4 well below fp16, with the KV cache on top', () => {
    const s = entry('HuggingFaceTB/SmolLM2-360M-Instruct').shape;
    const f32 = estimateMemory(s, 'fp32', 'fp32');
    const f16 = estimateMemory(s, 'fp16', 'fp16');
    const q4 = estimateMemory(s, 'int4', 'fp16');
    expect(f16.weightBytes * 2).toBe(f32.weightBytes);
    expect(q4.weightBytes).toBeLessThan(f16.weightBytes * 0.6);
    expect(q4.weightBytes).toBeGreaterThan(f16.weightBytes / 4);
    // 2 (K and V) × 32 layers × 5 kv heads × 64 dims × 2048 tokens × 4 bytes
    expect(f16.kvCacheBytes).toBe(2 * 32 * 5 * 64 * 2048 * 4);
    expect(f16.totalBytes).toBeGreaterThan(f16.weightBytes + f16.kvCacheBytes);
  });

  it('refuses a checkpoint whose embedding exceeds one storage binding, as the engine would', () => {
    const small = deviceBudget({ ...bigGpu, maxStorageBufferBindingSize: 128 * 2 ** 20 }, 8);
    const qwen = judgeFit(entry('Qwen/Qwen2.5-0.5B-Instruct').shape, 'fp16', small);
    expect(qwen.fit).toBe('too-big');
    expect(qwen.reason).toMatch(/largest tensor needs 260 MB.*allows 128 MB per buffer/);
    // SmolLM2-135M's embedding is 54 MB in f16: it fits the same device.
    expect(judgeFit(entry('HuggingFaceTB/SmolLM2-135M-Instruct').shape, 'fp16', small).fit).toBe(
      'fits',
    );
  });

  it('runs fp16 as fp32 without shader-f16, and flags a total above the reported memory', () => {
    const noF16 = deviceBudget({ ...bigGpu, shaderF16: false }, 4);
    const tiny = judgeFit(entry('HuggingFaceTB/SmolLM2-135M-Instruct').shape, 'fp16', noF16);
    expect(tiny.estimate.dtype).toBe('fp32');
    expect(tiny.fit).toBe('fits');
    const big = judgeFit(entry('Qwen/Qwen2.5-1.5B-Instruct').shape, 'fp16', noF16);
    expect(big.fit).toBe('tight');
    expect(big.reason).toMatch(/browser reports at least 4,096 MB/);
    // Unknown device memory: no "tight" verdict on a guess.
    expect(
      judgeFit(entry('Qwen/Qwen2.5-1.5B-Instruct').shape, 'fp16', deviceBudget(bigGpu, null)).fit,
    ).toBe('fits');
  });

  it('without an adapter judges against the wasm heap, where int4 can make a model fit', () => {
    const wasm = deviceBudget(null, null);
    expect(wasm.kind).toBe('wasm');
    const s = entry('TinyLlama/TinyLlama-1.1B-Chat-v1.0').shape;
    const f32 = judgeFit(s, 'fp32', wasm);
    expect(f32.fit).toBe('too-big');
    expect(f32.reason).toMatch(/wasm heap budget/);
    expect(judgeFit(s, 'int4', wasm).fit).toBe('fits');
  });
});

describe('web-llm listing', () => {
  const records: WebLlmRecord[] = [
    { model_id: 'Big-q4f16_1-MLC', vram_required_MB: 9000, required_features: ['shader-f16'] },
    { model_id: 'Small-q4f16_1-MLC', vram_required_MB: 900 },
    { model_id: 'Small-q4f32_1-MLC', vram_required_MB: 1100 },
    { model_id: 'Mid-q4f32_1-MLC', vram_required_MB: 3000 },
    { model_id: 'Lonely-q0f16-MLC', vram_required_MB: 500 },
  ];

  it('shows what fits, smallest first, and hides the rest with a reason each', () => {
    const l = listWebLlmModels(records, {
      webgpu: true,
      shaderF16: true,
      deviceMemoryBytes: 8 * GB,
    });
    expect(l.shown.map((r) => r.model_id)).toEqual([
      'Lonely-q0f16-MLC',
      'Small-q4f16_1-MLC',
      'Small-q4f32_1-MLC',
      'Mid-q4f32_1-MLC',
    ]);
    expect(l.hidden).toEqual([
      {
        record: records[0],
        reason: 'needs 9,000 MB of GPU memory; the browser reports 8,192 MB',
      },
    ]);
  });

  it('without shader-f16 hides f16 builds, naming the f32 twin when there is one', () => {
    const l = listWebLlmModels(records, {
      webgpu: true,
      shaderF16: false,
      deviceMemoryBytes: null,
    });
    expect(l.shown.map((r) => r.model_id)).toEqual(['Small-q4f32_1-MLC', 'Mid-q4f32_1-MLC']);
    const reasons = Object.fromEntries(l.hidden.map((h) => [h.record.model_id, h.reason]));
    expect(reasons['Small-q4f16_1-MLC']).toMatch(/shader-f16.*listed as Small-q4f32_1-MLC/);
    expect(reasons['Lonely-q0f16-MLC']).toBe(
      'needs the shader-f16 GPU feature, which this device lacks, and has no f32 variant',
    );
  });

  it('without WebGPU hides everything, saying why', () => {
    const l = listWebLlmModels(records, {
      webgpu: false,
      shaderF16: false,
      deviceMemoryBytes: null,
    });
    expect(l.shown).toEqual([]);
    expect(new Set(l.hidden.map((h) => h.reason))).toEqual(
      new Set(['web-llm needs WebGPU, which this browser does not offer']),
    );
  });
});
