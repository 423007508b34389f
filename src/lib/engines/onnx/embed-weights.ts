// wasm EP only: weights baked into a graph as initializers. Graph inputs in CPU memory are
// copied into the wasm heap on EVERY run (onnxruntime-web's wasm core mallocs and copies each
// CPU input), which for a decode step of a 50M model means ~200 MB of memcpy for ~0.1 GFLOP
// of math. The graph is built with `weightsEmbedded` (weights are not graph inputs), so the
// initializers are true constants: ORT keeps them in its heap and may pre-pack them for
// MatMul. (An initializer that is ALSO a graph input is only an overridable default, which
// ORT does not optimise: one decode step of the 50M model took 128 ms that way against 51 ms
// with pure initializers, measured on this machine.)
//
// The initializers are appended to the encoded ModelProto as a second `graph` field: protobuf
// merges repeated occurrences of an embedded message, so ORT sees one graph with the extra
// initializers, and the graph builder stays untouched.
import { weightTypeOf, type WeightTensor } from './half';

class ByteSink {
  private chunks: Uint8Array[] = [];
  length = 0;

  push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  /** Appends another sink's chunks (no copy). */
  append(other: ByteSink): void {
    for (const c of other.chunks) this.push(c);
  }

  varint(value: number): void {
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    out.push(v);
    this.push(Uint8Array.from(out));
  }

  /** Field header for a length-delimited field, then its length. */
  lengthDelimited(field: number, length: number): void {
    this.varint((field << 3) | 2);
    this.varint(length);
  }

  concat(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const c of this.chunks) {
      out.set(c, at);
      at += c.length;
    }
    return out;
  }
}

/** TensorProto.data_type codes of the weight element types. */
const DATA_TYPE_CODE = { float32: 1, uint8: 2, float16: 10 } as const;

/** TensorProto {dims 1, data_type 2 = FLOAT (1), UINT8 (2) or FLOAT16 (10), name 8, raw_data 9} as chunks. */
function encodeTensor(name: string, t: WeightTensor): ByteSink {
  const s = new ByteSink();
  for (const d of t.shape) {
    s.varint(1 << 3);
    s.varint(d);
  }
  s.varint(2 << 3);
  s.varint(DATA_TYPE_CODE[weightTypeOf(t)]);
  const nameBytes = new TextEncoder().encode(name);
  s.lengthDelimited(8, nameBytes.length);
  s.push(nameBytes);
  const raw = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  s.lengthDelimited(9, raw.length);
  s.push(raw); // little-endian on every platform browsers run on
  return s;
}

/** The model with every named weight added as an initializer of the same name. */
export function embedWeights(
  model: Uint8Array,
  names: string[],
  weights: Map<string, WeightTensor>,
): Uint8Array {
  const graph = new ByteSink();
  for (const name of names) {
    const t = weights.get(name);
    if (!t) throw new Error(`embedWeights: no tensor "${name}"`);
    const tensor = encodeTensor(name, t);
    graph.lengthDelimited(5, tensor.length);
    graph.append(tensor);
  }
  const out = new ByteSink();
  out.push(model);
  out.lengthDelimited(7, graph.length);
  out.append(graph);
  return out.concat(); // the only copy of the weight bytes
}
