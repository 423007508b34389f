// The LoRA training and evaluation graphs: ordinary ONNX inference graphs (standard ops with
// WebGPU kernels only; onnxruntime-web.md §3) that compute the masked token cross-entropy
// and, for training, the gradient of loss_sum with respect to every LoRA tensor by explicit
// reverse-mode rules (backward/*.ts). Base weights are inputs named like the HF tensors, the
// same as the inference graph (llama-graph.ts), and are frozen.
//
// Loss (method.md §6, "loss on output tokens only"): for row b and position t < T−1 the
// logits at t predict token input_ids[b, t+1] with weight
//   w[b, t] = loss_mask[b, t+1] · attention_mask[b, t+1]
// (so loss_mask marks the OUTPUT tokens themselves, 1 on every response token incl. EOS, and
// padding never counts). Position T−1 has no target. Then
//   loss_sum = Σ w·nll,  token_count = Σ w,  loss = loss_sum / max(token_count, 1),
// and grad.* = ∂loss_sum/∂param. Accumulating grads and token_count over micro-batches and
// scaling by 1/Σ token_count (optimizer input grad_scale) gives exactly the gradient of the
// token-mean loss of the whole batch.
import type { DecoderConfig } from '../engines/onnx/config';
import { GraphBuilder, type DType, type Value } from '../engines/onnx/graph';
import { attentionBias } from '../engines/onnx/llama-blocks';
import {
  checkpointTensorNames,
  checkpointTensorShape,
  LORA_MODULES,
  LORA_SCALE_INPUT,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LoraModule,
} from '../engines/onnx/llama-graph';
import type { RotaryPair } from './backward/attention';
import {
  decoderLayerBackward,
  decoderLayerForward,
  type LayerParams,
  type LayerSaved,
} from './backward/layer';
import type { LinearParams } from './backward/linear';
import { DEFAULT_VOCAB_CHUNK, lmLossBackward, lmLossForward } from './backward/lm-loss';
import { rmsNormBackward, rmsNormForward } from './backward/norm';
import { InputError } from '../protocol/errors';
import { IoRecorder, type GraphIo } from './io-spec';
import { dropoutMaskName, gradName, loraSites, validateLora, type LoraConfig } from './lora-config';

export interface BatchShape {
  batch: number;
  seq: number;
}

export interface TrainGraphOptions extends BatchShape {
  /** 'train' adds backward + gradient outputs (+ dropout masks when lora.dropout > 0). */
  mode: 'train' | 'eval';
  /** Vocabulary columns per LM-head/CE chunk (default 8192). */
  vocabChunk?: number;
  /** attention_mask element type (default int32, like the inference graph). */
  maskType?: 'int32' | 'float32';
}

export interface BuiltGraph {
  model: Uint8Array;
  io: GraphIo;
  nodeCount: number;
  opTypes: string[];
}

const ATTENTION_MODULES: readonly LoraModule[] = ['q_proj', 'k_proj', 'v_proj', 'o_proj'];

export const LOSS_OUTPUT = 'loss';
export const LOSS_SUM_OUTPUT = 'loss_sum';
export const TOKEN_COUNT_OUTPUT = 'token_count';

