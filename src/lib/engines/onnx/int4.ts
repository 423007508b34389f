// Weight-only int4 quantization of the frozen base, for com.microsoft MatMulNBits (the op
// transformers.js' q4 models use; CPU/wasm and WebGPU kernels in ORT 1.30). Asymmetric, per
// block of 32 consecutive input features of one output row:
//   scale = (max - min) / 15,  zp = round(-min / scale) ∈ [0, 15],  q = clamp(round(w/scale) + zp)
//   w ≈ (q - zp) · scale
// Layout MatMulNBits expects for a weight W [N, K] (HF nn.Linear layout, y = x·Wᵀ):
//   B            uint8 [N, K/32, 16]      two values per byte, even index in the low nibble
//   scales       f32   [N, K/32]
//   zero_points  uint8 [N, ceil(K/32 / 2)] two block zero points per byte, low nibble first
// Min/max always include 0 so zero weights stay exact and zp is in range.

export const INT4_BLOCK = 32;

export interface Int4Weight {
  /** Output features N (rows of W). */
  n: number;
  /** Input features K (columns of W); a multiple of INT4_BLOCK. */
  k: number;
  blockSize: number;
  packed: Uint8Array;
  scales: Float32Array;
  zeroPoints: Uint8Array;
}

/** Blocks per row. */
export function blocksPerRow(k: number, blockSize = INT4_BLOCK): number {
  return Math.ceil(k / blockSize);
}

/** Quantizes W [n, k] (row-major). */
export function quantizeInt4(
  data: Float32Array,
  n: number,
  k: number,
  blockSize = INT4_BLOCK,
): Int4Weight {
  if (data.length !== n * k)
    throw new RangeError(`weight has ${data.length} values, not ${n}×${k}`);
  if (k % blockSize !== 0 || blockSize % 2 !== 0) {
    throw new RangeError(`K=${k} must be a multiple of the block size ${blockSize}`);
  }
  const blocks = blocksPerRow(k, blockSize);
  const blob = blockSize / 2;
  const packed = new Uint8Array(n * blocks * blob);
  const scales = new Float32Array(n * blocks);
  const zpBytes = Math.ceil(blocks / 2);
  const zeroPoints = new Uint8Array(n * zpBytes);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const start = row * k + b * blockSize;
      let lo = 0;
      let hi = 0;
      for (let i = 0; i < blockSize; i++) {
        const v = data[start + i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      const scale = hi > lo ? (hi - lo) / 15 : 1;
      const zp = Math.min(15, Math.max(0, Math.round(-lo / scale)));
      scales[row * blocks + b] = scale;
      const zpIndex = row * zpBytes + (b >> 1);
      zeroPoints[zpIndex] |= b & 1 ? zp << 4 : zp;
      const out = (row * blocks + b) * blob;
      for (let i = 0; i < blockSize; i++) {
        const q = Math.min(15, Math.max(0, Math.round(data[start + i] / scale) + zp));
        packed[out + (i >> 1)] |= i & 1 ? q << 4 : q;
      }
    }
  }
  return { n, k, blockSize, packed, scales, zeroPoints };
}

/** The f32 weight [n, k] the quantized form stands for (reference for tests and error stats). */
export function dequantizeInt4(w: Int4Weight): Float32Array {
  const { n, k, blockSize } = w;
  const blocks = blocksPerRow(k, blockSize);
  const zpBytes = Math.ceil(blocks / 2);
  const out = new Float32Array(n * k);
  for (let row = 0; row < n; row++) {
    for (let b = 0; b < blocks; b++) {
      const zpByte = w.zeroPoints[row * zpBytes + (b >> 1)];
      const zp = b & 1 ? zpByte >> 4 : zpByte & 15;
      const scale = w.scales[row * blocks + b];
      const base = (row * blocks + b) * (blockSize / 2);
      for (let i = 0; i < blockSize; i++) {
        const byte = w.packed[base + (i >> 1)];
        const q = i & 1 ? byte >> 4 : byte & 15;
        out[row * k + b * blockSize + i] = (q - zp) * scale;
      }
    }
  }
  return out;
}

/** Bytes the quantized weight occupies (packed values + f32 scales + zero points). */
export function int4Bytes(w: Int4Weight): number {
  return w.packed.byteLength + w.scales.byteLength + w.zeroPoints.byteLength;
}

/** Names of the three int4 tensors that replace weight `name` (export and our engine alike). */
export const int4TensorNames = (name: string) => ({
  packed: `${name}.q4`,
  scales: `${name}.q4_scales`,
  zeroPoints: `${name}.q4_zero_points`,
});

/** Shapes of MatMulNBits' B, scales and zero_points for a weight [n, k]. */
export function int4TensorShapes(n: number, k: number, blockSize = INT4_BLOCK) {
  const blocks = blocksPerRow(k, blockSize);
  return {
    packed: [n, blocks, blockSize / 2],
    scales: [n, blocks],
    zeroPoints: [n, Math.ceil(blocks / 2)],
  };
}

/** True for the packed/scales/zero-point tensors int4TensorNames makes. */
export function isInt4TensorName(name: string): boolean {
  return /\.q4(_scales|_zero_points)?$/.test(name);
}
