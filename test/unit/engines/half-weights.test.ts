// f32 / bf16 / f16 checkpoint tensors → f16 weights (half.ts), and the device's choice of
// weight precision. Rounding is checked by a property (no f16 value is closer, ties go to
// an even significand) rather than by the converter's own arithmetic.
import { describe, expect, it } from 'vitest';
import {
  checkFits,
  chooseWeightDtype,
  type DeviceChoice,
} from '../../../src/lib/engines/onnx/device';
import {
  commonWeightType,
  float32ToHalfArray,
  toFloat16,
  weightTypeOf,
  type WeightTensor,
} from '../../../src/lib/engines/onnx/half';
import {
  halfToFloat,
  parseSafetensors,
  type RawTensor,
} from '../../../src/lib/engines/onnx/safetensors';
import { ModelLoadError } from '../../../src/lib/protocol/errors';
import { makeTinyCheckpoint, mulberry32 } from '../../helpers/tiny-checkpoint';

function rawF32(values: Float32Array): RawTensor {
  return { dtype: 'F32', shape: [values.length], bytes: new Uint8Array(values.buffer.slice(0)) };
}

function rawU16(dtype: 'F16' | 'BF16', bits: Uint16Array): RawTensor {
  return { dtype, shape: [bits.length], bytes: new Uint8Array(bits.buffer.slice(0)) };
}