export function buildTrainGraph(
  config: DecoderConfig,
  lora: LoraConfig,
  opts: TrainGraphOptions,
): BuiltGraph {
  validateLora(lora);
  const c = config;
  const { batch: B, seq: T } = opts;
  if (!Number.isInteger(B) || B <= 0) {
    throw new InputError(`batch must be an integer ≥ 1 (got ${B})`, { field: 'batch' });
  }
  if (!Number.isInteger(T) || T < 2) {
    throw new InputError(`seq must be an integer ≥ 2 (got ${T})`, { field: 'seq' });
  }
  const N = B * T;
  const training = opts.mode === 'train';
  const withDropout = training && lora.dropout > 0;
  const g = new GraphBuilder(`${c.architecture}-lora-${opts.mode}`);
  const rec = new IoRecorder(g);

  const maskType: DType = opts.maskType ?? 'int32';
  const inputIds = rec.input('input_ids', 'int32', [B, T], 'token ids, right-padded');
  const mask = rec.input('attention_mask', maskType, [B, T], '1 = real token, 0 = padding');
  const lossMask = rec.input('loss_mask', 'float32', [B, T], '1 on output (response) tokens');
  const half = c.headDim / 2;
  const ropeDoc = 'rows 0..T-1 of config.ts ropeTables(config, T)';
  const cosHalf = rec.input(ROPE_COS_INPUT, 'float32', [T, half], `cos, ${ropeDoc}`);
  const sinHalf = rec.input(ROPE_SIN_INPUT, 'float32', [T, half], `sin, ${ropeDoc}`);
  const scale = rec.input(
    LORA_SCALE_INPUT,
    'float32',
    [1],
    'alpha / rank (alpha / √rank with rsLoRA)',
  );

  const sites = loraSites(c, lora);
  const siteInputs = new Map<string, LinearParams['lora']>();
  for (const s of sites) {
    const a = rec.input(s.a, 'float32', [s.inSize, lora.rank], 'LoRA A (trainable)');
    const b = rec.input(s.b, 'float32', [lora.rank, s.outSize], 'LoRA B (trainable)');
    // Keep-mask input (bool), scaled to inverted dropout {0, 1/(1−p)} in-graph.
    const dropoutMask = withDropout
      ? g.mul(
          g.cast(
            rec.input(
              dropoutMaskName(s.layer, s.module),
              'bool',
              [N, s.inSize],
              `LoRA dropout keep mask (1 keep, 0 drop), p = ${lora.dropout}`,
            ),
            'float32',
          ),
          g.scalar(1 / (1 - lora.dropout)),
        )
      : undefined;
    siteInputs.set(`${s.layer}.${s.module}`, { a, b, scale, dropoutMask });
  }
  for (const name of checkpointTensorNames(c)) {
    rec.input(name, 'float32', checkpointTensorShape(c, name), 'frozen base weight (HF name)');
  }

  // Shared per-step values: RoPE tables [1, 1, T, D], the causal+padding bias, targets, weights.
  const full = (t: Value): Value => g.unsqueeze(g.concat([t, t], -1), [0, 1]);
  const rotary: RotaryPair = {
    cos: full(cosHalf),
    sin: full(sinHalf),
    negSin: full(g.neg(sinHalf)),
  };
  const maskF32 = maskType === 'float32' ? mask : g.cast(mask, 'float32');
  const bias = g.scope('mask', () => attentionBias(g, maskF32, inputIds));
  const shifted = (x: Value): Value =>
    g.concat([g.slice(x, [1], [T], [1]), g.constant('float32', new Array(B).fill(0), [B, 1])], 1);
  // Shift in f32 (ids < 2^24 are exact): an int32 Slice is placed on the CPU EP by ORT 1.30's
  // WebGPU build (seen in test/browser/train-webgpu.test.ts), costing two copies per step.
  const targets = g.cast(g.reshape(shifted(g.cast(inputIds, 'float32')), [N]), 'int32');
  const weights = g.reshape(shifted(g.mul(lossMask, maskF32)), [N, 1]);

  const layerParams = (i: number): LayerParams => {
    const p = `model.layers.${i}`;
    const proj = (kind: string, m: LoraModule, biased: boolean): LinearParams => ({
      weight: `${p}.${kind}.${m}.weight`,
      bias: biased ? `${p}.${kind}.${m}.bias` : undefined,
      lora: siteInputs.get(`${i}.${m}`),
    });
    const projections = Object.fromEntries(
      LORA_MODULES.map((m) => {
        const attn = ATTENTION_MODULES.includes(m);
        const biased = attn ? (m === 'o_proj' ? c.oBias : c.qkvBias) : c.mlpBias;
        return [m, proj(attn ? 'self_attn' : 'mlp', m, biased)];
      }),
    ) as Record<LoraModule, LinearParams>;
    return {
      inputNorm: `${p}.input_layernorm.weight`,
      postAttentionNorm: `${p}.post_attention_layernorm.weight`,
      proj: projections,
    };
  };

  const ctx = {
    shape: { batch: B, seq: T, numHeads: c.numHeads, numKvHeads: c.numKvHeads, headDim: c.headDim },
    rmsNormEps: c.rmsNormEps,
    rotary,
    bias,
  };
  let hidden = g.reshape(g.gather('model.embed_tokens.weight', inputIds, 0), [N, c.hiddenSize]);
  const saved: LayerSaved[] = [];
  for (let i = 0; i < c.numLayers; i++) {
    const out = g.scope(`layer${i}`, () => decoderLayerForward(g, ctx, hidden, layerParams(i)));
    hidden = out.hidden;
    saved.push(out.saved);
  }
  const finalNorm = rmsNormForward(g, hidden, 'model.norm.weight', c.rmsNormEps);
  const head = c.tieWordEmbeddings ? 'model.embed_tokens.weight' : 'lm_head.weight';
  const loss = g.scope('loss', () =>
    lmLossForward(g, {
      hidden: finalNorm.y,
      head,
      targets,
      weights,
      vocabSize: c.vocabSize,
      chunkSize: opts.vocabChunk ?? DEFAULT_VOCAB_CHUNK,
    }),
  );
  const safeCount = g.where(g.less(loss.tokenCount, g.scalar(0.5)), g.scalar(1), loss.tokenCount);
  rec.output(
    g.div(loss.lossSum, safeCount),
    LOSS_OUTPUT,
    'float32',
    [1],
    'loss_sum / max(token_count, 1)',
  );
  rec.output(loss.lossSum, LOSS_SUM_OUTPUT, 'float32', [1], 'Σ weighted token NLL (nats)');
  rec.output(
    loss.tokenCount,
    TOKEN_COUNT_OUTPUT,
    'float32',
    [1],
    'number of counted target tokens',
  );

  if (training) {
    let dHidden: Value | undefined = g.scope('loss_grad', () =>
      rmsNormBackward(g, finalNorm.saved, lmLossBackward(g, loss.saved)),
    );
    for (let i = c.numLayers - 1; i >= 0; i--) {
      const dOut = dHidden as Value;
      const back = g.scope(`layer${i}_grad`, () => decoderLayerBackward(g, saved[i], dOut, i > 0));
      for (const s of sites.filter((x) => x.layer === i)) {
        const grads = back.lora[s.module];
        if (!grads) throw new Error(`no gradient for ${s.a}`);
        rec.output(grads.dA, gradName(s.a), 'float32', [s.inSize, lora.rank], '∂loss_sum/∂A');
        rec.output(grads.dB, gradName(s.b), 'float32', [lora.rank, s.outSize], '∂loss_sum/∂B');
      }
      dHidden = back.dHidden;
    }
  }
  const model = g.toModel();
  return { model, io: rec.io, nodeCount: g.nodeCount, opTypes: [...g.opTypes()].sort() };
}
