// Dependency-free protobuf writer for the subset of onnx.proto that our graphs use: the one
// encoder behind the graph builder, the embedded-weights path (embed-weights.ts) and the
// transformers.js exporter (export.ts). ONNX models are plain protobuf; we only ever *write*
// them (graphs are built in TS and handed to onnxruntime-web as bytes), so a small encoder
// replaces protobufjs and a generated schema (onnxruntime-web.md §4). Nested messages are
// kept as chunk lists until the end, so weight bytes are copied once, into the final model.
// Field numbers follow onnx/onnx.proto:
//   ModelProto     ir_version 1, producer_name 2, graph 7, opset_import 8
//   OperatorSetId  domain 1, version 2
//   GraphProto     node 1, name 2, initializer 5, input 11, output 12
//   NodeProto      input 1, output 2, name 3, op_type 4, attribute 5, domain 7
//   AttributeProto name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20
//   ValueInfoProto name 1, type 2 → TypeProto tensor_type 1 → {elem_type 1, shape 2}
//   TensorShapeProto dim 1 → {dim_value 1, dim_param 2}
//   TensorProto    dims 1, data_type 2, name 8, raw_data 9, external_data 13 (StringStringEntryProto
//                  {key 1, value 2}), data_location 14 (EXTERNAL = 1)

/** TensorProto.DataType values. */
export const TensorDataType = {
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  FLOAT16: 10,
} as const;
export type TensorDataTypeCode = (typeof TensorDataType)[keyof typeof TensorDataType];

/** data_type of a weight by its element type (f32 and f16 weights, uint8 int4 blocks). */
export const WEIGHT_DATA_TYPE = {
  float32: TensorDataType.FLOAT,
  float16: TensorDataType.FLOAT16,
  uint8: TensorDataType.UINT8,
} as const satisfies Record<string, TensorDataTypeCode>;

/** AttributeProto.AttributeType values. */
export const AttributeType = {
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
} as const;

export interface TensorProtoData {
  name: string;
  dims: readonly number[];
  dataType: TensorDataTypeCode;
  /** Little-endian raw bytes, as ONNX's raw_data expects. */
  raw: Uint8Array;
}

/** A tensor whose bytes live in an external data file next to the model. */
export interface ExternalTensorData {
  name: string;
  dims: readonly number[];
  dataType: TensorDataTypeCode;
  /** File name relative to the model, byte offset and length in it. */
  external: { location: string; offset: number; length: number };
}

export type InitializerData = TensorProtoData | ExternalTensorData;

export type AttributeData =
  | { name: string; type: 'float'; value: number }
  | { name: string; type: 'int'; value: number | bigint }
  | { name: string; type: 'string'; value: string }
  | { name: string; type: 'tensor'; value: TensorProtoData }
  | { name: string; type: 'floats'; value: readonly number[] }
  | { name: string; type: 'ints'; value: readonly (number | bigint)[] };

export interface NodeData {
  opType: string;
  inputs: readonly string[];
  outputs: readonly string[];
  name?: string;
  domain?: string;
  attributes?: readonly AttributeData[];
}

/** A dimension is a fixed size or a symbolic name such as "batch". */
export type DimData = number | string;

export interface ValueInfoData {
  name: string;
  elemType: TensorDataTypeCode;
  dims: readonly DimData[];
}

export interface GraphData {
  name: string;
  nodes: readonly NodeData[];
  initializers: readonly InitializerData[];
  inputs: readonly ValueInfoData[];
  outputs: readonly ValueInfoData[];
}

export interface ModelData {
  irVersion: number;
  producerName: string;
  opsetImports: readonly { domain: string; version: number }[];
  graph: GraphData;
}

const WIRE_VARINT = 0;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
const textEncoder = new TextEncoder();

/**
 * Append-only byte sink. Nested messages are built in their own Writer and added with
 * `message`, which links the chunks instead of copying them; `finish` copies once.
 */
export class ProtoWriter {
  private chunks: Uint8Array[] = [];
  length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Bytes that are already encoded fields (e.g. a whole message to extend). */
  encoded(bytes: Uint8Array): void {
    this.push(bytes);
  }

  /** Varint of a non-negative or negative int64 (negatives take 10 bytes, two's complement). */
  varint(value: number | bigint): void {
    const out: number[] = [];
    if (typeof value === 'number' && value >= 0 && Number.isSafeInteger(value)) {
      let v = value; // arithmetic, not bit ops: sizes and offsets may pass 2^31
      while (v >= 0x80) {
        out.push((v % 0x80) | 0x80);
        v = Math.floor(v / 0x80);
      }
      out.push(v);
    } else {
      let v = BigInt.asUintN(64, BigInt(value));
      while (v >= 0x80n) {
        out.push(Number(v & 0x7fn) | 0x80);
        v >>= 7n;
      }
      out.push(Number(v));
    }
    this.push(Uint8Array.from(out));
  }

