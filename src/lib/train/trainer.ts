// The LoRA training loop, readable top to bottom (nanoGPT's train.py): set lr → (every N
// steps) eval + checkpoint → micro-batches with gradient accumulation → clip + AdamW step (both
// inside the optimizer graph) → log → stop on max steps / epochs or cancel.
//
// Deterministic given options.seed: LoRA init (initLora), data order (planEpoch, per epoch),
// dropout masks (dropoutMasks, per step and micro-batch). A run resumed from a checkpoint
// therefore replays exactly the draws of an uninterrupted one (checkpoint.ts).
// The ORT side goes through engines/onnx/train-session.ts (createRunner is injected).
import type { DecoderConfig } from '../engines/onnx/config';
import type { F32Tensor } from '../engines/onnx/safetensors';
import type { GraphRunner, HostTensor } from '../engines/onnx/train-session';
import { CancelledError } from '../protocol/errors';
import type { ProgressFn } from '../protocol/progress';
import { batchFeeds } from './artifacts';
import type { MetricPoint, TrainCursor, TrainingState } from './checkpoint';
import { packBatch, planEpoch, type MicroBatchPlan, type TrainExample } from './data';
import { DEFAULT_LORA, gradName, loraParams, type LoraConfig } from './lora-config';
import { dropoutMasks, initLora } from './lora-init';
import { GraphCache } from './graph-cache';
import { adamMName, adamVName, GRAD_NORM_OUTPUT, nextName } from './optimizer-graph';
import { DEFAULT_LORA_SCHEDULE, getLr, type LrSchedule } from './schedule';
import { LOSS_SUM_OUTPUT, TOKEN_COUNT_OUTPUT } from './train-graph';

export interface AdamWOptions {
  beta1: number;
  beta2: number;
  eps: number;
  /** method.md §6: weight decay 0.1. */
  weightDecay: number;
  maxGradNorm: number;
}

export interface TrainOptions {
  seed: number;
  lora: LoraConfig;
  /** Rows per micro-batch (one static graph shape per length bucket). */
  batch: number;
  /** Micro-batches per optimizer step: effective batch = batch × accumulation. */
  accumulation: number;
  maxSteps: number;
  /** Stop after this many passes over the training set (null: only maxSteps counts). */
  maxEpochs: number | null;
  schedule: Omit<LrSchedule, 'decayEnd'>;
  adam: AdamWOptions;
  /** Evaluate every N steps (step 0 included) and at the end; 0 = at the end only. */
  evalEvery: number;
  /** Save a checkpoint every N steps (and at the end); 0 = at the end only. */
  checkpointEvery: number;
  /** LM-head/CE vocabulary chunk of the graphs (memory vs. speed). */
  vocabChunk?: number;
}

// Paper (method.md §6): batch 8 examples for < 3000 examples, weight decay 0.1, dropout 0.1.
// Here 4 rows × 2 accumulated = 8 examples per step; β/ε are PyTorch's AdamW defaults and
// clipping at 1.0 is the usual LLM fine-tuning setting (HF Trainer default).
export const DEFAULT_TRAIN_OPTIONS: TrainOptions = {
  seed: 1,
  lora: DEFAULT_LORA,
  batch: 4,
  accumulation: 2,
  maxSteps: 200,
  maxEpochs: null,
  schedule: DEFAULT_LORA_SCHEDULE,
  adam: { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1.0 },
  evalEvery: 25,
  checkpointEvery: 50,
};

export interface TrainJob {
  config: DecoderConfig;
  /** Frozen base weights, HF names, f32. */
  weights: Map<string, F32Tensor>;
  train: TrainExample[];
  eval: TrainExample[];
  /** Sequence-length buckets (data.ts bucketsFor); every example fits the last. */
  buckets: number[];
  padId?: number;
  options: TrainOptions;
  /** Compiles one graph (engines/onnx/train-session.ts createGraphRunner with the chosen EP). */
  createRunner(model: Uint8Array): Promise<GraphRunner>;
  /** Continue from this state instead of a fresh LoRA init. */
  resume?: TrainingState;
  saveCheckpoint?(state: TrainingState): Promise<void>;
  signal?: AbortSignal;
  /** Progress job id. */
  job?: string;
  onProgress?: ProgressFn;
  onMetric?(point: MetricPoint): void;
}

export interface TrainResult {
  state: TrainingState;
  stoppedBy: 'max-steps' | 'max-epochs';
  totalSteps: number;
}

/** Steps the run will take: maxSteps, or fewer when maxEpochs ends the data first. */
export function plannedSteps(o: TrainOptions, microBatchesPerEpoch: number): number {
  if (o.maxEpochs === null) return o.maxSteps;
  return Math.min(o.maxSteps, Math.ceil((o.maxEpochs * microBatchesPerEpoch) / o.accumulation));
}

