// The PEFT (huggingface/peft) LoRA adapter *format*, one definition for everyone who reads or
// writes it: the runtime (OrtEngine via AdapterSpec), the ONNX exporter (scripts/export-onnx.ts)
// and the trainer (train/peft.ts). Files: adapter_config.json + adapter_model.safetensors with
//   base_model.model.model.layers.{i}.{self_attn|mlp}.{module}.lora_A.weight [r, in]
//   ...lora_B.weight [out, r]          (nn.Linear weights are [out_features, in_features])
// Lives under engines/ because engines must not import train/ (train imports engines).
import { InputError } from '../../protocol/errors';
import type { AdapterSpec } from '../engine';
import type { DecoderConfig } from './config';
import { LORA_MODULES, projectionDims, type LoraModule } from './llama-graph';
import { parseSafetensors, toFloat32 } from './safetensors';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

/** The adapter_config.json settings we can represent (a plain LoRA, optionally rsLoRA). */
export interface PeftLoraSettings {
  rank: number;
  alpha: number;
  dropout: number;
  /** In LORA_MODULES order. */
  targetModules: LoraModule[];
  /** rsLoRA (Kalajdzievski 2023): scale alpha/√r instead of alpha/r. */
  useRslora: boolean;
}

const MODULE_PARENT: Record<LoraModule, 'self_attn' | 'mlp'> = {
  q_proj: 'self_attn',
  k_proj: 'self_attn',
  v_proj: 'self_attn',
  o_proj: 'self_attn',
  gate_proj: 'mlp',
  up_proj: 'mlp',
  down_proj: 'mlp',
};

/** PEFT's tensor name for one LoRA factor (the form `save_pretrained` writes). */
export function peftTensorName(layer: number, module: LoraModule, factor: 'A' | 'B'): string {
  return `base_model.model.model.layers.${layer}.${MODULE_PARENT[module]}.${module}.lora_${factor}.weight`;
}

/** Older exports keep the adapter name in the key ("lora_A.default.weight"). */
const PEFT_TENSOR_NAME =
  /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(\w+)\.lora_([AB])(?:\.default)?\.weight$/;

/**
 * The factor that multiplies B·A: alpha/r (LoRA, Hu et al. 2021 §4.1) or alpha/√r with rsLoRA,
 * which keeps the update's magnitude from shrinking as r grows (peft LoraLayer.update_layer).
 */
export function loraScaleOf(s: { rank: number; alpha: number; useRslora?: boolean }): number {
  return s.useRslora ? s.alpha / Math.sqrt(s.rank) : s.alpha / s.rank;
}

/** adapter_config.json contents as PEFT 0.x writes them for a plain LoRA (or rsLoRA). */
export function peftConfigJson(
  s: {
    rank: number;
    alpha: number;
    dropout: number;
    targetModules: readonly LoraModule[];
    useRslora?: boolean;
  },
  baseModel = '',
): Record<string, unknown> {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModel,
    r: s.rank,
    lora_alpha: s.alpha,
    lora_dropout: s.dropout,
    target_modules: [...s.targetModules],
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    use_rslora: s.useRslora === true,
    use_dora: false,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
    revision: null,
  };
}

/**
 * Parses and validates adapter_config.json. Refuses what neither the runtime nor the exporter
 * can compute (DoRA, trained biases, per-module ranks/alphas) instead of silently ignoring it.
 */
export function parsePeftConfig(adapterConfig: string | Record<string, unknown>): PeftLoraSettings {
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
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg))
    throw new InputError('must be a JSON object', { file });
  if (cfg.peft_type !== 'LORA') fail('only LORA adapters are supported', 'peft_type');
  if (cfg.use_dora === true) fail('DoRA adapters are not supported', 'use_dora');
  if (cfg.bias !== undefined && cfg.bias !== 'none')
    fail('adapters with trained biases are not supported', 'bias');
  for (const field of ['rank_pattern', 'alpha_pattern'] as const) {
    const v = cfg[field];
    if (v && typeof v === 'object' && Object.keys(v).length > 0)
      fail(`per-module ${field} is not supported`, field);
  }
  const rank = cfg.r;
  const alpha = cfg.lora_alpha;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank <= 0)
    return fail('"r" must be a positive integer', 'r');
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    return fail('"lora_alpha" must be a number', 'lora_alpha');
  const rslora = cfg.use_rslora;
  if (rslora !== undefined && typeof rslora !== 'boolean')
    fail('"use_rslora" must be true or false', 'use_rslora');
  const rawTargets = cfg.target_modules;
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
  return {
    rank,
    alpha,
    dropout: typeof cfg.lora_dropout === 'number' ? cfg.lora_dropout : 0,
    targetModules: LORA_MODULES.filter((m) => targets.includes(m)),
    useRslora: rslora === true,
  };
}

/** A parsed adapter: its settings and its factors by PEFT name, f32, PEFT layouts. */
export interface PeftAdapterFiles {
  settings: PeftLoraSettings;
  tensors: AdapterSpec['tensors'];
}

/**
 * Reads a PEFT adapter (config + safetensors bytes) and validates it against the base model:
 * every targeted factor present with the shape the model needs, nothing but LoRA factors in
 * the file, none for a layer the base lacks (factors of untargeted modules are ignored, as
 * PEFT does).
 */
export function readPeftFiles(
  config: DecoderConfig,
  adapterConfig: string | Record<string, unknown>,
  weights: Uint8Array,
): PeftAdapterFiles {
  const settings = parsePeftConfig(adapterConfig);
  const file = ADAPTER_WEIGHTS_FILE;
  const found = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, raw] of parseSafetensors(weights, file).tensors) {
    const match = PEFT_TENSOR_NAME.exec(name);
    if (!match) throw new InputError(`unexpected tensor "${name}"`, { file, field: name });
    const layer = Number(match[1]);
    // An adapter for a deeper model would otherwise be cut to this base's layers silently.
    if (layer >= config.numLayers)
      throw new InputError(
        `tensor "${name}" is for layer ${layer}, but the base model has ${config.numLayers} layers (0-${config.numLayers - 1}): this adapter was made for another base`,
        { file, field: name },
      );
    const canonical = peftTensorName(layer, match[3] as LoraModule, match[4] as 'A');
    found.set(canonical, toFloat32(raw, name));
  }
  const dims = projectionDims(config);
  const tensors: AdapterSpec['tensors'] = {};
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const m of settings.targetModules) {
      const [inSize, outSize] = dims[m];
      for (const [factor, shape] of [
        ['A', [settings.rank, inSize]],
        ['B', [outSize, settings.rank]],
      ] as const) {
        const name = peftTensorName(layer, m, factor);
        const t = found.get(name);
        if (!t) throw new InputError(`missing tensor "${name}"`, { file, field: name });
        if (t.shape.join('x') !== shape.join('x')) {
          throw new InputError(`tensor "${name}" has shape [${t.shape}], expected [${shape}]`, {
            file,
            field: name,
          });
        }
        tensors[name] = t;
      }
    }
  }
  return { settings, tensors };
}

/** A PEFT adapter → the Engine port's AdapterSpec (what OrtEngine and the exporter take). */
export function readPeftAdapter(
  id: string,
  config: DecoderConfig,
  adapterConfig: string | Record<string, unknown>,
  weights: Uint8Array,
): AdapterSpec {
  const { settings, tensors } = readPeftFiles(config, adapterConfig, weights);
  const { rank, alpha, useRslora, targetModules } = settings;
  return { id, rank, alpha, useRslora, targetModules, tensors };
}
