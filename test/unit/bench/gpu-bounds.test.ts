// The GPU benchmark's rooflines (test/bench/gpu/bounds.ts) against hand-computed figures.
import { describe, expect, it } from 'vitest';
import {
  decodeBound,
  forwardFlops,
  KNOWN_GPUS,
  prefillBound,
  resolveGpu,
  trainBound,
  type ModelShape,
} from '../../bench/gpu/bounds';

const m: ModelShape = {
  params: 500e6,
  layers: 28,
  kvHeads: 8,
  heads: 16,
  headDim: 64,
  weightBytes: 2,
};
const gpu = { name: 'test', bandwidthGBs: 1000, tflopsF32: 10 };

describe('GPU benchmark bounds', () => {
  it('decode reads the weights once per step and each row its cache', () => {
    // no cache: 1e12 B/s / 1e9 B = 1000 tokens/s at batch 1, 8000 at batch 8
    expect(decodeBound(gpu, m, 1, 0)).toBeCloseTo(1000, 6);
    expect(decodeBound(gpu, m, 8, 0)).toBeCloseTo(8000, 6);
    // 1024 positions: 2·28·1024·8·64·4 B = 117.4 MB more per row
    const kv = 2 * 28 * 1024 * 8 * 64 * 4;
    expect(decodeBound(gpu, m, 1, 1024)).toBeCloseTo(1e12 / (1e9 + kv), 6);
  });

  it('prefill and training are FLOP-bound at 2 and ~4 FLOPs per parameter per token', () => {
    expect(forwardFlops(m, 1)).toBe(2 * 500e6 + 2 * 28 * 16 * 64);
    const t = 512;
    expect(prefillBound(gpu, m, t)).toBeCloseTo((10e12 * t) / forwardFlops(m, t), 6);
    expect(trainBound(gpu, m, 4, t)).toBeCloseTo(prefillBound(gpu, m, t) / 2, 6);
  });

  it('resolves a known GPU, a custom one, and names the choices for an unknown one', () => {
    expect(resolveGpu('H200')).toEqual(KNOWN_GPUS.h200);
    expect(resolveGpu('mine', 500, 20)).toEqual({ name: 'mine', bandwidthGBs: 500, tflopsF32: 20 });
    expect(() => resolveGpu('gtx1080')).toThrow(/h200.*--bandwidth/);
    expect(() => resolveGpu('x', -1, 5)).toThrow(/positive/);
  });
});
