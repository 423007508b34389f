// A small ONNX graph builder: value naming, typed graph inputs/outputs with symbolic dims,
// constants, and one helper per op we use. Shared by the LLM forward graph and the LoRA
// trainer. Only ops with kernels in ORT 1.30's native WebGPU EP are exposed (no Trilu,
// OneHot, variadic Sum or SoftmaxCrossEntropyLoss: onnxruntime-web.md §3.2), so a graph
// built here never falls back to the CPU EP for its math.
import {
  encodeModel,
  TensorDataType,
  type AttributeData,
  type DimData,
  type NodeData,
  type TensorDataTypeCode,
  type TensorProtoData,
  type ValueInfoData,
} from './proto';

/** A value in the graph is referred to by its (unique) name. */
export type Value = string;
export type DType = 'float32' | 'float16' | 'int32' | 'int64' | 'bool' | 'uint8';
export type Dim = DimData;

/** Opset 18: Reduce* ops take axes as an input (ReduceMean needs ≥ 18 for that). */
export const OPSET = 18;
export const IR_VERSION = 8;
/** ORT's contrib operator domain (MatMulNBits), opset version 1. */
export const CONTRIB_DOMAIN = 'com.microsoft';

const DTYPE_CODE: Record<DType, TensorDataTypeCode> = {
  float32: TensorDataType.FLOAT,
  float16: TensorDataType.FLOAT16,
  int32: TensorDataType.INT32,
  int64: TensorDataType.INT64,
  bool: TensorDataType.BOOL,
  uint8: TensorDataType.UINT8,
};

export function dtypeCode(dtype: DType): TensorDataTypeCode {
  return DTYPE_CODE[dtype];
}

type AttrValue = number | string | readonly number[] | { floats: readonly number[] };
/** Attributes by name; integers become INT/INTS, `{float: x}`-style wrappers mark floats. */
export type Attrs = Record<string, AttrValue | FloatAttr>;
export interface FloatAttr {
  float: number;
}

/** Wraps a number so it is written as a FLOAT attribute (e.g. Gemm alpha). */
export const float = (value: number): FloatAttr => ({ float: value });

function toAttribute(name: string, v: AttrValue | FloatAttr): AttributeData {
  if (typeof v === 'string') return { name, type: 'string', value: v };
  if (typeof v === 'number') return { name, type: 'int', value: v };
  if ('float' in v) return { name, type: 'float', value: v.float };
  if ('floats' in v) return { name, type: 'floats', value: v.floats };
  return { name, type: 'ints', value: v };
}

export class GraphBuilder {
  private nodes: NodeData[] = [];
  private initializers: TensorProtoData[] = [];
  private inputs: ValueInfoData[] = [];
  private outputs: ValueInfoData[] = [];
  private used = new Set<string>();
  private constCache = new Map<string, Value>();
  private scopes: string[] = [];

  constructor(readonly name: string) {}

  /** A fresh value name under the current scope, e.g. "layer0/attn/q_1". */
  fresh(hint: string): Value {
    const base = [...this.scopes, hint].join('/');
    let name = base;
    for (let i = 1; this.used.has(name); i++) name = `${base}_${i}`;
    this.used.add(name);
    return name;
  }

  /** Runs `build` with value names prefixed by `scope` (readable graphs, no collisions). */
  scope<T>(scope: string, build: () => T): T {
    this.scopes.push(scope);
    try {
      return build();
    } finally {
      this.scopes.pop();
    }
  }

  input(name: string, dtype: DType, dims: readonly Dim[]): Value {
    if (this.used.has(name)) throw new Error(`Graph value "${name}" is already defined`);
    this.used.add(name);
    this.inputs.push({ name, elemType: DTYPE_CODE[dtype], dims });
    return name;
  }

  /**
   * Reserves `name` for a tensor that is added to the encoded model later as an initializer
   * (embed-weights.ts), without declaring it as a graph input: ORT treats an initializer
   * that is also an input as overridable and skips constant optimisations for it.
   */
  external(name: string): Value {
    if (this.used.has(name)) throw new Error(`Graph value "${name}" is already defined`);
    this.used.add(name);
    return name;
  }

