// The trainer's ORT backend: picks the device once, makes the frozen base weights resident
// (WebGPU: one GPUBuffer per tensor, uploaded once — device.ts weightTensors; wasm: CPU
// tensors reused by every run) and creates graph runners (train-session.ts) that bind those
// instead of the host arrays the trainer passes. Without this, every micro-batch would upload
// the whole model to the GPU again.
import { chooseDevice, weightTensors, type OrtModule } from './device';
import type { F32Tensor } from './safetensors';
import { createGraphRunner, type GraphRunner } from './train-session';

export interface TrainBackend {
  /** The device actually used ('webgpu' may fall back to 'wasm' without an adapter). */
  readonly device: 'webgpu' | 'wasm';
  createRunner(model: Uint8Array): Promise<GraphRunner>;
  /** Frees the resident weights (GPU buffers); runners are released by their owner. */
  release(): void;
}

export async function createTrainBackend(
  ort: OrtModule,
  preferred: 'webgpu' | 'wasm',
  weights: Map<string, F32Tensor>,
): Promise<TrainBackend> {
  const device = await chooseDevice(preferred);
  const resident = weightTensors(ort, [...weights.keys()], weights, device);
  const executionProviders =
    device.kind === 'webgpu' && device.gpu
      ? [{ name: 'webgpu' as const, device: device.gpu }, 'wasm']
      : ['wasm'];
  return {
    device: device.kind,
    async createRunner(model) {
      const inner = await createGraphRunner(ort, model, { executionProviders });
      return {
        inputNames: inner.inputNames,
        outputNames: inner.outputNames,
        // Resident weights replace the host copies of the same names.
        run: (feeds, outputs) => inner.run({ ...feeds, ...resident }, outputs),
        release: () => inner.release(),
      };
    },
    release() {
      for (const t of Object.values(resident)) t.dispose();
    },
  };
}
