// The feeds of each adapter's LoRA tensors, made once per adapter and not per run: on WebGPU
// they are uploaded into GPU buffers once (a 500M model's rank-16 adapter on all seven
// projections is ~40 MB a decode step) and freed with the adapter; CPU tensors are held
// weakly, so a dropped adapter's feeds go with it.
import type * as Ort from 'onnxruntime-web';
import { fusedLoraTensors, type LoraInputs } from './adapters';
import { weightTensors, type DeviceChoice, type OrtModule } from './device';
import { LORA_SCALE_INPUT, type LoraLayout } from './llama-graph';

type Feeds = Record<string, Ort.Tensor>;

export class LoraFeeds {
  private cpu = new WeakMap<LoraInputs, Feeds>();
  private gpu = new Map<LoraInputs, Feeds>();

  constructor(
    private readonly ort: OrtModule,
    private readonly device: DeviceChoice,
    private readonly numLayers: number,
  ) {}

  /** The feeds of `lora` in `layout` (the fused layout takes the scale folded into B). */
  of(lora: LoraInputs, layout: LoraLayout): Feeds {
    let feeds = this.cpu.get(lora) ?? this.gpu.get(lora);
    if (!feeds) {
      const fused = layout === 'fused';
      const tensors = fused ? fusedLoraTensors(lora, this.numLayers) : lora.tensors;
      const names = Object.keys(tensors);
      feeds = weightTensors(this.ort, names, new Map(Object.entries(tensors)), this.device);
      if (lora.modules.length && !fused) {
        const scale = Float32Array.of(lora.scale);
        feeds[LORA_SCALE_INPUT] = new this.ort.Tensor('float32', scale, [1]);
      }
      const onGpu = names.length > 0 && feeds[names[0]].location === 'gpu-buffer';
      (onGpu ? this.gpu : this.cpu).set(lora, feeds);
    }
    return feeds;
  }

  /** Frees the feeds of `lora` (every adapter's when omitted); the caller waits for runs in flight. */
  forget(lora?: LoraInputs): void {
    const gone = lora ? [lora] : [...this.gpu.keys()];
    for (const l of gone) {
      for (const t of Object.values(this.gpu.get(l) ?? {})) {
        if (t.location === 'gpu-buffer') t.dispose();
      }
      this.gpu.delete(l);
    }
    if (lora) this.cpu.delete(lora);
    else this.cpu = new WeakMap();
  }

  /** Adapters whose feeds are held in GPU buffers now. */
  get gpuAdapters(): number {
    return this.gpu.size;
  }
}
