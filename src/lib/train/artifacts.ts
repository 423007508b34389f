// Public entry of the LoRA training artifacts: the train / eval / optimizer graphs for one
// static (batch, seq) bucket, their io.json description, and helpers to assemble feeds.
import { ropeTables, type DecoderConfig } from '../engines/onnx/config';
import { LORA_SCALE_INPUT, ROPE_COS_INPUT, ROPE_SIN_INPUT } from '../engines/onnx/llama-graph';
import type { GraphIo, TensorSpec } from './io-spec';
import { loraScale, validateLora, type LoraConfig } from './lora-config';
import { buildOptimizerGraph } from './optimizer-graph';
import { buildTrainGraph, type BatchShape } from './train-graph';

export interface ArtifactOptions extends BatchShape {
  vocabChunk?: number;
  maskType?: 'int32' | 'float32';
}

export interface IoSpec {
  format: 'humpback-lora-artifacts/1';
  architecture: string;
  batch: number;
  seq: number;
  lora: { rank: number; alpha: number; dropout: number; scale: number; targetModules: string[] };
  /** Plain-language contract of the graphs (loss definition, gradient scaling, dropout). */
  notes: string[];
  graphs: { train: GraphIo; eval: GraphIo; optimizer: GraphIo };
  nodeCounts: { train: number; eval: number; optimizer: number };
}

export interface TrainingArtifacts {
  train: Uint8Array;
  eval: Uint8Array;
  optimizer: Uint8Array;
  io: IoSpec;
}

export const ARTIFACT_NOTES = [
  'All graphs are plain ONNX (opset 18, standard ops only) run as inference sessions.',
  'Loss: logits at position t predict input_ids[b, t+1] with weight w[b,t] = loss_mask[b,t+1]·attention_mask[b,t+1]; position T-1 has no target. loss_mask is 1 on OUTPUT (response) tokens only.',
  'loss_sum = Σ w·nll, token_count = Σ w, loss = loss_sum / max(token_count, 1). grad.* outputs are ∂loss_sum/∂param (not of the mean).',
  'Gradient accumulation: sum grad.* and token_count over micro-batches, then run the optimizer with grad_scale = 1 / Σ token_count: exactly the token-mean gradient of the whole batch.',
  'Optimizer: AdamW (decoupled weight decay, PyTorch semantics) with global-norm clipping over all LoRA tensors; bc1 = 1-β1^t, bc2 = 1-β2^t for the 1-based step t; grad_norm is the pre-clip norm of the mean gradient. Feed next.* outputs back as inputs of the next step.',
  'LoRA dropout (train graph only, when dropout > 0): one bool keep mask per adapted module dropout.{i}.{module} [B·T, in] (1 keep, 0 drop); the graph multiplies the adapter input by mask/(1-p) (PEFT inverted dropout, separate per module); eval has no masks.',
  'rope.cos / rope.sin: [T, head_dim/2] tables cos/sin(t·inv_freq) for t = 0..T-1 (positions are 0..T-1: right padding).',
  'Base weights are inputs named exactly like the Hugging Face checkpoint tensors (f32) and are frozen; LoRA A is [in, r], B is [r, out] (PEFT stores the transposes).',
];

export function buildTrainingArtifacts(
  config: DecoderConfig,
  lora: LoraConfig,
  options: ArtifactOptions,
): TrainingArtifacts {
  validateLora(lora);
  const common = {
    batch: options.batch,
    seq: options.seq,
    vocabChunk: options.vocabChunk,
    maskType: options.maskType,
  };
  const train = buildTrainGraph(config, lora, { ...common, mode: 'train' });
  const evalGraph = buildTrainGraph(config, lora, { ...common, mode: 'eval' });
  const optimizer = buildOptimizerGraph(config, lora);
  return {
    train: train.model,
    eval: evalGraph.model,
    optimizer: optimizer.model,
    io: {
      format: 'humpback-lora-artifacts/1',
      architecture: config.architecture,
      batch: options.batch,
      seq: options.seq,
      lora: {
        rank: lora.rank,
        alpha: lora.alpha,
        dropout: lora.dropout,
        scale: loraScale(lora),
        targetModules: [...lora.targetModules],
      },
      notes: ARTIFACT_NOTES,
      graphs: { train: train.io, eval: evalGraph.io, optimizer: optimizer.io },
      nodeCounts: {
        train: train.nodeCount,
        eval: evalGraph.nodeCount,
        optimizer: optimizer.nodeCount,
      },
    },
  };
}