/** The nearest-even property: no neighbouring f16 is closer, and a tie lands on even bits. */
function roundingViolation(value: number, h: number): string | null {
  if (Number.isNaN(value)) return (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0 ? null : 'NaN';
  if (Math.abs(value) > 65520 - 1e-9 || !Number.isFinite(value)) {
    // Beyond max half + half an ulp (65520) rounds to infinity.
    return halfToFloat(h) === (value > 0 ? Infinity : -Infinity) ? null : 'overflow';
  }
  const mine = halfToFloat(h);
  const err = Math.abs(mine - value);
  for (const n of [h - 1, h + 1]) {
    if ((n & 0x7fff) > 0x7bff || n < 0 || ((n ^ h) & 0x8000) !== 0) continue;
    const other = Math.abs(halfToFloat(n) - value);
    if (other < err) return `neighbour ${n.toString(16)} is closer`;
    if (other === err && h & 1) return 'tie not rounded to even';
  }
  if (err > 0 && mine === 0 && (h & 0x8000) !== (value < 0 ? 0x8000 : 0)) return 'sign';
  return null;
}

describe('f32 → f16 (round to nearest even)', () => {
  it('maps known values, subnormals, infinities and NaN to the right bits', () => {
    const cases: [number, number][] = [
      [1, 0x3c00],
      [-2, 0xc000],
      [0.1, 0x2e66],
      [65504, 0x7bff], // largest half
      [65519, 0x7bff], // just below the rounding point
      [65520, 0x7c00], // tie at max + half ulp → inf (even)
      [1e6, 0x7c00],
      [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [2 ** -25, 0x0000], // tie between 0 and 2^-24 → 0 (even)
      [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], // tie between 1 and 2 ulps → 2 (even)
      [2 ** -26, 0x0000],
      [-0, 0x8000],
      [1 + 2 ** -11, 0x3c00], // tie → even
      [1 + 3 * 2 ** -11, 0x3c02], // tie → even (up)
    ];
    const got = float32ToHalfArray(Float32Array.from(cases.map(([v]) => v)));
    expect(Array.from(got).map((h) => h.toString(16))).toEqual(
      cases.map(([, h]) => h.toString(16)),
    );
    const nan = toFloat16(rawF32(Float32Array.of(NaN))).data[0];
    expect(Number.isNaN(halfToFloat(nan))).toBe(true);
  });

  it('every f16 value survives f16 → f32 → f16 unchanged', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const widened = Float32Array.from(bits, (h) => halfToFloat(h));
    const back = toFloat16(rawF32(widened)).data;
    let mismatches = 0;
    for (let i = 0; i < 65536; i++) {
      const isNaN = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNaN ? !Number.isNaN(halfToFloat(back[i])) : back[i] !== i) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('random f32 values (2^-30 to 2^17, and exact midpoints) round to the nearest half, ties to even', () => {
    const rand = mulberry32(5);
    const values = Float32Array.from({ length: 20000 }, (_, i) => {
      if (i % 2) {
        // Exact midpoints between two neighbouring halves (exact in f32): the ties.
        const h = Math.floor(rand() * 0x7bfe);
        return (halfToFloat(h) + halfToFloat(h + 1)) / 2;
      }
      const magnitude = 2 ** (rand() * 47 - 30);
      return (rand() < 0.5 ? -1 : 1) * magnitude;
    });
    const halves = toFloat16(rawF32(values)).data;
    const bad = Array.from(values).flatMap((v, i) => {
      const why = roundingViolation(v, halves[i]);
      return why ? [`${v}: ${why}`] : [];
    });
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('bf16 and f16 checkpoint tensors → f16', () => {
  it('every bf16 value rounds to its nearest half (exact where f16 has the range)', () => {
    const bits = Uint16Array.from({ length: 65536 }, (_, i) => i);
    const halves = toFloat16(rawU16('BF16', bits)).data;
    const widened = new Float32Array(new Uint32Array(Array.from(bits, (b) => b << 16)).buffer);
    let bad = 0;
    let exact = 0;
    for (let i = 0; i < 65536; i++) {
      const v = widened[i];
      if (roundingViolation(v, halves[i])) bad++;
      const a = Math.abs(v);
      if (a >= 2 ** -14 && a <= 65504) {
        exact++;
        if (halfToFloat(halves[i]) !== v) bad++;
      }
    }
    expect(bad).toBe(0);
    expect(exact).toBeGreaterThan(5000); // the normal range was actually exercised
  });

  it('F16 passes through bit for bit, from aligned and unaligned file offsets', () => {
    const bits = Uint16Array.from([0x3c00, 0x0001, 0x7c00, 0xfe00, 0x8000, 0x1234]);
    expect(Array.from(toFloat16(rawU16('F16', bits)).data)).toEqual(Array.from(bits));
    const shifted = new Uint8Array(bits.byteLength + 1);
    shifted.set(new Uint8Array(bits.buffer), 1);
    const unaligned: RawTensor = { dtype: 'F16', shape: [6], bytes: shifted.subarray(1) };
    expect(Array.from(toFloat16(unaligned).data)).toEqual(Array.from(bits));
  });

  it('an F32 checkpoint converts to exactly the bits of the same checkpoint saved as F16', () => {
    const f32 = parseSafetensors(makeTinyCheckpoint({ arch: 'qwen2' }).files['model.safetensors']);
    const f16 = parseSafetensors(
      makeTinyCheckpoint({ arch: 'qwen2', dtype: 'F16' }).files['model.safetensors'],
    );
    let differing = 0;
    for (const [name, raw] of f16.tensors) {
      const expected = toFloat16(raw, name).data;
      const converted = toFloat16(f32.tensors.get(name)!, name).data;
      for (let i = 0; i < expected.length; i++) if (converted[i] !== expected[i]) differing++;
    }
    expect(f16.tensors.size).toBeGreaterThan(10);
    expect(differing).toBe(0);
  });

  it('refuses integer tensors and mixed weight types', () => {
    const ints: RawTensor = { dtype: 'I32', shape: [1], bytes: new Uint8Array(4) };
    expect(() => toFloat16(ints, 'ids')).toThrow(/ids: dtype I32/);
    const mixed = new Map<string, WeightTensor>([
      ['a', { shape: [1], data: new Float32Array(1) }],
      ['b', { shape: [1], data: new Uint16Array(1) }],
    ]);
    expect(weightTypeOf(mixed.get('b')!)).toBe('float16');
    expect(() => commonWeightType(mixed)).toThrow(ModelLoadError);
    mixed.delete('a');
    expect(commonWeightType(mixed)).toBe('float16');
  });
});

describe('weight precision per device', () => {
  const gpu = (shaderF16: boolean): DeviceChoice => ({
    kind: 'webgpu',
    shaderF16,
    maxBufferSize: 2 ** 30,
    maxStorageBufferBindingSize: 2 ** 27,
  });
  const wasm: DeviceChoice = { ...gpu(false), kind: 'wasm' };

  it('fp16 only where the adapter has shader-f16 (or when forced on wasm)', () => {
    expect(chooseWeightDtype(gpu(true))).toBe('fp16');
    expect(chooseWeightDtype(gpu(true), 'fp32')).toBe('fp32');
    expect(chooseWeightDtype(gpu(false))).toBe('fp32');
    expect(chooseWeightDtype(gpu(false), 'fp16')).toBe('fp32');
    expect(chooseWeightDtype(wasm)).toBe('fp32');
    expect(chooseWeightDtype(wasm, 'fp16')).toBe('fp16');
  });

  it('the size check counts 2 bytes per f16 weight and says so', () => {
    const head = 100_000 * 512; // an LM head: 195 MB as f32, 98 MB as f16 (limit 128 MB)
    expect(() => checkFits('m', [['lm_head.weight', head * 4]], gpu(true), 'f32')).toThrow(
      /as f32/,
    );
    expect(checkFits('m', [['lm_head.weight', head * 2]], gpu(true), 'f16')).toBe(head * 2);
  });
});
