// The one protobuf writer (proto.ts) as the embedded-weights path and the exporter use it:
// varints past 2^31 (external-data offsets of large models) and negative int64s encode as
// protobuf specifies, and initializers appended to an encoded model (f32 and f16, plus an
// external-data tensor) are what ORT computes with.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { GraphBuilder } from '../../../src/lib/engines/onnx/graph';
import { floatToHalf } from '../../../src/lib/engines/onnx/safetensors';
import {
  appendInitializers,
  ProtoWriter,
  WEIGHT_DATA_TYPE,
} from '../../../src/lib/engines/onnx/proto';

/** Varint as the protobuf spec defines it (7 bits per byte, low first), via BigInt. */
function specVarint(value: bigint): number[] {
  let v = BigInt.asUintN(64, value);
  const out: number[] = [];
  do {
    const low = Number(v & 0x7fn);
    v >>= 7n;
    out.push(v ? low | 0x80 : low);
  } while (v);
  return out;
}

const bytesOf = (a: Float32Array | Uint16Array) =>
  new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('ProtoWriter', () => {
  it.each([0, 1, 127, 128, 300, 2 ** 31 - 1, 2 ** 31, 2 ** 32 + 5, 2 ** 53 - 1, -1, -(2 ** 40)])(
    'varint %d',
    (n) => {
      const w = new ProtoWriter();
      w.varint(n);
      expect(Array.from(w.finish())).toEqual(specVarint(BigInt(n)));
    },
  );
});

describe('appendInitializers', () => {
  it(
    'adds f32, f16 and external-data initializers that ORT computes with',
    { timeout: 120_000 },
    async () => {
      // y = x + a + float(b) + c, with a (f32), b (f16) and c (f32, external) added afterwards.
      const g = new GraphBuilder('append');
      const x = g.input('x', 'float32', [3]);
      const [a, b, c] = ['a', 'b', 'c'].map((n) => g.external(n));
      g.output(g.add(g.add(g.add(x, a), g.cast(b, 'float32')), c), 'y', 'float32', [3]);
      const cFile = new Uint8Array([
        ...new Uint8Array(8),
        ...bytesOf(Float32Array.of(100, 200, 300)),
      ]);
      const model = appendInitializers(g.toModel(), [
        {
          name: 'a',
          dims: [3],
          dataType: WEIGHT_DATA_TYPE.float32,
          raw: bytesOf(Float32Array.of(1, 2, 3)),
        },
        {
          name: 'b',
          dims: [3],
          dataType: WEIGHT_DATA_TYPE.float16,
          raw: bytesOf(Uint16Array.from([10, 20, 30], floatToHalf)),
        },
        {
          name: 'c',
          dims: [3],
          dataType: WEIGHT_DATA_TYPE.float32,
          external: { location: 'c.bin', offset: 8, length: 12 },
        },
      ]);
      ort.env.wasm.numThreads = 1;
      const session = await ort.InferenceSession.create(model, {
        executionProviders: ['wasm'],
        externalData: [{ path: 'c.bin', data: cFile }],
      });
      const out = await session.run({
        x: new ort.Tensor('float32', Float32Array.of(0.5, 0, -1), [3]),
      });
      expect(Array.from(out.y.data as Float32Array)).toEqual([111.5, 222, 332]);
      await session.release();
    },
  );
});