  tag(field: number, wire: number): void {
    this.varint((field << 3) | wire);
  }

  intField(field: number, value: number | bigint): void {
    this.tag(field, WIRE_VARINT);
    this.varint(value);
  }

  floatField(field: number, value: number): void {
    this.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
  }

  /** Length-delimited bytes; `bytes` is referenced, not copied, until `finish`. */
  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.push(bytes);
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, textEncoder.encode(value));
  }

  /** An embedded message built in `inner` (its chunks are linked, not copied). */
  message(field: number, inner: ProtoWriter): void {
    this.tag(field, WIRE_LEN);
    this.varint(inner.length);
    for (const c of inner.chunks) this.push(c);
  }

  /** Packed repeated int64 (proto parsers accept packed and unpacked for scalar repeats). */
  packedInts(field: number, values: readonly (number | bigint)[]): void {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(v);
    this.message(field, inner);
  }

  packedFloats(field: number, values: readonly number[]): void {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    this.bytesField(field, b);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const c of this.chunks) {
      out.set(c, offset);
      offset += c.length;
    }
    return out;
  }
}

function encodeTensor(t: InitializerData): ProtoWriter {
  const w = new ProtoWriter();
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.intField(2, t.dataType);
  w.stringField(8, t.name);
  if ('raw' in t) {
    w.bytesField(9, t.raw);
    return w;
  }
  const entry = (key: string, value: string) => {
    const e = new ProtoWriter();
    e.stringField(1, key);
    e.stringField(2, value);
    w.message(13, e);
  };
  entry('location', t.external.location);
  entry('offset', String(t.external.offset));
  entry('length', String(t.external.length));
  w.intField(14, 1); // data_location = EXTERNAL
  return w;
}

function encodeAttribute(a: AttributeData): ProtoWriter {
  const w = new ProtoWriter();
  w.stringField(1, a.name);
  switch (a.type) {
    case 'float':
      w.floatField(2, a.value);
      w.intField(20, AttributeType.FLOAT);
      break;
    case 'int':
      w.intField(3, a.value);
      w.intField(20, AttributeType.INT);
      break;
    case 'string':
      w.stringField(4, a.value);
      w.intField(20, AttributeType.STRING);
      break;
    case 'tensor':
      w.message(5, encodeTensor(a.value));
      w.intField(20, AttributeType.TENSOR);
      break;
    case 'floats':
      w.packedFloats(7, a.value);
      w.intField(20, AttributeType.FLOATS);
      break;
    case 'ints':
      w.packedInts(8, a.value);
      w.intField(20, AttributeType.INTS);
      break;
  }
  return w;
}

function encodeNode(n: NodeData): ProtoWriter {
  const w = new ProtoWriter();
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const a of n.attributes ?? []) w.message(5, encodeAttribute(a));
  if (n.domain) w.stringField(7, n.domain);
  return w;
}

function encodeValueInfo(v: ValueInfoData): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of v.dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.intField(1, d);
    else dim.stringField(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter();
  tensorType.intField(1, v.elemType);
  tensorType.message(2, shape);
  const typeProto = new ProtoWriter();
  typeProto.message(1, tensorType);
  const w = new ProtoWriter();
  w.stringField(1, v.name);
  w.message(2, typeProto);
  return w;
}

function encodeGraph(g: GraphData): ProtoWriter {
  const w = new ProtoWriter();
  for (const n of g.nodes) w.message(1, encodeNode(n));
  w.stringField(2, g.name);
  for (const t of g.initializers) w.message(5, encodeTensor(t));
  for (const i of g.inputs) w.message(11, encodeValueInfo(i));
  for (const o of g.outputs) w.message(12, encodeValueInfo(o));
  return w;
}

/** Serialises a ModelProto; the bytes go straight to `InferenceSession.create`. */
export function encodeModel(m: ModelData): Uint8Array {
  const w = new ProtoWriter();
  w.intField(1, m.irVersion);
  w.stringField(2, m.producerName);
  w.message(7, encodeGraph(m.graph));
  for (const op of m.opsetImports) {
    const o = new ProtoWriter();
    if (op.domain) o.stringField(1, op.domain);
    o.intField(2, op.version);
    w.message(8, o);
  }
  return w.finish();
}

/**
 * `model` (an encoded ModelProto) with `initializers` added, appended as a second `graph`
 * field: protobuf merges repeated occurrences of an embedded message, so a parser sees one
 * graph with the extra initializers, and the graph is not re-encoded. The weight bytes are
 * copied once, into the result.
 */
export function appendInitializers(
  model: Uint8Array,
  initializers: readonly InitializerData[],
): Uint8Array {
  const graph = new ProtoWriter();
  for (const t of initializers) graph.message(5, encodeTensor(t));
  const w = new ProtoWriter();
  w.encoded(model);
  w.message(7, graph);
  return w.finish();
}
