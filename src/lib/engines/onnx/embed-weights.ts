// wasm EP only: weights baked into a graph as initializers. Graph inputs in CPU memory are
// copied into the wasm heap on EVERY run (onnxruntime-web's wasm core mallocs and copies each
// CPU input), which for a decode step of a 50M model means ~200 MB of memcpy for ~0.1 GFLOP
// of math. The graph is built with `weightsEmbedded` (weights are not graph inputs), so the
// initializers are true constants: ORT keeps them in its heap and may pre-pack them for
// MatMul. (An initializer that is ALSO a graph input is only an overridable default, which
// ORT does not optimise: one decode step of the 50M model took 128 ms that way against 51 ms
// with pure initializers, measured on this machine.)
//
// The initializers are appended to the encoded ModelProto as a second `graph` field
// (proto.ts appendInitializers), so the graph builder stays untouched.
import { weightTypeOf, type WeightTensor } from './half';
import { appendInitializers, WEIGHT_DATA_TYPE, type TensorProtoData } from './proto';

/** The model with every named weight added as an initializer of the same name. */
export function embedWeights(
  model: Uint8Array,
  names: string[],
  weights: Map<string, WeightTensor>,
): Uint8Array {
  const initializers: TensorProtoData[] = names.map((name) => {
    const t = weights.get(name);
    if (!t) throw new Error(`embedWeights: no tensor "${name}"`);
    return {
      name,
      dims: t.shape,
      dataType: WEIGHT_DATA_TYPE[weightTypeOf(t)],
      // little-endian on every platform browsers run on
      raw: new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength),
    };
  });
  return appendInitializers(model, initializers); // the only copy of the weight bytes
}
