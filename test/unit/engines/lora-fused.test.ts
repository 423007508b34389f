// The fused LoRA layout (issue 14 item 2; llama-graph.ts loraLayout; the runner on WebGPU):
// projections that share an input run one x·[A_q|A_k|A_v] (and one x·[A_gate|A_up]) split
// per projection, and each delta is one Gemm with the scale folded into B and the base output
// as C. It must give the separate layout's results (x·A·B·s + base per projection) for any
// module set, with biases (Qwen2's q,k,v), for full and last logits and a cached decode step,
// with fewer nodes and inputs.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DeviceChoice } from '../../../src/lib/engines/onnx/device';
import {
  fusedLoraTensors,
  NO_ADAPTER,
  type LoraInputs,
} from '../../../src/lib/engines/onnx/adapters';
import { parseDecoderConfig } from '../../../src/lib/engines/onnx/config';
import {
  buildLlamaGraph,
  LORA_MODULES,
  loraAName,
  loraBName,
  loraFusedBName,
  loraGroupAName,
  type LoraModule,
} from '../../../src/lib/engines/onnx/llama-graph';
import { ModelRunner } from '../../../src/lib/engines/onnx/runner';
import { makeTinyCheckpoint, makeTinyLora } from '../../helpers/tiny-checkpoint';
import { maxRelError } from '../../helpers/rel-error';
import { nodeOrt } from './ort-fixtures';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const config = parseDecoderConfig(makeTinyCheckpoint({ arch: 'llama' }).configJson);

function loraOf(modules: readonly LoraModule[], rank: number, seed: number): LoraInputs {
  return { scale: 1.75, rank, modules, tensors: makeTinyLora(config, modules, rank, seed) };
}

describe('fusedLoraTensors', () => {
  it('puts a group’s A side by side and folds the scale into each B', () => {
    const lora = loraOf(['q_proj', 'v_proj', 'up_proj', 'down_proj'], 3, 7);
    const fused = fusedLoraTensors(lora, config.numLayers);
    const r = 3;
    for (let layer = 0; layer < config.numLayers; layer++) {
      const qv = fused[loraGroupAName(layer, ['q_proj', 'v_proj'])];
      const aq = lora.tensors[loraAName(layer, 'q_proj')];
      const av = lora.tensors[loraAName(layer, 'v_proj')];
      const inSize = aq.shape[0];
      expect(qv.shape).toEqual([inSize, 2 * r]);
      for (let i = 0; i < inSize; i++) {
        for (let k = 0; k < r; k++) {
          expect(qv.data[i * 2 * r + k]).toBe(aq.data[i * r + k]);
          expect(qv.data[i * 2 * r + r + k]).toBe(av.data[i * r + k]);
        }
      }
      // up is alone in its group here (gate not targeted), down always is.
      expect(fused[loraGroupAName(layer, ['up_proj'])].data).toEqual(
        lora.tensors[loraAName(layer, 'up_proj')].data,
      );
      for (const m of lora.modules) {
        const b = lora.tensors[loraBName(layer, m)];
        const sb = fused[loraFusedBName(layer, m)];
        expect(sb.shape).toEqual(b.shape);
        expect(Array.from(sb.data)).toEqual(Array.from(b.data, (v) => Math.fround(1.75 * v)));
      }
    }
    // One A per group and one B per module per layer, no scale input.
    expect(Object.keys(fused)).toHaveLength(config.numLayers * (3 + 4));
  });

  it('builds a graph with 13 LoRA nodes and 11 inputs per layer for all seven (28 and 14 separate)', () => {
    const none = buildLlamaGraph(config, { lastLogitsOnly: true });
    const separate = buildLlamaGraph(config, { lastLogitsOnly: true, loraModules: LORA_MODULES });
    const fused = buildLlamaGraph(config, {
      lastLogitsOnly: true,
      loraModules: LORA_MODULES,
      loraLayout: 'fused',
    });
    const layers = config.numLayers;
    expect(separate.nodeCount - none.nodeCount).toBe(28 * layers);
    expect(fused.nodeCount - none.nodeCount).toBe(13 * layers);
    expect(separate.loraNames).toHaveLength(14 * layers + 1);
    expect(fused.loraNames).toHaveLength(11 * layers);
    expect(fused.opTypes.has('Split')).toBe(true);
    const feeds = fusedLoraTensors(loraOf(LORA_MODULES, 2, 1), layers);
    expect(Object.keys(feeds).sort()).toEqual([...fused.loraNames].sort());
  });
});

const SETS: LoraModule[][] = [
  [...LORA_MODULES],
  ['k_proj', 'up_proj', 'down_proj'],
  ['q_proj', 'v_proj', 'gate_proj', 'o_proj'],
];

const WASM: DeviceChoice = {
  kind: 'wasm',
  shaderF16: false,
  maxBufferSize: 2 ** 31,
  maxStorageBufferBindingSize: 2 ** 31,
};

// Tiny 512-vocab checkpoints fed to the runner directly (no tokenizer): Qwen2 has q,k,v biases,
// so there C = x·Wᵀ + b.
describe.each(['llama', 'qwen2'] as const)('fused = separate LoRA layout (%s)', (arch) => {
  const ckpt = makeTinyCheckpoint({ arch });
  let runner: ModelRunner;
  beforeAll(async () => {
    runner = await ModelRunner.create(await nodeOrt(), ckpt.config, ckpt.tensors, WASM);
  });
  afterAll(() => runner.release());

  /** Full logits of a prompt, then the last logits of one cached decode step. */
  async function logits(lora: LoraInputs): Promise<Float32Array[]> {
    const ids = Int32Array.from({ length: 9 }, (_, i) => 3 + ((i * 37) % 500));
    const run = { batch: 1, lora };
    const full = await runner.run({
      ...run,
      seq: ids.length,
      inputIds: ids,
      attentionMask: new Int32Array(ids.length).fill(1),
      logits: 'all',
    });
    const step = await runner.run({
      ...run,
      seq: 1,
      inputIds: Int32Array.of(ids[3]),
      attentionMask: new Int32Array(ids.length + 1).fill(1),
      past: full.present,
      logits: 'last',
    });
    return [full.logits, step.logits];
  }

  it('gives the same logits for adapters on several module sets', async () => {
    const loras = SETS.map((set): LoraInputs => ({
      scale: 2,
      rank: 4,
      modules: set,
      tensors: makeTinyLora(ckpt.config, set, 4, 11),
    }));
    // wasm runs the separate layout by default (WebGPU the fused one: test/browser).
    expect(runner.loraLayout).toBe('separate');
    const separate = [];
    for (const lora of loras) separate.push(await logits(lora));
    // The adapters change the output (so the comparison below says something).
    const base = await logits(NO_ADAPTER);
    await runner.setLoraLayout('fused');
    try {
      for (const [k, lora] of loras.entries()) {
        const fused = await logits(lora);
        for (let i = 0; i < 2; i++) {
          expect(maxRelError(fused[i], separate[k][i])).toBeLessThan(1e-5);
          expect(maxRelError(base[i], separate[k][i])).toBeGreaterThan(1e-3);
        }
      }
    } finally {
      await runner.setLoraLayout('separate');
    }
  });
});
