// Choosing a web-llm prebuilt record for this device. Every q4f16 model runs f16 kernels, but
// only some records declare `shader-f16`; without the feature we switch to the q4f32_1 twin
// (web-llm.md §2). Records come from web-llm's prebuiltAppConfig, passed in so this stays pure.

export interface WebLlmRecord {
  model_id: string;
  vram_required_MB?: number;
  low_resource_required?: boolean;
  required_features?: string[];
  overrides?: { context_window_size?: number };
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
  const twin = records.find(
    (r) => r.model_id === modelId.replace('q4f16_1', 'q4f32_1').replace('q0f16', 'q0f32'),
  );
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
