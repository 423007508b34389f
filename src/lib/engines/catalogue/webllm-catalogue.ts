// web-llm's prebuilt models as the Models screen lists them: the ones this device can run,
// and every other one with the reason it is hidden (issue 9 §1). The rules live in one place,
// engines/webllm/models.ts webLlmCatalogue; this maps the capability report onto them. Pure:
// the records come from web-llm's prebuiltAppConfig, the device from the capability report.
import { webLlmCatalogue, type WebLlmRecord } from '../webllm/models';

export interface WebLlmDevice {
  /** A WebGPU adapter exists (web-llm has no CPU fallback). */
  webgpu: boolean;
  shaderF16: boolean;
  /** navigator.deviceMemory in bytes (a lower bound, capped at 8 GB by Chromium), or null. */
  deviceMemoryBytes: number | null;
}

export interface WebLlmListing {
  shown: WebLlmRecord[];
  hidden: { record: WebLlmRecord; reason: string }[];
}

/**
 * Splits the records into those to offer (smallest VRAM first) and those hidden, each with
 * its reason. WebGPU reports no VRAM size, so the memory the browser reports
 * (navigator.deviceMemory) stands in as the budget.
 */
export function listWebLlmModels(records: WebLlmRecord[], device: WebLlmDevice): WebLlmListing {
  const { usable, hidden } = webLlmCatalogue(records, {
    hasShaderF16: device.webgpu ? device.shaderF16 : null,
    ...(device.deviceMemoryBytes !== null
      ? {
          vramBudgetMB: device.deviceMemoryBytes / 2 ** 20,
          vramBudgetSource: 'the browser reports',
        }
      : {}),
  });
  return { shown: usable, hidden };
}
