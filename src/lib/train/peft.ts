// PEFT (huggingface/peft) LoRA adapter export/import: adapter_config.json +
// adapter_model.safetensors with PEFT's tensor names and layouts, so an adapter trained here
// loads in transformers/PEFT (PeftModel.from_pretrained) and vice versa.
//   ours: lora.{i}.{module}.A [in, r], .B [r, out]
//   PEFT: base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight [r, in],
//         ...lora_B.weight [out, r]          (nn.Linear weights are [out_features, in_features])
import type { DecoderConfig } from '../engines/onnx/config';
import { LORA_MODULES, loraAName, loraBName, type LoraModule } from '../engines/onnx/llama-graph';
import {
  parseSafetensors,
  toFloat32,
  writeSafetensors,
  type F32Tensor,
  type TensorToWrite,
} from '../engines/onnx/safetensors';
import type { AdapterSpec } from '../engines/engine';
import { loraTensorsToAdapter, peftTensorName } from '../engines/onnx/adapters';
import { InputError } from '../protocol/errors';
import { loraScale, loraSites, validateLora, type LoraConfig } from './lora-config';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** PEFT's name of a LoRA weight (one definition, shared with the runtime's adapters). */
export { peftTensorName };

const PEFT_NAME =
  /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.default)?\.weight$/;

function transpose(t: F32Tensor): F32Tensor {
  const [rows, cols] = t.shape;
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++)
    for (let c = 0; c < cols; c++) out[c * rows + r] = t.data[r * cols + c];
  return { shape: [cols, rows], data: out };
}

/** adapter_config.json contents as PEFT 0.x writes them for a plain LoRA. */
export function peftAdapterConfig(lora: LoraConfig, baseModel = ''): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: lora.rank,
    lora_alpha: lora.alpha,
    lora_dropout: lora.dropout,
    target_modules: [...lora.targetModules],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: false,
    use_dora: false,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
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

function configField(cfg: Record<string, unknown>, field: string): unknown {
  return cfg[field];
}

/** Reads a PEFT LoRA adapter (config JSON text/object + safetensors bytes) for `config`. */
export function importPeftAdapter(
  config: DecoderConfig,
  adapterConfig: string | Record<string, unknown>,
  weights: Uint8Array,
): ImportedAdapter {
  const file = ADAPTER_CONFIG_FILE;
  let cfg: Record<string, unknown>;
  try {
    cfg = typeof adapterConfig === 'string' ? JSON.parse(adapterConfig) : adapterConfig;
  } catch {
    throw new InputError('not valid JSON', { file });
  }
  const fail = (why: string, field: string): never => {
    throw new InputError(why, { file, field });
  };
  if (configField(cfg, 'peft_type') !== 'LORA')
    fail('only LORA adapters are supported', 'peft_type');
  if (configField(cfg, 'use_dora') === true) fail('DoRA adapters are not supported', 'use_dora');
  const bias = configField(cfg, 'bias');
  if (bias !== undefined && bias !== 'none')
    fail('adapters with trained biases are not supported', 'bias');
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    const v = configField(cfg, field);
    if (v && typeof v === 'object' && Object.keys(v).length > 0)
      fail(`per-module ${field} is not supported`, field);
  }
  const rank = configField(cfg, 'r');
  const alpha = configField(cfg, 'lora_alpha');
  if (typeof rank !== 'number') return fail('"r" must be a number', 'r');
  if (typeof alpha !== 'number') return fail('"lora_alpha" must be a number', 'lora_alpha');
  const rawTargets = configField(cfg, 'target_modules');
  const targets: LoraModule[] =
    rawTargets === 'all-linear'
      ? [...LORA_MODULES]
      : Array.isArray(rawTargets)
        ? rawTargets.map((m) =>
            (LORA_MODULES as readonly string[]).includes(m)
              ? (m as LoraModule)
              : fail(`unsupported target module "${m}"`, 'target_modules'),
          )
        : fail('"target_modules" must be a list of module names', 'target_modules');
  const dropoutRaw = configField(cfg, 'lora_dropout');
  const lora: LoraConfig = {
    rank,
    alpha,
    dropout: typeof dropoutRaw === 'number' ? dropoutRaw : 0,
    targetModules: LORA_MODULES.filter((m) => targets.includes(m)),
  };
  validateLora(lora);

  const parsed = parseSafetensors(weights, ADAPTER_WEIGHTS_FILE);
  const tensors: Record<string, F32Tensor> = {};
  for (const [name, raw] of parsed.tensors) {
    const match = PEFT_NAME.exec(name);
    if (!match) {
      throw new InputError(`unexpected tensor "${name}"`, {
        file: ADAPTER_WEIGHTS_FILE,
        field: name,
      });
    }
    const layer = Number(match[1]);
    const module = match[3] as LoraModule;
    const graphName = match[4] === 'A' ? loraAName(layer, module) : loraBName(layer, module);
    tensors[graphName] = transpose(toFloat32(raw, name));
  }
  for (const site of loraSites(config, lora)) {
    const expected: [string, number[]][] = [
      [site.a, [site.inSize, rank]],
      [site.b, [rank, site.outSize]],
    ];
    for (const [name, shape] of expected) {
      const t = tensors[name];
      const peftName = peftTensorName(site.layer, site.module, name === site.a ? 'A' : 'B');
      if (!t)
        throw new InputError(`missing tensor "${peftName}"`, {
          file: ADAPTER_WEIGHTS_FILE,
          field: peftName,
        });
      if (t.shape.join('x') !== shape.join('x')) {
        throw new InputError(
          `tensor "${peftName}" has shape [${[...t.shape].reverse()}], expected [${[...shape].reverse()}]`,
          { file: ADAPTER_WEIGHTS_FILE, field: peftName },
        );
      }
    }
  }
  const rslora = configField(cfg, 'use_rslora') === true;
  return { lora, scale: rslora ? alpha / Math.sqrt(rank) : loraScale(lora), tensors };
}

/**
 * A PEFT adapter (as exported by the trainer or made elsewhere) → the Engine port's
 * AdapterSpec, validated against the base model first. rsLoRA's alpha/√r scale is folded into
 * `alpha`, since engines apply alpha/rank.
 */
export function adapterSpecFromPeft(
  id: string,
  config: DecoderConfig,
  adapterConfig: string | Record<string, unknown>,
  weights: Uint8Array,
): AdapterSpec {
  const imported = importPeftAdapter(config, adapterConfig, weights);
  const { rank, targetModules } = imported.lora;
  return loraTensorsToAdapter(
    id,
    config,
    imported.tensors,
    targetModules,
    rank,
    imported.scale * rank,
  );
}
