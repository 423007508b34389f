// safetensors read/write (https://huggingface.co/docs/safetensors): an 8-byte little-endian
// u64 header length, a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, and
// optional "__metadata__"}, then the raw little-endian tensor bytes. Hugging Face checkpoints
// ship F32, F16 or BF16; everything is widened to Float32Array for the graph (WebGPU has no
// bf16: onnxruntime-web.md §3.2).
import { ModelLoadError } from '../../protocol/errors';

export type SafetensorsDType = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8' | 'BOOL';
const BYTES_PER_ELEMENT: Record<SafetensorsDType, number> = {
  F32: 4,
  F16: 2,
  BF16: 2,
  I32: 4,
  I64: 8,
  U8: 1,
  BOOL: 1,
};

export interface RawTensor {
  dtype: SafetensorsDType;
  shape: number[];
  /** View into the file's bytes (no copy). */
  bytes: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, RawTensor>;
  metadata: Record<string, string>;
}

/** A tensor widened to f32, the form the forward graph takes. */
export interface F32Tensor {
  shape: number[];
  data: Float32Array;
}

interface HeaderEntry {
  dtype: string;
  shape: number[];
  data_offsets: [number, number];
}

/** Parses a .safetensors file. `fileName` only labels errors. */
export function parseSafetensors(
  bytes: Uint8Array,
  fileName = 'model.safetensors',
): SafetensorsFile {
  const fail = (why: string, tensor?: string): never => {
    throw new ModelLoadError(`${fileName}: ${why}${tensor ? ` (tensor "${tensor}")` : ''}`, {
      file: fileName,
      tensor,
    });
  };
  if (bytes.length < 8) fail('file is shorter than the 8-byte header length');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.length - 8) fail(`header length ${headerLength} exceeds the file size`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    return fail('header is not valid JSON');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const tensors = new Map<string, RawTensor>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header)) {
    if (name === '__metadata__') {
      metadata = (raw ?? {}) as Record<string, string>;
      continue;
    }
    const entry = raw as HeaderEntry;
    if (!(entry.dtype in BYTES_PER_ELEMENT)) fail(`unsupported dtype ${entry.dtype}`, name);
    const dtype = entry.dtype as SafetensorsDType;
    const [begin, end] = entry.data_offsets ?? [];
    if (!Array.isArray(entry.shape) || typeof begin !== 'number' || typeof end !== 'number') {
      fail('missing shape or data_offsets', name);
    }
    const expected = entry.shape.reduce((a, b) => a * b, 1) * BYTES_PER_ELEMENT[dtype];
    if (end - begin !== expected)
      fail(`data_offsets span ${end - begin} B, shape needs ${expected} B`, name);
    if (begin < 0 || end > dataLength) fail('data_offsets point outside the file', name);
    tensors.set(name, {
      dtype,
      shape: entry.shape,
      bytes: bytes.subarray(dataStart + begin, dataStart + end),
    });
  }
  return { tensors, metadata };
}

/** IEEE half → f32 (handles subnormals, inf, NaN). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** f32 → IEEE half, round to nearest even (for writing F16 checkpoints in tests/exports). */
export function floatToHalf(value: number): number {
  scratchF32[0] = value;
  return f32BitsToHalf(scratchBits[0]);
}
// One scratch word for floatToHalf (no allocation per element when writing F16 files).
const scratchF32 = new Float32Array(1);
const scratchBits = new Uint32Array(scratchF32.buffer);

/**
 * f32 bit pattern → IEEE half bits, round to nearest even: overflow goes to ±inf, values
 * below the half subnormal range to ±0, NaN stays a (quiet) NaN. The bulk converters in
 * half.ts call this per element, so it works on bits and allocates nothing.
 */