export async function train(job: TrainJob): Promise<TrainResult> {
  const o = job.options;
  const { config, signal } = job;
  const lengths = job.train.map((e) => e.ids.length);
  const planFor = memo((epoch: number) => planEpoch(lengths, job.buckets, o.batch, o.seed, epoch));
  const perEpoch = planFor(0).length;
  if (perEpoch === 0) throw new RangeError('No training examples');
  const totalSteps = plannedSteps(o, perEpoch);
  const schedule: LrSchedule = { ...o.schedule, decayEnd: Math.max(0, totalSteps - 1) };
  const graphs = new GraphCache(job, o.lora);
  const state: TrainingState = job.resume ?? freshState(config, o);
  const resumedAt = job.resume ? state.step : -1;
  let lastSaved = resumedAt;
  const metric = (p: MetricPoint) => {
    state.history.push(p);
    job.onMetric?.(p);
  };
  const checkCancel = () => {
    if (signal?.aborted) throw new CancelledError('Training cancelled');
  };
  const save = async () => {
    if (!job.saveCheckpoint || lastSaved === state.step) return;
    await job.saveCheckpoint(state);
    lastSaved = state.step;
  };
  const evaluate = async () => {
    if (!job.eval.length || state.history.some((p) => p.kind === 'eval' && p.step === state.step))
      return;
    const loss = await evalLoss(job, graphs, state.lora);
    state.bestEvalLoss = Math.min(loss, state.bestEvalLoss ?? Infinity);
    metric({ kind: 'eval', step: state.step, loss });
  };
  const epochsDone = (c: TrainCursor) => o.maxEpochs !== null && c.epoch >= o.maxEpochs;

  try {
    while (true) {
      // 1) termination
      if (state.step >= totalSteps || epochsDone(state.cursor)) break;
      checkCancel();

      // 2) learning rate of this step
      const lr = getLr(state.step, schedule);

      // 3) eval + checkpoint on the step grid (eval first, so the checkpoint holds the point)
      if (o.evalEvery > 0 && state.step % o.evalEvery === 0) await evaluate();
      if (o.checkpointEvery > 0 && state.step > 0 && state.step % o.checkpointEvery === 0)
        await save();

      // 4) forward + backward over `accumulation` micro-batches, summing loss_sum, token
      //    counts and grad.* (∂loss_sum/∂p) — the graph contract in artifacts.ts
      const started = now();
      let lossSum = 0;
      let tokenCount = 0;
      let realTokens = 0;
      let grads: Record<string, Float32Array> | null = null;
      for (let micro = 0; micro < o.accumulation && !epochsDone(state.cursor); micro++) {
        checkCancel();
        const plan = planFor(state.cursor.epoch)[state.cursor.index];
        const out = await trainMicroBatch(job, graphs, state, plan, micro);
        lossSum += out[LOSS_SUM_OUTPUT].data[0];
        tokenCount += out[TOKEN_COUNT_OUTPUT].data[0];
        realTokens += plan.rows.reduce((n, r) => n + job.train[r].ids.length, 0);
        grads = accumulate(grads, out, state.lora);
        state.cursor = advance(state.cursor, planFor(state.cursor.epoch).length);
      }
      if (!grads) break;
      checkCancel();

      // 5) clip + AdamW step (optimizer graph), grad_scale = 1/Σtokens: token-mean gradient
      const gradNorm = await optimizerStep(graphs, state, grads, lr, tokenCount, o.adam);
      state.step += 1;

      // 6) log
      const seconds = (now() - started) / 1000;
      const loss = lossSum / Math.max(tokenCount, 1);
      metric({
        kind: 'train',
        step: state.step,
        loss,
        lr,
        gradNorm,
        tokens: realTokens,
        tokensPerSecond: realTokens / seconds,
      });
      job.onProgress?.({
        job: job.job ?? 'train',
        kind: 'train',
        phase: 'train',
        done: state.step,
        total: totalSteps,
        unit: 'steps',
        loss,
        detail: `loss ${loss.toFixed(3)}`,
      });
    }
    // 7) final eval + checkpoint
    await evaluate();
    await save();
  } finally {
    await graphs.release();
  }
  return { state, stoppedBy: epochsDone(state.cursor) ? 'max-epochs' : 'max-steps', totalSteps };
}

function freshState(config: DecoderConfig, o: TrainOptions): TrainingState {
  const lora = initLora(config, o.lora, o.seed);
  const zeros = () =>
    Object.fromEntries(
      loraParams(config, o.lora).map((p) => [
        p.name,
        { shape: [...p.shape], data: new Float32Array(p.shape[0] * p.shape[1]) },
      ]),
    );
  return {
    step: 0,
    cursor: { epoch: 0, index: 0 },
    lora,
    adamM: zeros(),
    adamV: zeros(),
    history: [],
    bestEvalLoss: null,
  };
}

