// proto writer + graph builder (run in onnxruntime-web), safetensors I/O and config parsing.
import { beforeAll, describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { ModelLoadError } from '../../../src/lib/protocol/errors';
import { GraphBuilder } from '../../../src/lib/engines/onnx/graph';
import { parseDecoderConfig, ropeInvFreq } from '../../../src/lib/engines/onnx/config';
import { buildLlamaGraph, LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import {
  floatToBf16,
  floatToHalf,
  halfToFloat,
  loadFloat32Tensors,
  mergeShards,
  parseSafetensors,
  shardFileNames,
  writeSafetensors,
} from '../../../src/lib/engines/onnx/safetensors';
import { makeTinyCheckpoint, tinyConfigJson } from '../../helpers/tiny-checkpoint';

// The first session instantiates ORT's 27 MB wasm: seconds, or tens of seconds on a loaded box.
const COLD_START_TIMEOUT = 120_000;

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

describe('proto writer + GraphBuilder', { timeout: COLD_START_TIMEOUT }, () => {
  it('encodes attributes of every kind we use and runs in onnxruntime-web', async () => {
    const g = new GraphBuilder('attrs');
    const x = g.input('x', 'float32', ['n', 3]);
    const w = g.input('w', 'float32', [2, 3]);
    // Gemm: float attribute alpha, int attribute transB; Softmax: negative int (10-byte varint).
    const y = g.gemm(x, w, g.constant('float32', [1, -1], [2]), { transB: true, alpha: 0.5 });
    const p = g.softmax(y, -1);
    // Transpose: ints attribute; ReduceMean with axes as input (opset 18); Slice with -1 starts.
    const mean = g.reduceMean(g.transpose(x, [1, 0]), [1], false);
    const last = g.slice(x, [-1], [2 ** 31 - 1], [0]);
    const mask = g.cast(g.less(x, g.scalar(0)), 'float32');
    g.output(p, 'p', 'float32', ['n', 2]);
    g.output(mean, 'mean', 'float32', [3]);
    g.output(last, 'last', 'float32', [1, 3]);
    g.output(mask, 'neg', 'float32', ['n', 3]);
    const session = await ort.InferenceSession.create(g.toModel(), {
      executionProviders: ['wasm'],
    });
    const xs = Float32Array.of(1, -2, 3, 0.5, 0.25, -4);
    const ws = Float32Array.of(1, 0, 0, 0, 1, 1);
    const out = await session.run({
      x: new ort.Tensor('float32', xs, [2, 3]),
      w: new ort.Tensor('float32', ws, [2, 3]),
    });
    const softmaxRow = (a: number, b: number) => [
      Math.exp(a) / (Math.exp(a) + Math.exp(b)),
      Math.exp(b) / (Math.exp(a) + Math.exp(b)),
    ];
    const expected = [
      ...softmaxRow(0.5 * 1 + 1, 0.5 * (-2 + 3) - 1),
      ...softmaxRow(0.5 * 0.5 + 1, 0.5 * (0.25 - 4) - 1),
    ];
    Array.from(out.p.data as Float32Array).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(Array.from(out.mean.data as Float32Array)).toEqual([0.75, -0.875, -0.5]);
    expect(Array.from(out.last.data as Float32Array)).toEqual([0.5, 0.25, -4]);
    expect(Array.from(out.neg.data as Float32Array)).toEqual([0, 1, 0, 0, 0, 1]);
    expect(session.inputNames).toEqual(['x', 'w']);
    await session.release();
  });

  it('rejects duplicate value names', () => {
    const g = new GraphBuilder('dup');
    g.input('a', 'float32', [1]);
    expect(() => g.input('a', 'float32', [1])).toThrow(/already defined/);
  });

  it('the forward graph uses only ops with native WebGPU kernels (no Trilu/OneHot/Sum)', () => {
    const allowed = new Set([
      'Add',
      'Sub',
      'Mul',
      'Div',
      'Sqrt',
      'Neg',
      'Sigmoid',
      'Less',
      'Cast',
      'Gemm',
      'MatMul',
      'ReduceMean',
      'ReduceSum',
      'Softmax',
      'Reshape',
      'Transpose',
      'Concat',
      'Slice',
      'Gather',
      'Unsqueeze',
      'Shape',
      'CumSum',
      'Identity',
    ]);
    for (const arch of ['llama', 'qwen2', 'llama3'] as const) {
      const config = parseDecoderConfig(tinyConfigJson(arch));
      const graph = buildLlamaGraph(config, { loraModules: LORA_MODULES, lastLogitsOnly: true });
      expect([...graph.opTypes].filter((op) => !allowed.has(op))).toEqual([]);
    }
  });
});

describe('safetensors', () => {
  it('round-trips F32 exactly and F16/BF16 with correct rounding', () => {
    const values = Float32Array.of(0, 1, -2.5, 65504, 1e-7, 3.14159, -0.0001, 1 / 3);
    const bytes = writeSafetensors(
      {
        a: { dtype: 'F32', shape: [2, 4], data: values },
        b: { dtype: 'F16', shape: [8], data: values },
        c: { dtype: 'BF16', shape: [8], data: values },
      },
      { format: 'pt' },
    );
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const file = parseSafetensors(bytes);
    expect(file.metadata).toEqual({ format: 'pt' });
    const t = loadFloat32Tensors(file);
    expect(t.get('a')?.shape).toEqual([2, 4]);
    expect(Array.from(t.get('a')!.data)).toEqual(Array.from(values));
    const f16 = t.get('b')!.data;
    const bf16 = t.get('c')!.data;
    expect(f16[3]).toBe(65504); // largest half
    expect(f16[4]).toBeCloseTo(1.1920928955078125e-7, 12); // subnormal half (2 × 2^-24)
    expect(f16[5]).toBe(3.140625); // nearest half to π-ish
    expect(bf16[5]).toBe(3.140625); // bf16 keeps 8 mantissa bits
    for (let i = 0; i < values.length; i++) {
      expect(Math.abs(f16[i] - values[i])).toBeLessThanOrEqual(
        Math.abs(values[i]) * 2 ** -11 + 2 ** -25,
      );
      expect(Math.abs(bf16[i] - values[i])).toBeLessThanOrEqual(Math.abs(values[i]) * 2 ** -8);
    }
  });

  it('converts half edge cases both ways', () => {
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(floatToHalf(1e6)).toBe(0x7c00); // overflow → inf
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie rounds to even
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie rounds to even
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
  });

  it('names the file and tensor on corrupt input', () => {
    expect(() => parseSafetensors(new Uint8Array(4), 'x.safetensors')).toThrow(
      /x.safetensors: file is shorter/,
    );
    const good = writeSafetensors({ w: { dtype: 'F32', shape: [2], data: Float32Array.of(1, 2) } });
    expect(() => parseSafetensors(good.subarray(0, good.length - 4), 'y.safetensors')).toThrow(
      /y.safetensors: data_offsets point outside the file \(tensor "w"\)/,
    );
    const badJson = good.slice();
    badJson[8] = 0x41;
    expect(() => parseSafetensors(badJson)).toThrow(ModelLoadError);
    const tooLong = good.slice();
    new DataView(tooLong.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => parseSafetensors(tooLong)).toThrow(/exceeds the file size/);
  });

  it('merges sharded checkpoints through model.safetensors.index.json', () => {
    const ckpt = makeTinyCheckpoint({ arch: 'qwen2' });
    const names = [...ckpt.tensors.keys()];
    const half = Math.ceil(names.length / 2);
    const shardOf = (i: number) =>
      i < half ? 'model-00001-of-00002.safetensors' : 'model-00002-of-00002.safetensors';
    const index = {
      metadata: {},
      weight_map: Object.fromEntries(names.map((n, i) => [n, shardOf(i)])),
    };
    const shards = Object.fromEntries(
      shardFileNames(index).map((file) => [
        file,
        parseSafetensors(
          writeSafetensors(
            Object.fromEntries(
              names
                .filter((n, i) => shardOf(i) === file)
                .map((n) => [n, { dtype: 'F32' as const, ...ckpt.tensors.get(n)! }]),
            ),
          ),
          file,
        ),
      ]),
    );
    const merged = loadFloat32Tensors(mergeShards(index, shards));
    expect([...merged.keys()].sort()).toEqual([...names].sort());
    for (const n of names) expect(merged.get(n)!.data).toEqual(ckpt.tensors.get(n)!.data);
    const missing = { ...shards };
    delete missing['model-00002-of-00002.safetensors'];
    expect(() => mergeShards(index, missing)).toThrow(/shard "model-00002-of-00002.safetensors"/);
  });
});

describe('config.json parsing', () => {
  it('reads Llama, Qwen2 and llama3-scaled configs', () => {
    const llama = parseDecoderConfig(JSON.stringify(tinyConfigJson('llama')));
    expect(llama).toMatchObject({
      architecture: 'LlamaForCausalLM',
      headDim: 16,
      numKvHeads: 2,
      qkvBias: false,
      tieWordEmbeddings: false,
    });
    const qwen = parseDecoderConfig(tinyConfigJson('qwen2'));
    expect(qwen).toMatchObject({
      qkvBias: true,
      oBias: false,
      tieWordEmbeddings: true,
      headDim: 12,
    });
    const l3 = parseDecoderConfig(tinyConfigJson('llama3'));
    expect(l3.headDim).toBe(32);
    expect(l3.ropeScaling).toEqual({
      type: 'llama3',
      factor: 4,
      lowFreqFactor: 1,
      highFreqFactor: 4,
      originalMaxPositionEmbeddings: 32,
    });
  });

  it('applies llama3 scaling band by band (Llama 3.1 8B numbers)', () => {
    const cfg = parseDecoderConfig({
      ...tinyConfigJson('llama'),
      head_dim: 128,
      rope_theta: 500000,
      rope_scaling: {
        rope_type: 'llama3',
        factor: 8,
        low_freq_factor: 1,
        high_freq_factor: 4,
        original_max_position_embeddings: 8192,
      },
    });
    const scaled = ropeInvFreq(cfg);
    const plain = ropeInvFreq({ ...cfg, ropeScaling: null });
    expect(scaled[0]).toBe(plain[0]); // high frequency: unchanged
    expect(scaled[63]).toBeCloseTo(plain[63] / 8, 12); // lowest frequency: divided by factor
    const medium = scaled.findIndex((f, i) => f !== plain[i] && Math.abs(f - plain[i] / 8) > 1e-12);
    expect(medium).toBeGreaterThan(0); // some band is interpolated
  });

  it('rejects unsupported architectures by name, listing the supported ones', () => {
    const cfg = { ...tinyConfigJson('llama'), architectures: ['MistralForCausalLM'] };
    expect(() => parseDecoderConfig(cfg)).toThrow(ModelLoadError);
    expect(() => parseDecoderConfig(cfg)).toThrow(
      /MistralForCausalLM.*LlamaForCausalLM, Qwen2ForCausalLM/,
    );
  });

  it('names the offending field', () => {
    const { hidden_size: _h, ...noHidden } = tinyConfigJson('llama');
    expect(() => parseDecoderConfig(noHidden)).toThrow(/missing "hidden_size"/);
    expect(() =>
      parseDecoderConfig({ ...tinyConfigJson('llama'), num_key_value_heads: 3 }),
    ).toThrow(/multiple of num_key_value_heads/);
    expect(() =>
      parseDecoderConfig({
        ...tinyConfigJson('llama'),
        rope_scaling: { rope_type: 'yarn', factor: 4 },
      }),
    ).toThrow(/yarn/);
    expect(() => parseDecoderConfig('{oops')).toThrow(/config.json: not valid JSON/);
  });
});
