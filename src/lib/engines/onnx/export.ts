// Export a checkpoint (optionally with a LoRA adapter, merged or unmerged, optionally int4)
// as the ONNX model transformers.js loads: onnx/model.onnx (fp32) or onnx/model_q4.onnx
// (int4), weights as INITIALIZERS, either embedded (raw_data) or in one external data file
// next to it (`<model>.onnx_data`, what transformers.js fetches when config.json's
// "transformers.js_config".use_external_data_format is true). The graph comes from
// export-graph.ts; this file adds the tensors by appending fields to the encoded GraphProto
// (protobuf repeated fields may appear anywhere in a message), marks MatMulNBits nodes with
// the com.microsoft domain and adds that opset. Pure: the CLI (scripts/export-onnx.ts) and
// the tests do the file I/O.
import type { AdapterSpec } from '../engine';
import { ModelLoadError } from '../../protocol/errors';
import { adapterToLoraInputs } from './adapters';
import { ropeTables, type DecoderConfig } from './config';
import { buildExportGraph, int4Names, isQuantizable, type WeightRef } from './export-graph';
import { quantizeInt4 } from './int4';
import {
  checkpointTensorNames,
  LORA_MODULES,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LoraModule,
} from './llama-graph';
import { TensorDataType } from './proto';
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

// ---- minimal protobuf framing (see proto.ts for the field numbers) -------------------------

function varint(value: number): number[] {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

const enc = new TextEncoder();
const lenField = (field: number, bytes: Uint8Array): Uint8Array =>
  concat([Uint8Array.from([...varint((field << 3) | 2), ...varint(bytes.length)]), bytes]);
const intField = (field: number, value: number): Uint8Array =>
  Uint8Array.from([...varint(field << 3), ...varint(value)]);
const strField = (field: number, s: string): Uint8Array => lenField(field, enc.encode(s));

interface RawField {
  field: number;
  /** The whole field, tag included (copied through unchanged). */
  bytes: Uint8Array;
  /** Payload of a length-delimited field. */
  payload?: Uint8Array;
}

/** Splits a message into its top-level fields (varint and length-delimited only). */
function splitFields(msg: Uint8Array): RawField[] {
  const fields: RawField[] = [];
  let pos = 0;
  const readVarint = (): number => {
    let result = 0;
    let mul = 1;
    for (;;) {
      const b = msg[pos++];
      result += (b & 0x7f) * mul;
      if (b < 0x80) return result;
      mul *= 0x80;
    }
  };
  while (pos < msg.length) {
    const start = pos;
    const tag = readVarint();
    const wire = tag & 7;
    let payload: Uint8Array | undefined;
    if (wire === 0) readVarint();
    else if (wire === 2) {
      const len = readVarint();
      payload = msg.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 5) pos += 4;
    else if (wire === 1) pos += 8;
    else throw new Error(`unexpected protobuf wire type ${wire}`);
    fields.push({ field: Math.floor(tag / 8), bytes: msg.subarray(start, pos), payload });
  }
  return fields;
}

/** TensorProto: dims 1, data_type 2, name 8, raw_data 9, external_data 13, data_location 14. */
function tensorProto(
  ref: WeightRef,
  data: Uint8Array,
  external?: { location: string; offset: number },
): Uint8Array {
  const parts = [
    ...ref.dims.map((d) => intField(1, d)),
    intField(2, ref.dtype === 'uint8' ? TensorDataType.UINT8 : TensorDataType.FLOAT),
    strField(8, ref.name),
  ];
  if (!external) parts.push(lenField(9, data));
  else {
    // StringStringEntryProto {key 1, value 2}; data_location EXTERNAL = 1.
    const entry = (k: string, v: string) => lenField(13, concat([strField(1, k), strField(2, v)]));
    parts.push(
      entry('location', external.location),
      entry('offset', String(external.offset)),
      entry('length', String(data.length)),
      intField(14, 1),
    );
  }
  return lenField(5, concat(parts));
}

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
    const lora = adapterToLoraInputs(unmerged, config);
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
  const initializers: Uint8Array[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const ref of graph.weights) {
    const v = values.get(ref.name)!;
    if (!external) {
      initializers.push(tensorProto(ref, v));
      continue;
    }
    const pad = (DATA_ALIGNMENT - (offset % DATA_ALIGNMENT)) % DATA_ALIGNMENT;
    if (pad) chunks.push(new Uint8Array(pad));
    offset += pad;
    initializers.push(tensorProto(ref, v, { location: dataName, offset }));
    chunks.push(v);
    offset += v.length;
  }

  const contrib = new Set(graph.contribNodes);
  const modelFields = splitFields(graph.model);
  const parts: Uint8Array[] = [];
  for (const f of modelFields) {
    if (f.field !== 7 || !f.payload) {
      parts.push(f.bytes);
      continue;
    }
    const graphParts = splitFields(f.payload).map((gf) => {
      if (gf.field !== 1 || !gf.payload || !contrib.size) return gf.bytes;
      const nameField = splitFields(gf.payload).find((nf) => nf.field === 3);
      const name = nameField?.payload ? new TextDecoder().decode(nameField.payload) : '';
      // NodeProto.domain = 7
      return contrib.has(name)
        ? lenField(1, concat([gf.payload, strField(7, 'com.microsoft')]))
        : gf.bytes;
    });
    parts.push(lenField(7, concat([...graphParts, ...initializers])));
  }
  if (contrib.size) parts.push(lenField(8, concat([strField(1, 'com.microsoft'), intField(2, 1)])));

  return {
    modelPath,
    model: concat(parts),
    data: external ? { path: `onnx/${dataName}`, chunks, bytes: offset } : undefined,
    weightBytes,
    f32WeightBytes,
    transformersJsConfig: {
      ...(external ? { use_external_data_format: true } : {}),
      ...(options.quantize === 'int4' ? { dtype: 'q4' } : { dtype: 'fp32' }),
    },
  };
}
