// Export a checkpoint (optionally with a LoRA adapter, merged or unmerged, optionally int4)
// as the ONNX model transformers.js loads: onnx/model.onnx (fp32) or onnx/model_q4.onnx
// (int4), weights as INITIALIZERS, either embedded (raw_data) or in one external data file
// next to it (`<model>.onnx_data`, what transformers.js fetches when config.json's
// "transformers.js_config".use_external_data_format is true). The graph comes from
// export-graph.ts; this file adds the tensors as initializers (proto.ts appendInitializers,
// the same encoder the runtime's embedded weights use). Pure: the CLI (scripts/export-onnx.ts)
// and the tests do the file I/O.
import type { AdapterSpec } from '../engine';
import { ModelLoadError } from '../../protocol/errors';
import { adapterToLoraInputs, padLoraInputs } from './adapters';
import { ropeTables, type DecoderConfig } from './config';
import { buildExportGraph, int4Names, isQuantizable } from './export-graph';
import { quantizeInt4 } from './int4';
import {
  checkpointTensorNames,
  LORA_MODULES,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LoraModule,
} from './llama-graph';
import { appendInitializers, WEIGHT_DATA_TYPE, type InitializerData } from './proto';
import type { F32Tensor } from './safetensors';

export interface ExportOptions {
  quantize?: 'int4';
  /** MatMulNBits accuracy_level: 0 computes in f32 (default), 4 in int8 (faster CPU kernels). */
  int4AccuracyLevel?: 0 | 4;
  adapter?: AdapterSpec;
  /** Merge the adapter into the base weights (W' = W + s·B·A); else keep it unmerged. */
  merge?: boolean;
  /** 'auto' (default) goes external above 1.5 GiB — protobuf messages stop at 2 GiB. */
  externalData?: boolean | 'auto';
}

export interface ExportedModel {
  /** Path inside the export folder: onnx/model.onnx or onnx/model_q4.onnx. */
  modelPath: string;
  model: Uint8Array;
  /** External data file (path and chunks in file order) when the weights are external. */
  data?: { path: string; chunks: Uint8Array[]; bytes: number };
  /** Bytes of the weights as stored (int4 packs projections to ~0.16 of f32). */
  weightBytes: number;
  /** Bytes the same weights take as f32. */
  f32WeightBytes: number;
  /** Entry for config.json's "transformers.js_config". */
  transformersJsConfig: Record<string, unknown>;
}

const EXTERNAL_AUTO_LIMIT = 1.5 * 2 ** 30;
const DATA_ALIGNMENT = 64;

// ---- weights ---------------------------------------------------------------------------------

/** W' = W + s·(B·A) for every targeted projection (PEFT layout: A [r, in], B [out, r]). */
export function mergeLora(
  config: DecoderConfig,
  weights: Map<string, F32Tensor>,
  adapter: AdapterSpec,
): Map<string, F32Tensor> {
  // adapterToLoraInputs validates names and shapes (and gives A [in, r], B [r, out]).
  const lora = adapterToLoraInputs(adapter, config);
  const merged = new Map(weights);
  const r = lora.rank;
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const m of adapter.targetModules as LoraModule[]) {
      const block = ['q_proj', 'k_proj', 'v_proj', 'o_proj'].includes(m) ? 'self_attn' : 'mlp';
      const name = `model.layers.${layer}.${block}.${m}.weight`;
      const base = weights.get(name);
      if (!base)
        throw new ModelLoadError(`Checkpoint is missing tensor "${name}"`, { tensor: name });
      const [outSize, inSize] = base.shape;
      const a = lora.tensors[`lora.${layer}.${m}.A`].data; // [in, r]
      const b = lora.tensors[`lora.${layer}.${m}.B`].data; // [r, out]
      const data = Float32Array.from(base.data);
      for (let o = 0; o < outSize; o++) {
        for (let i = 0; i < inSize; i++) {
          let sum = 0;
          for (let k = 0; k < r; k++) sum += b[k * outSize + o] * a[i * r + k];
          data[o * inSize + i] += lora.scale * sum;
        }
      }
      merged.set(name, { shape: base.shape, data });
    }
  }
  return merged;
}