  /** Declares `value` as a graph output called `name` (adds an Identity when renaming). */
  output(value: Value, name: string, dtype: DType, dims: readonly Dim[]): void {
    if (value !== name) {
      if (this.used.has(name)) throw new Error(`Graph value "${name}" is already defined`);
      this.used.add(name);
      this.nodes.push({ opType: 'Identity', inputs: [value], outputs: [name], name });
    }
    this.outputs.push({ name, elemType: DTYPE_CODE[dtype], dims });
  }

  /** Generic node; returns its output names. Empty-string inputs mean "optional, absent". */
  node(opType: string, inputs: readonly Value[], attrs: Attrs = {}, outputCount = 1): Value[] {
    const outputs = Array.from({ length: outputCount }, () => this.fresh(opType.toLowerCase()));
    const attributes = Object.entries(attrs).map(([k, v]) => toAttribute(k, v));
    this.nodes.push({ opType, inputs, outputs, name: outputs[0], attributes });
    return outputs;
  }

  op(opType: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
    return this.node(opType, inputs, attrs, 1)[0];
  }

  /**
   * One-output node of ORT's com.microsoft contrib domain (MatMulNBits); the model then
   * imports that opset too. Graphs without contrib nodes encode exactly as before.
   */
  contribOp(opType: string, inputs: readonly Value[], attrs: Attrs = {}): Value {
    const [output] = this.node(opType, inputs, attrs, 1);
    this.nodes[this.nodes.length - 1].domain = CONTRIB_DOMAIN;
    return output;
  }

  /** A constant tensor as an initializer; identical constants are shared. */
  constant(dtype: DType, values: readonly number[], dims: readonly number[]): Value {
    const key = `${dtype}|${dims.join(',')}|${values.join(',')}`;
    const cached = this.constCache.get(key);
    if (cached) return cached;
    const name = this.fresh('const');
    this.initializers.push({
      name,
      dims,
      dataType: DTYPE_CODE[dtype],
      raw: rawBytes(dtype, values),
    });
    this.constCache.set(key, name);
    return name;
  }

  /** f32 scalar of shape [] (broadcasts against anything). */
  scalar(value: number): Value {
    return this.constant('float32', [value], []);
  }

  /** int64 vector, the type ONNX wants for shapes, axes, starts/ends (CPU-side inputs in ORT). */
  ints(values: readonly number[]): Value {
    return this.constant('int64', values, [values.length]);
  }

  // ---- elementwise -------------------------------------------------------------------------
  add = (a: Value, b: Value): Value => this.op('Add', [a, b]);
  sub = (a: Value, b: Value): Value => this.op('Sub', [a, b]);
  mul = (a: Value, b: Value): Value => this.op('Mul', [a, b]);
  div = (a: Value, b: Value): Value => this.op('Div', [a, b]);
  pow = (a: Value, b: Value): Value => this.op('Pow', [a, b]);
  sqrt = (x: Value): Value => this.op('Sqrt', [x]);
  reciprocal = (x: Value): Value => this.op('Reciprocal', [x]);
  neg = (x: Value): Value => this.op('Neg', [x]);
  exp = (x: Value): Value => this.op('Exp', [x]);
  log = (x: Value): Value => this.op('Log', [x]);
  sin = (x: Value): Value => this.op('Sin', [x]);
  cos = (x: Value): Value => this.op('Cos', [x]);
  sigmoid = (x: Value): Value => this.op('Sigmoid', [x]);
  tanh = (x: Value): Value => this.op('Tanh', [x]);
  equal = (a: Value, b: Value): Value => this.op('Equal', [a, b]);
  less = (a: Value, b: Value): Value => this.op('Less', [a, b]);
  greater = (a: Value, b: Value): Value => this.op('Greater', [a, b]);
  not = (x: Value): Value => this.op('Not', [x]);
  where = (cond: Value, a: Value, b: Value): Value => this.op('Where', [cond, a, b]);
  cast = (x: Value, to: DType): Value => this.op('Cast', [x], { to: DTYPE_CODE[to] });

  // ---- linear algebra ----------------------------------------------------------------------
  matmul = (a: Value, b: Value): Value => this.op('MatMul', [a, b]);