export function f32BitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  let half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // Rounding may carry into the exponent (or to inf); the bit pattern is still right.
  if (rest > 0x1000 || (rest === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** f32 → bf16 bits, round to nearest even. */
export function floatToBf16(value: number): number {
  const x = new Uint32Array(new Float32Array([value]).buffer)[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return (x >>> 16) | 0x40;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Widens a float tensor to f32 (copies; the result is 4-byte aligned). */
export function toFloat32(t: RawTensor, name = 'tensor'): F32Tensor {
  const n = t.shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  switch (t.dtype) {
    case 'F32':
      // Aligned bytes are copied as a whole (little-endian, as on every platform browsers
      // run on); the merged adapter mode re-reads base projections this way on each switch.
      if (t.bytes.byteOffset % 4 === 0 && t.bytes.byteLength >= n * 4) {
        data.set(new Float32Array(t.bytes.buffer, t.bytes.byteOffset, n));
      } else {
        for (let i = 0; i < n; i++) data[i] = view.getFloat32(i * 4, true);
      }
      break;
    case 'F16':
      for (let i = 0; i < n; i++) data[i] = halfToFloat(view.getUint16(i * 2, true));
      break;
    case 'BF16': {
      const bits = new Uint32Array(data.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, true) << 16;
      break;
    }
    default:
      throw new ModelLoadError(`${name}: dtype ${t.dtype} is not a float type`, { tensor: name });
  }
  return { shape: [...t.shape], data };
}

/** All tensors of a file as f32. */
export function loadFloat32Tensors(file: SafetensorsFile): Map<string, F32Tensor> {
  const out = new Map<string, F32Tensor>();
  for (const [name, t] of file.tensors) out.set(name, toFloat32(t, name));
  return out;
}

/** Shape of model.safetensors.index.json. */
export interface SafetensorsIndex {
  metadata?: Record<string, unknown>;
  weight_map: Record<string, string>;
}

/** Names of the shard files an index refers to, in first-use order. */
export function shardFileNames(index: SafetensorsIndex): string[] {
  return [...new Set(Object.values(index.weight_map))];
}

/**
 * Merges sharded checkpoint files into one tensor map, checking that every tensor the index
 * names is present in the shard it names.
 */
export function mergeShards(
  index: SafetensorsIndex,
  shards: Record<string, SafetensorsFile>,
  indexFile = 'model.safetensors.index.json',
): SafetensorsFile {
  if (!index || typeof index.weight_map !== 'object') {
    throw new ModelLoadError(`${indexFile}: missing "weight_map"`, { file: indexFile });
  }
  const tensors = new Map<string, RawTensor>();
  for (const [name, shardName] of Object.entries(index.weight_map)) {
    const shard = shards[shardName];
    if (!shard) {
      throw new ModelLoadError(
        `${indexFile}: shard "${shardName}" (for "${name}") was not provided`,
        {
          file: shardName,
          tensor: name,
        },
      );
    }
    const t = shard.tensors.get(name);
    if (!t) {
      throw new ModelLoadError(`${shardName}: tensor "${name}" listed in ${indexFile} is missing`, {
        file: shardName,
        tensor: name,
      });
    }
    tensors.set(name, t);
  }
  return { tensors, metadata: {} };
}

export interface TensorToWrite {
  dtype: 'F32' | 'F16' | 'BF16';
  shape: number[];
  data: Float32Array;
}

/** Writes a .safetensors file (header padded with spaces to 8-byte alignment, as HF does). */
export function writeSafetensors(
  tensors: Record<string, TensorToWrite>,
  metadata: Record<string, string> = {},
): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  const names = Object.keys(tensors);
  for (const name of names) {
    const t = tensors[name];
    const size = t.data.length * (t.dtype === 'F32' ? 4 : 2);
    header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  const unpadded = new TextEncoder().encode(JSON.stringify(header));
  const jsonBytes = new Uint8Array(Math.ceil(unpadded.length / 8) * 8).fill(0x20);
  jsonBytes.set(unpadded);
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let pos = 8 + jsonBytes.length;
  for (const name of names) {
    const t = tensors[name];
    for (let i = 0; i < t.data.length; i++) {
      if (t.dtype === 'F32') view.setFloat32(pos + i * 4, t.data[i], true);
      else if (t.dtype === 'F16') view.setUint16(pos + i * 2, floatToHalf(t.data[i]), true);
      else view.setUint16(pos + i * 2, floatToBf16(t.data[i]), true);
    }
    pos += t.data.length * (t.dtype === 'F32' ? 4 : 2);
  }
  return out;
}