function advance(c: TrainCursor, planLength: number): TrainCursor {
  return c.index + 1 < planLength
    ? { epoch: c.epoch, index: c.index + 1 }
    : { epoch: c.epoch + 1, index: 0 };
}

async function trainMicroBatch(
  job: TrainJob,
  graphs: GraphCache,
  state: TrainingState,
  plan: MicroBatchPlan,
  micro: number,
): Promise<Record<string, HostTensor>> {
  const o = job.options;
  const batch = packBatch(job.train, plan, o.batch, job.padId);
  const masks =
    o.lora.dropout > 0 ? dropoutMasks(job.config, o.lora, batch, o.seed, state.step, micro) : {};
  const runner = await graphs.runner('train', plan.seq);
  return runner.run({
    ...graphs.statics(plan.seq),
    ...batchFeeds(batch, state.lora, masks, job.weights),
  });
}

/** Sums grad.* over micro-batches (a fresh copy the first time: outputs are not ours to keep). */
function accumulate(
  into: Record<string, Float32Array> | null,
  out: Record<string, HostTensor>,
  lora: Record<string, F32Tensor>,
): Record<string, Float32Array> {
  const acc = into ?? {};
  for (const name of Object.keys(lora)) {
    const g = out[gradName(name)].data as Float32Array;
    const sum = acc[name];
    if (!sum) acc[name] = new Float32Array(g);
    else for (let i = 0; i < g.length; i++) sum[i] += g[i];
  }
  return acc;
}

async function optimizerStep(
  graphs: GraphCache,
  state: TrainingState,
  grads: Record<string, Float32Array>,
  lr: number,
  tokenCount: number,
  adam: AdamWOptions,
): Promise<number> {
  const t = state.step + 1; // 1-based step for bias correction
  const scalar = (v: number): HostTensor => ({ data: Float32Array.of(v), shape: [1] });
  const feeds: Record<string, HostTensor> = {
    lr: scalar(lr),
    beta1: scalar(adam.beta1),
    beta2: scalar(adam.beta2),
    eps: scalar(adam.eps),
    weight_decay: scalar(adam.weightDecay),
    max_grad_norm: scalar(adam.maxGradNorm),
    bc1: scalar(1 - adam.beta1 ** t),
    bc2: scalar(1 - adam.beta2 ** t),
    grad_scale: scalar(1 / Math.max(tokenCount, 1)),
  };
  for (const [name, p] of Object.entries(state.lora)) {
    feeds[name] = p;
    feeds[gradName(name)] = { data: grads[name], shape: p.shape };
    feeds[adamMName(name)] = state.adamM[name];
    feeds[adamVName(name)] = state.adamV[name];
  }
  const out = await (await graphs.optimizer()).run(feeds);
  const take = (name: string, shape: number[]): F32Tensor => ({
    shape,
    data: out[nextName(name)].data as Float32Array,
  });
  for (const [name, p] of Object.entries(state.lora)) {
    state.lora[name] = take(name, p.shape);
    state.adamM[name] = take(adamMName(name), p.shape);
    state.adamV[name] = take(adamVName(name), p.shape);
  }
  return out[GRAD_NORM_OUTPUT].data[0];
}

/** Token-mean loss over the whole held-out set (eval graph: no dropout, no gradients). */
async function evalLoss(
  job: TrainJob,
  graphs: GraphCache,
  lora: Record<string, F32Tensor>,
): Promise<number> {
  const plan = planEpoch(
    job.eval.map((e) => e.ids.length),
    job.buckets,
    job.options.batch,
    job.options.seed,
    0,
  );
  let lossSum = 0;
  let tokens = 0;
  for (const micro of plan) {
    if (job.signal?.aborted) throw new CancelledError('Training cancelled');
    const batch = packBatch(job.eval, micro, job.options.batch, job.padId);
    const runner = await graphs.runner('eval', micro.seq);
    const feeds = { ...graphs.statics(micro.seq), ...batchFeeds(batch, lora, job.weights) };
    const out = await runner.run(feeds, [LOSS_SUM_OUTPUT, TOKEN_COUNT_OUTPUT]);
    lossSum += out[LOSS_SUM_OUTPUT].data[0];
    tokens += out[TOKEN_COUNT_OUTPUT].data[0];
  }
  return lossSum / Math.max(tokens, 1);
}

function memo<T>(fn: (epoch: number) => T): (epoch: number) => T {
  const cache = new Map<number, T>();
  return (epoch) => {
    if (!cache.has(epoch)) cache.set(epoch, fn(epoch));
    return cache.get(epoch) as T;
  };
}

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());
