// Which device runs the model, and whether the checkpoint fits it. WebGPU when the browser
// gives an adapter (our own GPUDevice, requested with the adapter's full buffer limits, is
// handed to ORT so weight buffers we create belong to the same device: onnxruntime-web.md
// §3.3), else the wasm EP. Weights are uploaded once and stay resident between runs.
//
// dtype: weights are f16 on WebGPU adapters with `shader-f16` and f32 everywhere else
// (chooseWeightDtype); the forward graph casts f16 weights to f32 where they are used.
import type * as Ort from 'onnxruntime-web';
import { ModelLoadError } from '../../protocol/errors';
import { weightTypeOf, type WeightTensor } from './half';

export type OrtModule = typeof Ort;

export interface DeviceChoice {
  kind: 'webgpu' | 'wasm';
  gpu?: GPUDevice;
  shaderF16: boolean;
  /** Largest single buffer / storage binding the device allows (bytes). */
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
}

/** True under Node (tests, benchmarks): the browser entry then needs numThreads = 1. */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string' && typeof globalThis.window === 'undefined';
}

/** The app's ORT entry: the native WebGPU EP build (environment.md §7). */
export async function loadOrt(): Promise<OrtModule> {
  const ort = (await import('onnxruntime-web/webgpu')) as unknown as OrtModule;
  if (isNode()) ort.env.wasm.numThreads = 1;
  return ort;
}

// Half of the 4 GB wasm32 heap (issues #17151, #18535): on wasm the heap holds the weights
// twice while a full-logits run is fed them next to the resident copy (runner.ts).
const WASM_LIMIT = 2 ** 31;

/** Picks WebGPU when asked for and available, else wasm. */
export async function chooseDevice(
  preferred: 'webgpu' | 'wasm' | undefined,
): Promise<DeviceChoice> {
  const wasm: DeviceChoice = {
    kind: 'wasm',
    shaderF16: false,
    maxBufferSize: WASM_LIMIT,
    maxStorageBufferBindingSize: WASM_LIMIT,
  };
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (preferred === 'wasm' || !gpu || isNode()) return wasm;
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return wasm;
  const shaderF16 = adapter.features.has('shader-f16');
  const device = await adapter.requestDevice({
    requiredFeatures: shaderF16 ? ['shader-f16'] : [],
    requiredLimits: {
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    },
  });
  return {
    kind: 'webgpu',
    gpu: device,
    shaderF16,
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
  };
}

/**
 * Weight precision for a device: f16 on WebGPU adapters with `shader-f16` (onnxruntime-web.md
 * §3.2: ORT's WebGPU f16 kernels need it), f32 otherwise. ORT's wasm CPU kernels are f32, so
 * f16 there only saves heap at the price of a Cast per weight per run: default f32, but
 * `requested` 'fp16' is honoured on wasm (the CPU Cast kernel handles it; the tests use this).
 * A WebGPU adapter without shader-f16 always gets f32, whatever was requested.
 */
export function chooseWeightDtype(
  device: DeviceChoice,
  requested?: 'fp16' | 'fp32',
): 'fp16' | 'fp32' {
  if (requested === 'fp32') return 'fp32';
  if (device.kind === 'webgpu') return device.shaderF16 ? 'fp16' : 'fp32';
  return requested ?? 'fp32';
}

/**
 * Refuses checkpoints the device cannot hold: a single weight bigger than one storage
 * binding (the LM head of a large vocabulary is the usual culprit), or total weights (at
 * their real element size, plus ~25 % for activations and the KV cache) beyond what the
 * device or heap can take.
 */
export function checkFits(
  modelId: string,
  /** Tensor name → bytes at the precision it will be held in. */
  tensorBytes: Iterable<[string, number]>,
  device: DeviceChoice,
  /** Label for messages ('f32' or 'f16'). */
  precision: 'f32' | 'f16' = 'f32',
): number {
  let total = 0;
  let largest = 0;
  let largestName = '';
  for (const [name, bytes] of tensorBytes) {
    total += bytes;
    if (bytes > largest) [largest, largestName] = [bytes, name];
  }
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(0)} MB`;
  const perBinding = Math.min(device.maxBufferSize, device.maxStorageBufferBindingSize);
  if (largest > perBinding) {
    throw new ModelLoadError(
      `${modelId} is too big for this ${device.kind} device: tensor "${largestName}" needs ` +
        `${mb(largest)} as ${precision}, the device allows ${mb(perBinding)} per buffer`,
      { modelId, tensor: largestName, bytes: largest, limit: perBinding },
    );
  }
  const budget = device.kind === 'wasm' ? WASM_LIMIT : Infinity;
  if (total * 1.25 > budget) {
    throw new ModelLoadError(
      `${modelId} is too big for the wasm backend: ${mb(total)} of ${precision} weights (limit ` +
        `${mb(budget / 1.25)}); use a smaller model or a WebGPU browser`,
      { modelId, bytes: total, limit: budget },
    );
  }
  return total;
}

/**
 * ORT tensors for the weights, created once. WebGPU: each weight is copied into its own
 * GPUBuffer (Tensor.fromGpuBuffer), so runs bind it without uploads. wasm: CPU tensors over
 * the checkpoint's arrays, reused by every run (ORT copies CPU inputs into its heap per run).
 */
export function weightTensors(
  ort: OrtModule,
  names: string[],
  weights: Map<string, WeightTensor>,
  device: DeviceChoice,
): Record<string, Ort.Tensor> {
  const feeds: Record<string, Ort.Tensor> = {};
  for (const name of names) {
    const t = weights.get(name);
    if (!t) throw new ModelLoadError(`Checkpoint is missing tensor "${name}"`, { tensor: name });
    if (device.kind === 'webgpu' && device.gpu) {
      // writeBuffer wants a multiple of 4 bytes: an f16 tensor of odd length gets a zero tail.
      const size = Math.ceil(t.data.byteLength / 4) * 4;
      const buffer = device.gpu.createBuffer({
        size,
        usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
      });
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      const padded = size === bytes.length ? bytes : new Uint8Array(size);
      if (padded !== bytes) padded.set(bytes);
      device.gpu.queue.writeBuffer(buffer, 0, padded);
      feeds[name] = ort.Tensor.fromGpuBuffer(buffer, {
        dataType: weightTypeOf(t),
        dims: t.shape,
        dispose: () => buffer.destroy(), // runner.release() frees the weights this way
      });
    } else {
      feeds[name] = tensorOf(ort, t);
    }
  }
  return feeds;
}

/** A CPU ORT tensor over a weight's data (f32, f16 bits in a Uint16Array, or int4 bytes). */
export function tensorOf(ort: OrtModule, t: WeightTensor): Ort.Tensor {
  switch (weightTypeOf(t)) {
    case 'float16':
      return new ort.Tensor('float16', t.data as Uint16Array, t.shape);
    case 'uint8':
      return new ort.Tensor('uint8', t.data as Uint8Array, t.shape);
    default:
      return new ort.Tensor('float32', t.data as Float32Array, t.shape);
  }
}
