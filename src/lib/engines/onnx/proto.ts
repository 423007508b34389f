// Dependency-free protobuf writer for the subset of onnx.proto that our graphs use.
// ONNX models are plain protobuf; we only ever *write* them (graphs are built in TS and
// handed to onnxruntime-web as bytes), so a ~150-line encoder replaces protobufjs and a
// generated schema (onnxruntime-web.md §4). Field numbers follow onnx/onnx.proto:
//   ModelProto     ir_version 1, producer_name 2, graph 7, opset_import 8
//   OperatorSetId  domain 1, version 2
//   GraphProto     node 1, name 2, initializer 5, input 11, output 12
//   NodeProto      input 1, output 2, name 3, op_type 4, attribute 5, domain 7
//   AttributeProto name 1, f 2, i 3, s 4, t 5, floats 7, ints 8, type 20
//   ValueInfoProto name 1, type 2 → TypeProto tensor_type 1 → {elem_type 1, shape 2}
//   TensorShapeProto dim 1 → {dim_value 1, dim_param 2}
//   TensorProto    dims 1, data_type 2, name 8, raw_data 9

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
  initializers: readonly TensorProtoData[];
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

/** Append-only byte sink; nested messages are encoded separately and written length-delimited. */
class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Varint of a non-negative or negative int64 (negatives take 10 bytes, two's complement). */
  varint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
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

  bytesField(field: number, bytes: Uint8Array): void {
    this.tag(field, WIRE_LEN);
    this.varint(bytes.length);
    this.push(bytes);
  }

  stringField(field: number, value: string): void {
    this.bytesField(field, textEncoder.encode(value));
  }

  /** Packed repeated int64 (proto parsers accept packed and unpacked for scalar repeats). */
  packedInts(field: number, values: readonly (number | bigint)[]): void {
    const inner = new Writer();
    for (const v of values) inner.varint(v);
    this.bytesField(field, inner.finish());
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

function encodeTensor(t: TensorProtoData): Uint8Array {
  const w = new Writer();
  if (t.dims.length > 0) w.packedInts(1, t.dims);
  w.intField(2, t.dataType);
  w.stringField(8, t.name);
  w.bytesField(9, t.raw);
  return w.finish();
}

function encodeAttribute(a: AttributeData): Uint8Array {
  const w = new Writer();
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
      w.bytesField(5, encodeTensor(a.value));
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
  return w.finish();
}

function encodeNode(n: NodeData): Uint8Array {
  const w = new Writer();
  for (const i of n.inputs) w.stringField(1, i);
  for (const o of n.outputs) w.stringField(2, o);
  if (n.name) w.stringField(3, n.name);
  w.stringField(4, n.opType);
  for (const a of n.attributes ?? []) w.bytesField(5, encodeAttribute(a));
  if (n.domain) w.stringField(7, n.domain);
  return w.finish();
}

function encodeValueInfo(v: ValueInfoData): Uint8Array {
  const shape = new Writer();
  for (const d of v.dims) {
    const dim = new Writer();
    if (typeof d === 'number') dim.intField(1, d);
    else dim.stringField(2, d);
    shape.bytesField(1, dim.finish());
  }
  const tensorType = new Writer();
  tensorType.intField(1, v.elemType);
  tensorType.bytesField(2, shape.finish());
  const typeProto = new Writer();
  typeProto.bytesField(1, tensorType.finish());
  const w = new Writer();
  w.stringField(1, v.name);
  w.bytesField(2, typeProto.finish());
  return w.finish();
}

function encodeGraph(g: GraphData): Uint8Array {
  const w = new Writer();
  for (const n of g.nodes) w.bytesField(1, encodeNode(n));
  w.stringField(2, g.name);
  for (const t of g.initializers) w.bytesField(5, encodeTensor(t));
  for (const i of g.inputs) w.bytesField(11, encodeValueInfo(i));
  for (const o of g.outputs) w.bytesField(12, encodeValueInfo(o));
  return w.finish();
}

/** Serialises a ModelProto; the bytes go straight to `InferenceSession.create`. */
export function encodeModel(m: ModelData): Uint8Array {
  const w = new Writer();
  w.intField(1, m.irVersion);
  w.stringField(2, m.producerName);
  w.bytesField(7, encodeGraph(m.graph));
  for (const op of m.opsetImports) {
    const o = new Writer();
    if (op.domain) o.stringField(1, op.domain);
    o.intField(2, op.version);
    w.bytesField(8, o.finish());
  }
  return w.finish();
}