const bytesOf = (a: Float32Array | Uint8Array): Uint8Array =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Exports `weights` (f32, HF names) as a transformers.js-loadable ONNX model. */
export function exportOnnx(
  config: DecoderConfig,
  weights: Map<string, F32Tensor>,
  options: ExportOptions = {},
): ExportedModel {
  let tensors = weights;
  const unmerged = options.adapter && !options.merge ? options.adapter : undefined;
  if (options.adapter && options.merge) tensors = mergeLora(config, weights, options.adapter);
  const graph = buildExportGraph(config, {
    quantize: options.quantize,
    loraModules: unmerged ? (LORA_MODULES as readonly LoraModule[]) : undefined,
    loraRank: unmerged?.rank,
    accuracyLevel: options.int4AccuracyLevel,
  });

  const values = new Map<string, Uint8Array>();
  const rope = ropeTables(config, config.maxPositionEmbeddings);
  values.set(ROPE_COS_INPUT, bytesOf(rope.cos));
  values.set(ROPE_SIN_INPUT, bytesOf(rope.sin));
  if (unmerged) {
    // The export graph has LoRA sites on all seven projections; untargeted ones get zeros.
    const lora = padLoraInputs(adapterToLoraInputs(unmerged, config), config, LORA_MODULES);
    values.set('lora.scale', bytesOf(Float32Array.of(lora.scale)));
    for (const [name, t] of Object.entries(lora.tensors)) values.set(name, bytesOf(t.data));
  }
  let f32WeightBytes = 0;
  for (const name of checkpointTensorNames(config)) {
    const t = tensors.get(name);
    if (!t) throw new ModelLoadError(`Checkpoint is missing tensor "${name}"`, { tensor: name });
    f32WeightBytes += t.data.byteLength;
    if (options.quantize === 'int4' && isQuantizable(name)) {
      const [n, k] = t.shape;
      const q = quantizeInt4(t.data, n, k);
      const names = int4Names(name);
      values.set(names.packed, q.packed);
      values.set(names.scales, bytesOf(q.scales));
      values.set(names.zeroPoints, q.zeroPoints);
    } else values.set(name, bytesOf(t.data));
  }

  let weightBytes = 0;
  for (const ref of graph.weights) {
    const v = values.get(ref.name);
    if (!v)
      throw new ModelLoadError(`Checkpoint is missing tensor "${ref.name}"`, { tensor: ref.name });
    const expected = ref.dims.reduce((a, b) => a * b, 1) * (ref.dtype === 'uint8' ? 1 : 4);
    if (v.length !== expected) {
      throw new ModelLoadError(
        `Tensor "${ref.name}" has ${v.length} bytes, the graph needs ${expected}`,
        {
          tensor: ref.name,
        },
      );
    }
    weightBytes += v.length;
  }

  const modelPath = options.quantize === 'int4' ? 'onnx/model_q4.onnx' : 'onnx/model.onnx';
  const external =
    options.externalData === true ||
    ((options.externalData ?? 'auto') === 'auto' && weightBytes > EXTERNAL_AUTO_LIMIT);
  const dataName = `${modelPath.slice('onnx/'.length)}_data`;
  const initializers: InitializerData[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const ref of graph.weights) {
    const v = values.get(ref.name)!;
    const tensor = { name: ref.name, dims: ref.dims, dataType: WEIGHT_DATA_TYPE[ref.dtype] };
    if (!external) {
      initializers.push({ ...tensor, raw: v });
      continue;
    }
    const pad = (DATA_ALIGNMENT - (offset % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    initializers.push({ ...tensor, external: { location: dataName, offset, length: v.length } });
    chunks.push(v);
    offset += v.length;
  }

  return {
    modelPath,
    model: appendInitializers(graph.model, initializers),
    data: external ? { path: `onnx/${dataName}`, chunks, bytes: offset } : undefined,
    weightBytes,
    f32WeightBytes,
    transformersJsConfig: {
      ...(external ? { use_external_data_format: true } : {}),
      ...(options.quantize === 'int4' ? { dtype: 'q4' } : { dtype: 'fp32' }),
    },
  };
}
