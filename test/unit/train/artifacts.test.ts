// Structure of the artifacts (no ORT needed): the graphs' I/O names fit together as io.json
// documents, only ops with WebGPU kernels are emitted, and bad LoRA settings are rejected.
import { describe, expect, it } from 'vitest';
import { LORA_MODULES } from '../../../src/lib/engines/onnx/llama-graph';
import { InputError } from '../../../src/lib/protocol/errors';
import { artifactsReadme, buildTrainingArtifacts } from '../../../src/lib/train/artifacts';
import { dropoutMaskName, gradName, type LoraConfig } from '../../../src/lib/train/lora-config';
import { buildTrainGraph } from '../../../src/lib/train/train-graph';
import { adamMName, nextName } from '../../../src/lib/train/optimizer-graph';
import { makeTinyCheckpoint } from '../../helpers/tiny-checkpoint';

// Ops with kernels in ORT 1.30's WebGPU EPs that the artifacts may use (onnxruntime-web.md §3.2).
const WEBGPU_OPS = new Set(
  'Add Cast Concat CumSum Div Equal Exp Gather GatherElements Gemm Identity Less Log MatMul Mul Neg Range Reciprocal ReduceMax ReduceMean ReduceSum Reshape Sigmoid Slice Softmax Sqrt Sub Transpose Unsqueeze Where'.split(
    ' ',
  ),
);

const { config } = makeTinyCheckpoint({ arch: 'llama' });
const lora: LoraConfig = {
  rank: 4,
  alpha: 8,
  dropout: 0.1,
  targetModules: ['q_proj', 'v_proj', 'down_proj'],
};

describe('training artifacts structure', () => {
  const art = buildTrainingArtifacts(config, lora, { batch: 2, seq: 16, vocabChunk: 100 });
  const names = (specs: { name: string }[]) => specs.map((s) => s.name);

  it('train grads feed the optimizer; eval has the train inputs minus dropout masks', () => {
    const { train, eval: ev, optimizer } = art.io.graphs;
    const loraInputs = names(train.inputs).filter(
      (n) => n.startsWith('lora.') && n !== 'lora.scale',
    );
    expect(loraInputs).toHaveLength(config.numLayers * 3 * 2);
    const gradOutputs = names(train.outputs).filter((n) => n.startsWith('grad.'));
    expect(gradOutputs.sort()).toEqual(loraInputs.map(gradName).sort());
    for (const n of loraInputs) {
      expect(names(optimizer.inputs)).toContain(n);
      expect(names(optimizer.inputs)).toContain(gradName(n));
      expect(names(optimizer.outputs)).toContain(nextName(adamMName(n)));
    }
    const masks = names(train.inputs).filter((n) => n.startsWith('dropout.'));
    expect(masks).toContain(dropoutMaskName(1, 'down_proj'));
    const mask = train.inputs.find((t) => t.name === dropoutMaskName(1, 'down_proj'));
    expect(mask?.shape).toEqual([32, 128]);
    expect(mask?.dtype).toBe('bool');
    expect(names(ev.inputs)).toEqual(names(train.inputs).filter((n) => !n.startsWith('dropout.')));
    expect(names(ev.outputs)).toEqual(['loss', 'loss_sum', 'token_count']);
    expect(art.io.nodeCounts.train).toBeGreaterThan(art.io.nodeCounts.eval);
    expect(artifactsReadme(art.io)).toContain('grad_scale = 1 / Σ token_count');
  });

  it('emits only ops with WebGPU kernels (no Trilu/OneHot/Sum/Max/SoftmaxCrossEntropyLoss)', () => {
    for (const arch of ['llama', 'qwen2'] as const) {
      const c = makeTinyCheckpoint({ arch }).config;
      const all = { ...lora, targetModules: LORA_MODULES };
      const graph = buildTrainGraph(c, all, { batch: 1, seq: 8, mode: 'train', vocabChunk: 64 });
      expect(graph.opTypes.filter((op) => !WEBGPU_OPS.has(op))).toEqual([]);
    }
  });

  it('rejects bad LoRA settings and shapes with specific errors', () => {
    const shape = { batch: 1, seq: 8 };
    expect(() => buildTrainingArtifacts(config, { ...lora, rank: 0 }, shape)).toThrow(InputError);
    expect(() => buildTrainingArtifacts(config, { ...lora, dropout: 1 }, shape)).toThrow(/dropout/);
    expect(() =>
      buildTrainingArtifacts(config, { ...lora, targetModules: ['lm_head' as 'q_proj'] }, shape),
    ).toThrow(/Unknown LoRA target module "lm_head"/);
    expect(() => buildTrainingArtifacts(config, lora, { batch: 1, seq: 1 })).toThrow(
      /seq must be an integer ≥ 2/,
    );
  });
});