  /** Y = alpha·op(A)·op(B) + beta·C with 2-D A and B. */
  gemm(
    a: Value,
    b: Value,
    c?: Value,
    opts: { transA?: boolean; transB?: boolean; alpha?: number; beta?: number } = {},
  ): Value {
    const attrs: Attrs = {};
    if (opts.transA) attrs.transA = 1;
    if (opts.transB) attrs.transB = 1;
    if (opts.alpha !== undefined) attrs.alpha = float(opts.alpha);
    if (opts.beta !== undefined) attrs.beta = float(opts.beta);
    return this.op('Gemm', c ? [a, b, c] : [a, b], attrs);
  }

  // ---- reductions & normalisation ------------------------------------------------------------
  reduceMean = (x: Value, axes: readonly number[], keepdims = true): Value =>
    this.op('ReduceMean', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  reduceSum = (x: Value, axes: readonly number[], keepdims = true): Value =>
    this.op('ReduceSum', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  reduceMax = (x: Value, axes: readonly number[], keepdims = true): Value =>
    this.op('ReduceMax', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 });
  softmax = (x: Value, axis = -1): Value => this.op('Softmax', [x], { axis });
  /** Inclusive cumulative sum along a constant axis. */
  cumsum = (x: Value, axis: number): Value =>
    this.op('CumSum', [x, this.constant('int32', [axis], [])]);

  // ---- shape manipulation ------------------------------------------------------------------
  /** Reshape to a constant shape (0 copies the input dim, -1 infers) or a shape value. */
  reshape(x: Value, shape: readonly number[] | Value): Value {
    return this.op('Reshape', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  }
  transpose = (x: Value, perm: readonly number[]): Value => this.op('Transpose', [x], { perm });
  concat = (xs: readonly Value[], axis: number): Value => this.op('Concat', xs, { axis });
  unsqueeze = (x: Value, axes: readonly number[]): Value =>
    this.op('Unsqueeze', [x, this.ints(axes)]);
  squeeze = (x: Value, axes: readonly number[]): Value => this.op('Squeeze', [x, this.ints(axes)]);
  expand = (x: Value, shape: readonly number[] | Value): Value =>
    this.op('Expand', [x, typeof shape === 'string' ? shape : this.ints(shape)]);
  shape = (x: Value): Value => this.op('Shape', [x]);
  gather = (data: Value, indices: Value, axis = 0): Value =>
    this.op('Gather', [data, indices], { axis });
  range = (start: Value, limit: Value, delta: Value): Value =>
    this.op('Range', [start, limit, delta]);

  /** Slice with constant starts/ends/axes (ends may exceed the dim; it is clamped). */
  slice(
    x: Value,
    starts: readonly number[],
    ends: readonly number[],
    axes: readonly number[],
  ): Value {
    return this.op('Slice', [x, this.ints(starts), this.ints(ends), this.ints(axes)]);
  }

  /** The encoded ModelProto, ready for `InferenceSession.create`. */
  toModel(): Uint8Array {
    return encodeModel({
      irVersion: IR_VERSION,
      producerName: 'humpback-studio',
      opsetImports: [
        { domain: '', version: OPSET },
        ...(this.nodes.some((n) => n.domain === CONTRIB_DOMAIN)
          ? [{ domain: CONTRIB_DOMAIN, version: 1 }]
          : []),
      ],
      graph: {
        name: this.name,
        nodes: this.nodes,
        initializers: this.initializers,
        inputs: this.inputs,
        outputs: this.outputs,
      },
    });
  }

  /** Op types used, for checking a graph against the WebGPU kernel list. */
  opTypes(): Set<string> {
    return new Set(this.nodes.map((n) => n.opType));
  }

  get inputNames(): string[] {
    return this.inputs.map((i) => i.name);
  }

  get outputNames(): string[] {
    return this.outputs.map((o) => o.name);
  }

  /** Number of nodes emitted so far (graph-size reports). */
  get nodeCount(): number {
    return this.nodes.length;
  }
}

function rawBytes(dtype: DType, values: readonly number[]): Uint8Array {
  switch (dtype) {
    case 'float32':
      return new Uint8Array(Float32Array.from(values).buffer);
    case 'int32':
      return new Uint8Array(Int32Array.from(values).buffer);
    case 'int64':
      return new Uint8Array(BigInt64Array.from(values.map((v) => BigInt(v))).buffer);
    case 'bool':
      return Uint8Array.from(values.map((v) => (v ? 1 : 0)));
    case 'uint8':
      return Uint8Array.from(values);
    case 'float16':
      throw new Error('float16 constants are not supported; cast an f32 constant instead');
  }
}