/** Uint8Array = ONNX bool (dropout keep masks). */
export type FeedTensor = { data: Float32Array | Int32Array | Uint8Array; shape: number[] };

export interface TrainBatch extends BatchShape {
  /** [B, T] right-padded ids. */
  inputIds: Int32Array;
  /** [B, T] 1 = real, 0 = pad. */
  attentionMask: Int32Array;
  /** [B, T] 1 on output tokens. */
  lossMask: Float32Array;
}

/** Per-bucket constant feeds: rope tables and lora.scale. */
export function staticFeeds(
  config: DecoderConfig,
  lora: LoraConfig,
  seq: number,
): Record<string, FeedTensor> {
  const tables = ropeTables(config, seq);
  const dims = [seq, config.headDim / 2];
  return {
    [ROPE_COS_INPUT]: { data: tables.cos, shape: dims },
    [ROPE_SIN_INPUT]: { data: tables.sin, shape: dims },
    [LORA_SCALE_INPUT]: { data: Float32Array.of(loraScale(lora)), shape: [1] },
  };
}

/** Feeds of one train/eval run (weights, LoRA and dropout tensors are passed through). */
export function batchFeeds(
  batch: TrainBatch,
  ...tensorMaps: (Record<string, FeedTensor> | Map<string, FeedTensor>)[]
): Record<string, FeedTensor> {
  const shape = [batch.batch, batch.seq];
  const feeds: Record<string, FeedTensor> = {
    input_ids: { data: batch.inputIds, shape },
    attention_mask: { data: batch.attentionMask, shape },
    loss_mask: { data: batch.lossMask, shape },
  };
  for (const map of tensorMaps) {
    const entries = map instanceof Map ? [...map.entries()] : Object.entries(map);
    for (const [name, t] of entries) feeds[name] = t;
  }
  return feeds;
}

/** A short README for an artifacts folder (other runtimes can run the graphs from it). */
export function artifactsReadme(io: IoSpec): string {
  // One row per tensor family: lora.{i}.{module}.A stands for all layers and modules.
  const family = (t: TensorSpec): string =>
    t.doc.startsWith('frozen base weight')
      ? 'model.* (HF checkpoint names)'
      : t.name.replace(/\.\d+\./g, '.{i}.').replace(/\b(q|k|v|o|gate|up|down)_proj\b/g, '{module}');
  const table = (g: GraphIo): string => {
    const rows = new Map<string, string>();
    const add = (dir: string, t: TensorSpec): void => {
      const key = `${dir} ${family(t)}`;
      if (rows.has(key)) return;
      const shape = family(t) === t.name ? `[${t.shape.join(', ')}]` : 'see io.json';
      rows.set(key, `| ${dir} | \`${family(t)}\` | ${t.dtype} | ${shape} | ${t.doc} |`);
    };
    g.inputs.forEach((t) => add('in', t));
    g.outputs.forEach((t) => add('out', t));
    return [...rows.values()].join('\n');
  };
  const header = '| dir | name | dtype | shape | meaning |\n|---|---|---|---|---|';
  return [
    `# LoRA training artifacts (${io.architecture}, batch ${io.batch} × seq ${io.seq})`,
    '',
    `LoRA rank ${io.lora.rank}, alpha ${io.lora.alpha} (scale ${io.lora.scale}), dropout ${io.lora.dropout}, targets ${io.lora.targetModules.join(', ')}.`,
    `Nodes: train ${io.nodeCounts.train}, eval ${io.nodeCounts.eval}, optimizer ${io.nodeCounts.optimizer}.`,
    '',
    'Files: `train.onnx` (loss + ∂loss_sum/∂LoRA), `eval.onnx` (loss only), `optimizer.onnx` (AdamW step),',
    '`lora_init.safetensors` (PEFT-style initial A/B in graph layout), `io.json` (every input/output: name, dtype, shape, meaning).',
    '',
    '## Contract',
    ...io.notes.map((n) => `- ${n}`),
    '',
    '## One training step',
    '1. For each micro-batch: run train.onnx with the batch, rope tables, lora.scale, LoRA tensors, dropout masks and base weights; add up `grad.*` and `token_count`.',
    '2. Run optimizer.onnx with p = LoRA tensors, g = summed grads, m/v = Adam state (zeros at t = 1), the scalars, `grad_scale = 1 / Σ token_count`.',
    '3. Replace every p, m, v by its `next.*` output.',
    '',
    '## train.onnx',
    header,
    table(io.graphs.train),
    '',
    '## optimizer.onnx',
    header,
    table(io.graphs.optimizer),
    '',
  ].join('\n');
}
