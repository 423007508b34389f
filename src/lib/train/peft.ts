// PEFT (huggingface/peft) LoRA adapter export/import for the trainer: adapter_config.json +
// adapter_model.safetensors with PEFT's tensor names and layouts, so an adapter trained here
// loads in transformers/PEFT (PeftModel.from_pretrained) and vice versa. The format itself
// (config fields and checks, tensor names, the alpha/r or alpha/√r scale) is
// engines/onnx/peft-format.ts, shared with the runtime and the ONNX exporter.
//   ours: lora.{i}.{module}.A [in, r], .B [r, out]
//   PEFT: base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight [r, in],
//         ...lora_B.weight [out, r]          (nn.Linear weights are [out_features, in_features])
import type { DecoderConfig } from '../engines/onnx/config';
import { writeSafetensors, type F32Tensor, type TensorToWrite } from '../engines/onnx/safetensors';
import type { AdapterSpec } from '../engines/engine';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  peftConfigJson,
  peftTensorName,
  readPeftAdapter,
  readPeftFiles,
} from '../engines/onnx/peft-format';
import { InputError } from '../protocol/errors';
import { loraScale, loraSites, validateLora, type LoraConfig } from './lora-config';

export { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, peftTensorName };

function transpose(t: F32Tensor): F32Tensor {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c];
  return { shape: [cols, rows], data: out };
}

/** adapter_config.json contents as PEFT 0.x writes them (use_rslora from the LoRA config). */
export function peftAdapterConfig(lora: LoraConfig, baseModel = ''): Record<string, unknown> {
  return peftConfigJson(lora, baseModel);
}

/** Graph-layout LoRA tensors → the two PEFT files (F32). */
export function exportPeftAdapter(
  config: DecoderConfig,
  lora: LoraConfig,
  tensors: Record<string, F32Tensor>,
  baseModel = '',
): Record<string, Uint8Array> {
  validateLora(lora);
  const out: Record<string, TensorToWrite> = {};
  for (const site of loraSites(config, lora)) {
    for (const [which, name] of [
      ['A', site.a],
      ['B', site.b],
    ] as const) {
      const t = tensors[name];
      if (!t) throw new InputError(`LoRA tensor "${name}" is missing`, { field: name });
      out[peftTensorName(site.layer, site.module, which)] = { dtype: 'F32', ...transpose(t) };
    }
  }
  const configJson = JSON.stringify(peftAdapterConfig(lora, baseModel), null, 2);
  return {
    [ADAPTER_CONFIG_FILE]: new TextEncoder().encode(configJson),
    [ADAPTER_WEIGHTS_FILE]: writeSafetensors(out, { format: 'pt' }),
  };
}

export interface ImportedAdapter {
  lora: LoraConfig;
  /** alpha / r, or alpha / √r with use_rslora. */
  scale: number;
  /** Graph-layout tensors lora.{i}.{module}.A/B. */
  tensors: Record<string, F32Tensor>;
}

/** Reads a PEFT LoRA adapter (config JSON text/object + safetensors bytes) for `config`. */
export function importPeftAdapter(
  config: DecoderConfig,
  adapterConfig: string | Record<string, unknown>,
  weights: Uint8Array,
): ImportedAdapter {
  const { settings, tensors: peft } = readPeftFiles(config, adapterConfig, weights);
  const lora: LoraConfig = settings;
  validateLora(lora);
  const tensors: Record<string, F32Tensor> = {};
  for (const site of loraSites(config, lora)) {
    tensors[site.a] = transpose(peft[peftTensorName(site.layer, site.module, 'A')]);
    tensors[site.b] = transpose(peft[peftTensorName(site.layer, site.module, 'B')]);
  }
  return { lora, scale: loraScale(lora), tensors };
}

/**
 * A PEFT adapter (as exported by the trainer or made elsewhere) → the Engine port's
 * AdapterSpec, validated against the base model first; rsLoRA travels as `useRslora`.
 */
export function adapterSpecFromPeft(
  id: string,
  config: DecoderConfig,
  adapterConfig: string | Record<string, unknown>,
  weights: Uint8Array,
): AdapterSpec {
  return readPeftAdapter(id, config, adapterConfig, weights);
}
