// int4 block quantization (int4.ts): the packed layout MatMulNBits reads, the rounding error
// bound, and that zero stays exact. The ORT-side check (the same layout through MatMulNBits
// in transformers.js) is in export-transformers.test.ts.
import { describe, expect, it } from 'vitest';
import {
  dequantizeInt4,
  int4Bytes,
  INT4_BLOCK,
  quantizeInt4,
} from '../../../src/lib/engines/onnx/int4';
import { mulberry32, normalArray } from '../../helpers/tiny-checkpoint';

describe('int4 block quantization', () => {
  const n = 3;
  const k = 96; // three blocks per row: an odd count exercises the half-used zero-point byte
  const w = normalArray(mulberry32(7), n * k, 0.5);

  it('round-trips every value within half a quantization step of its block', () => {
    const q = quantizeInt4(w, n, k);
    const back = dequantizeInt4(q);
    for (let row = 0; row < n; row++) {
      for (let b = 0; b < k / INT4_BLOCK; b++) {
        const scale = q.scales[row * (k / INT4_BLOCK) + b];
        for (let i = 0; i < INT4_BLOCK; i++) {
          const at = row * k + b * INT4_BLOCK + i;
          expect(Math.abs(back[at] - w[at])).toBeLessThanOrEqual(scale / 2 + 1e-6);
        }
      }
    }
  });

  it('packs the even element in the low nibble and block zero points low nibble first', () => {
    const row = new Float32Array(2 * INT4_BLOCK);
    row.fill(0);
    row[0] = 1.5; // block 0: range [0, 1.5] → scale 0.1, zp 0, q = 15 at index 0
    row[INT4_BLOCK + 1] = -1.5; // block 1: range [-1.5, 0] → zp 15, q = 0 at index 1
    const q = quantizeInt4(row, 1, 2 * INT4_BLOCK);
    expect(q.packed[0]).toBe(0x0f);
    expect(q.packed[INT4_BLOCK / 2]).toBe(0x0f); // index 0 of block 1 is 0 → q = zp = 15; index 1 → 0
    expect(q.zeroPoints[0]).toBe(0xf0); // block 0 zp 0 (low), block 1 zp 15 (high)
    const back = dequantizeInt4(q);
    expect(back[0]).toBeCloseTo(1.5, 6);
    expect(back[INT4_BLOCK + 1]).toBeCloseTo(-1.5, 6);
    expect(back.filter((x, i) => x !== 0 && i !== 0 && i !== INT4_BLOCK + 1)).toHaveLength(0);
  });

  it('stores ~1/6 of the f32 bytes and rejects widths that are not whole blocks', () => {
    const q = quantizeInt4(w, n, k);
    expect(int4Bytes(q) / w.byteLength).toBeLessThan(0.2);
    expect(() => quantizeInt4(new Float32Array(40), 1, 40)).toThrow(/multiple of the block/);
  });
});
