// PEFT LoRA adapters → the forward graph's unmerged LoRA inputs (lora.{i}.{module}.A/B +
// lora.scale). PEFT stores lora_A.weight as [r, in] and lora_B.weight as [out, r] (nn.Linear
// layout); the graph computes x·A·B with A [in, r] and B [r, out], so both are transposed once
// here, when the adapter is added, never per run.
import { InputError } from '../../protocol/errors';
import type { AdapterSpec } from '../engine';
import type { DecoderConfig } from './config';
import {
  LORA_MODULES,
  loraAName,
  loraBName,
  loraFusedBName,
  loraGroupAName,
  loraGroupOf,
  projectionDims,
  type LoraModule,
} from './llama-graph';
import { loraScaleOf, peftTensorName } from './peft-format';
import type { F32Tensor } from './safetensors';

/** Everything one run needs for its LoRA inputs. */
export interface LoraInputs {
  /** alpha / r (alpha / √r for rsLoRA); 0 for the "no adapter" inputs. */
  scale: number;
  rank: number;
  /**
   * The projections these inputs cover, in LORA_MODULES order. The runner runs the graph
   * variant built for exactly this set (runner-variants.ts), so the base model ([]) does no
   * LoRA work at all and an adapter on q,v pays for q,v only.
   */
  modules: readonly LoraModule[];
  /** Graph input name → tensor (A and B of every layer for each of `modules`). */
  tensors: Record<string, F32Tensor>;
}

/** The base model: no LoRA inputs, run by the adapter-free graph. */
export const NO_ADAPTER: LoraInputs = Object.freeze({
  scale: 0,
  rank: 0,
  modules: Object.freeze([]) as readonly LoraModule[],
  tensors: Object.freeze({}) as Record<string, F32Tensor>,
});

/** `modules` deduplicated and in LORA_MODULES order (the variant key depends on the order). */
export function sortedModules(modules: Iterable<string>): LoraModule[] {
  const set = new Set(modules);
  return LORA_MODULES.filter((m) => set.has(m));
}

function transpose(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/**
 * Zero A and B of `rank` with scale 0 for `modules`: a graph with LoRA inputs run as the base
 * model. The engine no longer does this (zero rank-1 inputs on all seven projections cost
 * 7-36 % per decode step: README, performance); reference tests and benches compare with it.
 */
export function zeroLoraInputs(
  config: DecoderConfig,
  rank = 1,
  modules: readonly LoraModule[] = LORA_MODULES,
): LoraInputs {
  const dims = projectionDims(config);
  const tensors: Record<string, F32Tensor> = {};
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const m of modules) {
      const [inSize, outSize] = dims[m];
      tensors[loraAName(layer, m)] = {
        shape: [inSize, rank],
        data: new Float32Array(inSize * rank),
      };
      tensors[loraBName(layer, m)] = {
        shape: [rank, outSize],
        data: new Float32Array(rank * outSize),
      };
    }
  }
  return { scale: 0, rank, modules: sortedModules(modules), tensors };
}

/**
 * The same adapter over more modules: the extra ones get zero factors of its rank (for
 * graphs with a fixed module set, e.g. the unmerged export, which targets all seven).
 */
export function padLoraInputs(
  inputs: LoraInputs,
  config: DecoderConfig,
  modules: readonly LoraModule[],
): LoraInputs {
  const all = sortedModules([...inputs.modules, ...modules]);
  const zeros = zeroLoraInputs(config, Math.max(1, inputs.rank), all);
  return { ...inputs, modules: all, tensors: { ...zeros.tensors, ...inputs.tensors } };
}

/**
 * The inputs of the fused LoRA layout (llama-graph.ts loraLayout 'fused'), built once per
 * adapter: per layer and group of targeted projections sharing an input, their A side by
 * side [in, G·r] (LORA_MODULES order); per projection s·B [r, out], the scale folded in.
 */
