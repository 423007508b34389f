// Choosing a web-llm prebuilt record for this device. Every q4f16 model runs f16 kernels, but
// only some records declare `shader-f16`; without the feature we switch to the q4f32_1 twin
// (web-llm.md §2). Records come from web-llm's prebuiltAppConfig, passed in so this stays pure.

export interface WebLlmRecord {
  model_id: string;
  vram_required_MB?: number;
  low_resource_required?: boolean;
  required_features?: string[];
  overrides?: { context_window_size?: number };
  /** web-llm's ModelType: 0 or absent = LLM, 1 = embedding, 2 = VLM. */
  model_type?: number;
}

/** The record to load for `modelId` on a device with or without shader-f16. */
export function pickRecord(
  records: WebLlmRecord[],
  modelId: string,
  hasShaderF16: boolean,
): WebLlmRecord {
  const rec = records.find((r) => r.model_id === modelId);
  if (!rec) {
    throw new Error(`Unknown web-llm model "${modelId}"`);
  }
  if (hasShaderF16 || !needsF16(rec)) return rec;
  const twin = records.find((r) => r.model_id === f32Twin(modelId));
  if (!twin || needsF16(twin)) {
    throw new Error(
      `"${modelId}" needs the shader-f16 GPU feature, which this device lacks, and has no f32 variant`,
    );
  }
  return twin;
}

export function needsF16(r: WebLlmRecord): boolean {
  return (r.required_features ?? []).includes('shader-f16') || /q[04]f16/.test(r.model_id);
}

/** What the model picker knows about the device. */
export interface WebLlmDevice {
  /** Whether the WebGPU adapter has shader-f16; null when there is no WebGPU at all. */
  hasShaderF16: boolean | null;
  /**
   * GPU memory the user's device can give a model, in MB. WebGPU reports no VRAM size, so the
   * caller states it (a user setting, or an estimate); records above it are hidden.
   */
  vramBudgetMB?: number;
  /** Where the budget comes from, for the reason text (default 'the budget is'). */
  vramBudgetSource?: string;
}

export interface HiddenWebLlmRecord {
  record: WebLlmRecord;
  reason: string;
}

/**
 * The prebuilt list for the model picker (issue 9 item 1): text-generation records that run
 * on this device, smallest first, and every other record with the reason it is hidden (no
 * WebGPU, an embedding model, needs shader-f16, needs more GPU memory than the budget).
 */
export function webLlmCatalogue(
  records: WebLlmRecord[],
  device: WebLlmDevice,
): { usable: WebLlmRecord[]; hidden: HiddenWebLlmRecord[] } {
  const usable: WebLlmRecord[] = [];
  const hidden: HiddenWebLlmRecord[] = [];
  const ids = new Set(records.map((r) => r.model_id));
  for (const record of records) {
    const reason = hiddenReason(record, device, ids);
    if (reason) hidden.push({ record, reason });
    else usable.push(record);
  }
  usable.sort((a, b) => (a.vram_required_MB ?? Infinity) - (b.vram_required_MB ?? Infinity));
  return { usable, hidden };
}

function hiddenReason(r: WebLlmRecord, device: WebLlmDevice, ids: Set<string>): string | null {
  if (device.hasShaderF16 === null)
    return 'web-llm needs WebGPU, which this browser does not offer';
  if (r.model_type === 1) return 'an embedding model: it writes no text';
  if (r.model_type === 2) return 'a vision-language model: not used by this app';
  if (!device.hasShaderF16 && needsF16(r)) {
    const twin = f32Twin(r.model_id);
    return ids.has(twin)
      ? `needs the shader-f16 GPU feature, which this device lacks: listed as ${twin}`
      : 'needs the shader-f16 GPU feature, which this device lacks, and has no f32 variant';
  }
  const need = r.vram_required_MB;
  if (device.vramBudgetMB !== undefined && need !== undefined && need > device.vramBudgetMB)
    return `needs ${mb(need)} MB of GPU memory; ${device.vramBudgetSource ?? 'the budget is'} ${mb(device.vramBudgetMB)} MB`;
  return null;
}

const mb = (n: number) => Math.round(n).toLocaleString('en-US');

function f32Twin(modelId: string): string {
  return modelId.replace('q4f16_1', 'q4f32_1').replace('q0f16', 'q0f32');
}

/** Records usable on this device, smallest first (for the model picker). */
export function usableRecords(records: WebLlmRecord[], hasShaderF16: boolean): WebLlmRecord[] {
  return records
    .filter((r) => hasShaderF16 || !needsF16(r))
    .sort((a, b) => (a.vram_required_MB ?? Infinity) - (b.vram_required_MB ?? Infinity));
}

/**
 * The weight precision of a record, from the quantization code in its model_id (every
 * prebuilt record has one: q0f16, q0f32, q3f16_1, q4f16_1, q4f32_1). q0 means unquantized.
 */
export function quantizationOf(r: WebLlmRecord): 'fp16' | 'fp32' | 'q3f16' | 'q4f16' | 'q4f32' {
  const m = /-q(\d)f(16|32)(?:_\d+)?(?:-|$)/.exec(r.model_id);
  if (!m)
    throw new Error(`No quantization code (e.g. q4f16_1) in web-llm model id "${r.model_id}"`);
  const [, bits, float] = m;
  if (bits === '0') return float === '16' ? 'fp16' : 'fp32';
  const code = `q${bits}f${float}`;
  if (code === 'q3f16' || code === 'q4f16' || code === 'q4f32') return code;
  throw new Error(`Unsupported web-llm quantization "${code}" in "${r.model_id}"`);
}
