// onnxruntime-web glue for the LoRA training artifacts (src/lib/train builds them without any
// ORT dependency): run a graph from plain typed arrays and get plain typed arrays back. The
// ORT module is injected (app: `onnxruntime-web/webgpu`; Node tests: the same entry on wasm).
import type * as Ort from 'onnxruntime-web';

export type OrtModule = typeof Ort;

export interface HostTensor {
  /** Uint8Array is fed as ONNX bool (dropout keep masks). */
  data: Float32Array | Int32Array | Uint8Array;
  shape: readonly number[];
}

export interface GraphRunner {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** Runs with host tensors (or ORT tensors already on the device); returns host copies. */
  run(
    feeds: Record<string, HostTensor | Ort.Tensor>,
    outputs?: readonly string[],
  ): Promise<Record<string, HostTensor>>;
  release(): Promise<void>;
}

function isOrtTensor(ort: OrtModule, t: HostTensor | Ort.Tensor): t is Ort.Tensor {
  return t instanceof ort.Tensor;
}

export async function createGraphRunner(
  ort: OrtModule,
  model: Uint8Array,
  options: Ort.InferenceSession.SessionOptions = {},
): Promise<GraphRunner> {
  const session = await ort.InferenceSession.create(model, {
    executionProviders: ['wasm'],
    ...options,
  });
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    /** Feeds not named by the graph are ignored (one weight map serves every graph). */
    async run(feeds, outputs) {
      const ortFeeds: Record<string, Ort.Tensor> = {};
      for (const name of session.inputNames) {
        const t = feeds[name];
        if (!t) throw new Error(`missing graph input "${name}"`);
        if (isOrtTensor(ort, t)) ortFeeds[name] = t;
        else {
          const type =
            t.data instanceof Int32Array
              ? 'int32'
              : t.data instanceof Uint8Array
                ? 'bool'
                : 'float32';
          ortFeeds[name] = new ort.Tensor(type, t.data, [...t.shape]);
        }
      }
      const result = outputs
        ? await session.run(ortFeeds, [...outputs])
        : await session.run(ortFeeds);
      const out: Record<string, HostTensor> = {};
      for (const [name, t] of Object.entries(result)) {
        out[name] = { data: (await t.getData()) as HostTensor['data'], shape: [...t.dims] };
      }
      return out;
    },
    release: () => session.release(),
  };
}
