// web-llm's prebuilt models as the Models screen lists them: the ones this device can run,
// and every other one with the reason it is hidden (issue 9 §1). Pure: the records come from
// web-llm's prebuiltAppConfig (engines/webllm/runtime.ts reads it lazily in the worker), the
// device from the capability report.
import { needsF16, type WebLlmRecord } from '../webllm/models';

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
 * its reason: no WebGPU, the shader-f16 feature missing (naming the f32 twin when one is
 * listed instead), or `vram_required_MB` above the memory the browser reports.
 */
export function listWebLlmModels(records: WebLlmRecord[], device: WebLlmDevice): WebLlmListing {
  const shown: WebLlmRecord[] = [];
  const hidden: WebLlmListing['hidden'] = [];
  const ids = new Set(records.map((r) => r.model_id));
  for (const record of records) {
    const reason = hideReason(record, device, ids);
    if (reason) hidden.push({ record, reason });
    else shown.push(record);
  }
  shown.sort((a, b) => (a.vram_required_MB ?? Infinity) - (b.vram_required_MB ?? Infinity));
  return { shown, hidden };
}

function hideReason(r: WebLlmRecord, device: WebLlmDevice, ids: Set<string>): string | null {
  if (!device.webgpu) return 'web-llm needs WebGPU, which this browser does not offer';
  if (!device.shaderF16 && needsF16(r)) {
    const twin = r.model_id.replace('q4f16_1', 'q4f32_1').replace('q0f16', 'q0f32');
    return twin !== r.model_id && ids.has(twin)
      ? `needs the shader-f16 GPU feature, which this device lacks; ${twin} is listed instead`
      : 'needs the shader-f16 GPU feature, which this device lacks';
  }
  const vram = r.vram_required_MB;
  if (vram !== undefined && device.deviceMemoryBytes !== null) {
    const haveMb = device.deviceMemoryBytes / 2 ** 20;
    if (vram > haveMb)
      return `needs ${Math.round(vram).toLocaleString('en-US')} MB of GPU memory; the browser reports ${Math.round(haveMb).toLocaleString('en-US')} MB`;
  }
  return null;
}
