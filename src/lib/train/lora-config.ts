// LoRA hyper-parameters and the list of adapted projections ("sites") for a decoder config.
// Names follow the inference graph (llama-graph.ts): lora.{i}.{module}.A [in, r] and .B [r, out],
// so a trained adapter feeds the forward graph unchanged.
import type { DecoderConfig } from '../engines/onnx/config';
import {
  LORA_MODULES,
  loraAName,
  loraBName,
  projectionDims,
  type LoraModule,
} from '../engines/onnx/llama-graph';
import { loraScaleOf } from '../engines/onnx/peft-format';
import { InputError } from '../protocol/errors';

export interface LoraConfig {
  rank: number;
  alpha: number;
  /** LoRA dropout probability on the adapter input (method.md §6: dropout 0.1). */
  dropout: number;
  targetModules: readonly LoraModule[];
  /**
   * rsLoRA (Kalajdzievski 2023, PEFT `use_rslora`): scale B·A by alpha/√r instead of alpha/r,
   * so larger ranks still learn at a useful rate. Absent = false (configs saved before it).
   */
  useRslora?: boolean;
}

export const DEFAULT_LORA: LoraConfig = {
  rank: 8,
  alpha: 16,
  dropout: 0.1,
  targetModules: LORA_MODULES,
  useRslora: false,
};

/** One adapted projection: layer, module and its [in, out] sizes. */
export interface LoraSite {
  layer: number;
  module: LoraModule;
  inSize: number;
  outSize: number;
  /** Graph input names of A [in, r] and B [r, out]. */
  a: string;
  b: string;
}

/** The graphs' `lora.scale` input: alpha/r, or alpha/√r with rsLoRA (one formula, peft-format.ts). */
export const loraScale = (lora: LoraConfig): number => loraScaleOf(lora);
export const gradName = (param: string): string => `grad.${param}`;
export const dropoutMaskName = (layer: number, module: LoraModule): string =>
  `dropout.${layer}.${module}`;

export function validateLora(lora: LoraConfig): void {
  if (!Number.isInteger(lora.rank) || lora.rank <= 0) {
    throw new InputError('LoRA rank must be a positive integer', { field: 'rank' });
  }
  if (!(lora.alpha > 0)) throw new InputError('LoRA alpha must be > 0', { field: 'alpha' });
  if (!(lora.dropout >= 0 && lora.dropout < 1)) {
    throw new InputError('LoRA dropout must be in [0, 1)', { field: 'dropout' });
  }
  if (lora.useRslora !== undefined && typeof lora.useRslora !== 'boolean') {
    throw new InputError('LoRA useRslora must be true or false', { field: 'useRslora' });
  }
  if (lora.targetModules.length === 0) {
    throw new InputError('LoRA needs at least one target module', { field: 'targetModules' });
  }
  for (const m of lora.targetModules) {
    if (!(LORA_MODULES as readonly string[]).includes(m)) {
      throw new InputError(
        `Unknown LoRA target module "${m}" (known: ${LORA_MODULES.join(', ')})`,
        {
          field: 'targetModules',
        },
      );
    }
  }
}

/** Sites in a fixed order: layer by layer, modules in LORA_MODULES order. */
export function loraSites(config: DecoderConfig, lora: LoraConfig): LoraSite[] {
  const dims = projectionDims(config);
  const sites: LoraSite[] = [];
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const module of LORA_MODULES) {
      if (!lora.targetModules.includes(module)) continue;
      const [inSize, outSize] = dims[module];
      sites.push({
        layer,
        module,
        inSize,
        outSize,
        a: loraAName(layer, module),
        b: loraBName(layer, module),
      });
    }
  }
  return sites;
}

/** Every trainable tensor (A then B per site) with its shape: the optimizer's parameter list. */
export function loraParams(
  config: DecoderConfig,
  lora: LoraConfig,
): { name: string; shape: [number, number] }[] {
  return loraSites(config, lora).flatMap((s) => [
    { name: s.a, shape: [s.inSize, lora.rank] as [number, number] },
    { name: s.b, shape: [lora.rank, s.outSize] as [number, number] },
  ]);
}