export function fusedLoraTensors(inputs: LoraInputs, numLayers: number): Record<string, F32Tensor> {
  const r = inputs.rank;
  const out: Record<string, F32Tensor> = {};
  for (let layer = 0; layer < numLayers; layer++) {
    for (const m of inputs.modules) {
      const group = loraGroupOf(m, inputs.modules);
      const j = group.indexOf(m);
      const a = inputs.tensors[loraAName(layer, m)];
      const b = inputs.tensors[loraBName(layer, m)];
      const [inSize] = a.shape;
      const outSize = b.shape[1];
      const aName = loraGroupAName(layer, group);
      if (j === 0) {
        out[aName] = {
          shape: [inSize, group.length * r],
          data: new Float32Array(inSize * group.length * r),
        };
      }
      const groupA = out[aName].data;
      const width = group.length * r;
      for (let i = 0; i < inSize; i++) {
        groupA.set(a.data.subarray(i * r, (i + 1) * r), i * width + j * r);
      }
      const scaledB = b.data.map((v) => inputs.scale * v);
      out[loraFusedBName(layer, m)] = { shape: [r, outSize], data: scaledB };
    }
  }
  return out;
}

function lookup(adapter: AdapterSpec, name: string): AdapterSpec['tensors'][string] | undefined {
  // Some exports keep the adapter name in the key ("lora_A.default.weight").
  return adapter.tensors[name] ?? adapter.tensors[name.replace(/\.weight$/, '.default.weight')];
}

/**
 * Validates an adapter against the model and converts it: inputs for its target modules
 * only (the runner picks the graph variant with exactly those LoRA sites).
 */
export function adapterToLoraInputs(adapter: AdapterSpec, config: DecoderConfig): LoraInputs {
  const where = (field: string) => ({ file: `adapter ${adapter.id}`, field });
  const r = adapter.rank;
  if (!Number.isInteger(r) || r <= 0)
    throw new InputError('rank must be a positive integer', where('rank'));
  if (!Number.isFinite(adapter.alpha))
    throw new InputError('alpha must be a number', where('alpha'));
  const unknown = adapter.targetModules.filter(
    (m) => !(LORA_MODULES as readonly string[]).includes(m),
  );
  if (unknown.length) {
    throw new InputError(
      `unsupported target modules ${unknown.join(', ')} (supported: ${LORA_MODULES.join(', ')})`,
      where('targetModules'),
    );
  }
  const inputs: LoraInputs = {
    scale: 0,
    rank: r,
    modules: sortedModules(adapter.targetModules),
    tensors: {},
  };
  const dims = projectionDims(config);
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const m of inputs.modules) {
      const [inSize, outSize] = dims[m];
      const aName = peftTensorName(layer, m, 'A');
      const bName = peftTensorName(layer, m, 'B');
      const a = lookup(adapter, aName);
      const b = lookup(adapter, bName);
      if (!a) throw new InputError('tensor missing', where(aName));
      if (!b) throw new InputError('tensor missing', where(bName));
      const check = (t: { shape: number[]; data: Float32Array }, shape: number[], name: string) => {
        if (t.shape.join('x') !== shape.join('x') || t.data.length !== shape[0] * shape[1]) {
          throw new InputError(`shape [${t.shape}] but the model needs [${shape}]`, where(name));
        }
      };
      check(a, [r, inSize], aName);
      check(b, [outSize, r], bName);
      inputs.tensors[loraAName(layer, m)] = {
        shape: [inSize, r],
        data: transpose(a.data, r, inSize),
      };
      inputs.tensors[loraBName(layer, m)] = {
        shape: [r, outSize],
        data: transpose(b.data, outSize, r),
      };
    }
  }
  inputs.scale = loraScaleOf(adapter);
  return inputs;
}

/** Graph-layout LoRA tensors (A [in, r], B [r, out]) → a PEFT AdapterSpec (for tests/export). */
export function loraTensorsToAdapter(
  id: string,
  config: DecoderConfig,
  tensors: Record<string, F32Tensor>,
  modules: readonly LoraModule[],
  rank: number,
  alpha: number,
  useRslora = false,
): AdapterSpec {
  const dims = projectionDims(config);
  const out: AdapterSpec['tensors'] = {};
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const m of modules) {
      const [inSize, outSize] = dims[m];
      const a = tensors[loraAName(layer, m)];
      const b = tensors[loraBName(layer, m)];
      out[peftTensorName(layer, m, 'A')] = {
        shape: [rank, inSize],
        data: transpose(a.data, inSize, rank),
      };
      out[peftTensorName(layer, m, 'B')] = {
        shape: [outSize, rank],
        data: transpose(b.data, rank, outSize),
      };
    }
  }
  return { id, rank, alpha, useRslora, targetModules: [...modules], tensors: out };
}
