// What this browser can do for the app: a WebGPU adapter (and its limits, which decide the
// model sizes we can place), storage quota, cores and cross-origin isolation (threaded wasm).
// Probed inside a worker because the engines run in workers: an adapter on the page does
// not prove one in a worker (environment.md §3, §4).

export interface GpuReport {
  vendor: string;
  architecture: string;
  description: string;
  isFallbackAdapter: boolean;
  /** Needed by web-llm's q4f16 models; SwiftShader lacks it (environment.md §3). */
  shaderF16: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  maxComputeWorkgroupStorageSize: number;
}

export interface CapabilityReport {
  /** `navigator.gpu` exists (the browser ships WebGPU at all). */
  webgpuApi: boolean;
  /** The adapter, or null when none was granted (blocklisted GPU, flag missing). */
  gpu: GpuReport | null;
  /** Why there is no adapter, in words, when there is none. */
  gpuProblem: string | null;
  storage: { usage: number; quota: number } | null;
  hardwareConcurrency: number;
  crossOriginIsolated: boolean;
  /** Where the probe ran: 'worker' in the app, 'window' if probed on the page. */
  scope: 'worker' | 'window';
}

/** What the probe reads; `navigator` in a worker or window satisfies it. */
export interface ProbeEnv {
  navigator: {
    gpu?: Pick<GPU, 'requestAdapter'>;
    storage?: Pick<StorageManager, 'estimate'>;
    hardwareConcurrency?: number;
  };
  crossOriginIsolated?: boolean;
  scope: 'worker' | 'window';
}

export async function probeCapabilities(env: ProbeEnv): Promise<CapabilityReport> {
  const nav = env.navigator;
  let gpu: GpuReport | null = null;
  let gpuProblem: string | null = null;
  if (!nav.gpu) {
    gpuProblem = 'This browser has no WebGPU (navigator.gpu is missing).';
  } else {
    try {
      const adapter = await nav.gpu.requestAdapter();
      if (adapter) gpu = describeAdapter(adapter);
      else gpuProblem = 'WebGPU is present but no GPU adapter was granted.';
    } catch (err) {
      gpuProblem = `Requesting a WebGPU adapter failed: ${(err as Error).message ?? String(err)}`;
    }
  }
  let storage: CapabilityReport['storage'] = null;
  try {
    const est = await nav.storage?.estimate();
    if (est) storage = { usage: est.usage ?? 0, quota: est.quota ?? 0 };
  } catch {
    storage = null; // estimate() can throw in opaque origins; the storage panel says so
  }
  return {
    webgpuApi: Boolean(nav.gpu),
    gpu,
    gpuProblem,
    storage,
    hardwareConcurrency: nav.hardwareConcurrency ?? 1,
    crossOriginIsolated: env.crossOriginIsolated ?? false,
    scope: env.scope,
  };
}

function describeAdapter(adapter: GPUAdapter): GpuReport {
  // `adapter.info` replaced requestAdapterInfo() (environment.md §3).
  const info = adapter.info;
  return {
    vendor: info?.vendor ?? '',
    architecture: info?.architecture ?? '',
    description: info?.description ?? '',
    isFallbackAdapter: Boolean(
      (info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter,
    ),
    shaderF16: adapter.features.has('shader-f16'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
  };
}

/**
 * What works without WebGPU, shown on the fallback banner. Only what the app does today:
 * steps that are not built yet (Augment, Curate, Evaluate, Export) are not listed as working.
 */
export const WITHOUT_WEBGPU = {
  works: [
    'Importing and segmenting your corpus, browsing segments, importing seed pairs (Data)',
    'LoRA training on the wasm backend (Train; on the CPU, much slower)',
    'Storage management and diagnostics',
  ],
  needsGpu: ['web-llm models (prebuilt quantized models)', 'Training at GPU speed'],
} as const;

/** Worker protocol of workers/capability.worker.ts. */
export type CapabilityRpc = {
  probe: { req: null; res: CapabilityReport };
};
