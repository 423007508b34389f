// The trainer on a tiny random Llama (2 layers, hidden 64, wasm EP): it learns a synthetic
// instruction task, greedy decoding with the trained LoRA gives the trained answer, and a run
// cancelled at a checkpoint and resumed ends with the same adapter as an uninterrupted run.
import { beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/lib/protocol/errors';
import {
  decodeTrainingState,
  encodeTrainingState,
  loadCheckpoint,
  storeCheckpoints,
  type MetricPoint,
} from '../../../src/lib/train/checkpoint';
import { bucketsFor, splitTrainEval } from '../../../src/lib/train/data';
import {
  DEFAULT_TRAIN_OPTIONS,
  plannedSteps,
  train,
  type TrainJob,
  type TrainOptions,
} from '../../../src/lib/train/trainer';
import { freshStore } from '../store/helpers';
import {
  compactTask,
  greedyAnswers,
  nodeRunnerFactory,
  taskPairs,
  tinyModel,
  WORDS,
  type CompactTask,
} from './train-fixtures';

const ckpt = tinyModel();
let task: CompactTask;

beforeAll(() => {
  task = compactTask(64);
});

function job(options: Partial<TrainOptions>, extra: Partial<TrainJob> = {}): TrainJob {
  return {
    config: ckpt.config,
    weights: ckpt.tensors,
    train: task.examples,
    eval: [],
    buckets: bucketsFor(64, []),
    options: { ...DEFAULT_TRAIN_OPTIONS, ...options },
    createRunner: nodeRunnerFactory(),
    ...extra,
  };
}

describe('train', () => {
  it('learns 20 instruction → word pairs (loss ~7 → < 0.4); greedy decoding returns the trained answer', async () => {
    // alpha/r = 4: with the base frozen, a larger LoRA scale learns this 20-way mapping in
    // ~30 full-batch steps (alpha/r = 2 plateaus near ln(20)/3 nats for 60+ steps).
    const lora = {
      rank: 8,
      alpha: 32,
      dropout: 0,
      targetModules: DEFAULT_TRAIN_OPTIONS.lora.targetModules,
    };
    const split = splitTrainEval(task.examples, 0.1, 3);
    const points: MetricPoint[] = [];
    const progress: number[] = [];
    const result = await train(
      job(
        {
          seed: 5,
          lora,
          batch: 10,
          accumulation: 2,
          maxSteps: 32,
          schedule: { peakLr: 1e-2, minLr: 1e-3, warmupSteps: 3, shape: 'cosine' },
          adam: { ...DEFAULT_TRAIN_OPTIONS.adam, weightDecay: 0 },
          evalEvery: 16,
          checkpointEvery: 0,
        },
        {
          train: task.examples,
          eval: split.eval,
          onMetric: (p) => points.push(p),
          onProgress: (p) => progress.push(p.done),
        },
      ),
    );
    const trainLoss = points.filter((p) => p.kind === 'train');
    const evalLoss = points.filter((p) => p.kind === 'eval');
    const first = trainLoss[0].loss;
    const last = trainLoss.slice(-3).reduce((a, p) => a + p.loss, 0) / 3;
    console.info(
      `train loss ${first.toFixed(2)} → ${last.toFixed(3)}; eval ${evalLoss.map((p) => p.loss.toFixed(2)).join(' → ')}`,
    );
    expect(first).toBeGreaterThan(4);
    expect(last).toBeLessThan(0.4);
    expect(result.state.step).toBe(32);
    expect(progress.at(-1)).toBe(32);
    expect(evalLoss.map((p) => p.step)).toEqual([0, 16, 32]);
    expect(trainLoss.every((p) => p.tokensPerSecond! > 0 && p.gradNorm! > 0)).toBe(true);
    // the eval set holds training pairs here (memorisation task), so it falls too
    expect(evalLoss.at(-1)!.loss).toBeLessThan(evalLoss[0].loss / 4);

    const pairs = taskPairs();
    const picked = [0, 7, 13];
    const answers = await greedyAnswers(
      ckpt,
      task,
      picked.map((i) => pairs[i]),
      lora,
      result.state.lora,
    );
    expect(answers).toEqual(picked.map((i) => WORDS[i]));
  }, 120_000);

  it('cancelled at a checkpoint and resumed: the adapter is bit-identical to an uninterrupted run', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const options: Partial<TrainOptions> = {
      seed: 9,
      lora: { rank: 4, alpha: 8, dropout: 0.1, targetModules: ['q_proj', 'v_proj', 'down_proj'] },
      batch: 3,
      accumulation: 2,
      maxSteps: 6,
      schedule: { peakLr: 5e-3, minLr: 5e-4, warmupSteps: 2, shape: 'cosine' },
      evalEvery: 2,
      checkpointEvery: 3,
    };
    const data = { train: task.examples.slice(0, 14), eval: task.examples.slice(14) };
    const full = await train(job(options, data));

    const controller = new AbortController();
    const save = storeCheckpoints(store.checkpoints, {
      workspaceId: ws.id,
      name: 'resume-test',
      meta: { mode: 'seed' },
    });
    const stopped = train(
      job(options, {
        ...data,
        signal: controller.signal,
        saveCheckpoint: save,
        onMetric: (p) => {
          if (p.kind === 'train' && p.step === 4) controller.abort();
        },
      }),
    );
    await expect(stopped).rejects.toBeInstanceOf(CancelledError);
    const saved = await store.checkpoints.list({ workspaceId: ws.id });
    expect(saved.map((c) => c.step)).toEqual([3]);
    const { state, meta } = await loadCheckpoint(store.checkpoints, saved[0].id);
    expect(meta.mode).toBe('seed');
    expect(state.step).toBe(3);

    const resumed = await train(job(options, { ...data, resume: state, saveCheckpoint: save }));
    expect(resumed.state.step).toBe(6);
    // Bit-identical, not merely close: same f32 inputs in the same order on the same EP
    // (wasm, 1 thread) give the same bits, and resume restores every input (LoRA, moments,
    // step for lr/bias correction/dropout seeds, data cursor).
    for (const [name, t] of Object.entries(full.state.lora)) {
      expect(Array.from(resumed.state.lora[name].data), name).toEqual(Array.from(t.data));
      expect(Array.from(resumed.state.adamV[name].data)).toEqual(
        Array.from(full.state.adamV[name].data),
      );
    }
    expect(resumed.state.cursor).toEqual(full.state.cursor);
    expect(resumed.state.history).toEqual(
      full.state.history.map((p) => ({
        ...p,
        ...(p.kind === 'train' ? { tokensPerSecond: expect.any(Number) } : {}),
      })),
    );
    expect((await store.checkpoints.list({ workspaceId: ws.id })).map((c) => c.step)).toEqual([
      3, 6,
    ]);
    store.close();
  }, 120_000);

  it('checkpoint contents round-trip (tensors, moments, cursor, history)', async () => {
    const result = await train(
      job({ seed: 2, maxSteps: 2, batch: 2, accumulation: 1, evalEvery: 0, checkpointEvery: 0 }),
    );
    const s = result.state;
    const { bytes, meta } = encodeTrainingState(s, { baseModel: 'tiny' });
    const back = decodeTrainingState(bytes, JSON.parse(JSON.stringify(meta)));
    expect(back.step).toBe(2);
    expect(back.cursor).toEqual(s.cursor);
    expect(back.history).toEqual(s.history);
    expect(Object.keys(back.lora).sort()).toEqual(Object.keys(s.lora).sort());
    for (const name of Object.keys(s.lora)) {
      expect(back.lora[name].shape).toEqual(s.lora[name].shape);
      expect(back.lora[name].data).toEqual(s.lora[name].data);
      expect(back.adamM[name].data).toEqual(s.adamM[name].data);
    }
    expect(() => decodeTrainingState(bytes, { ...meta, format: 'other' })).toThrow(
      /Not a training checkpoint/,
    );
  }, 60_000);

  it('plannedSteps: maxSteps, or fewer when maxEpochs runs out of micro-batches first', () => {
    const o = { ...DEFAULT_TRAIN_OPTIONS, maxSteps: 100, accumulation: 2 };
    expect(plannedSteps({ ...o, maxEpochs: null }, 5)).toBe(100);
    expect(plannedSteps({ ...o, maxEpochs: 3 }, 5)).toBe(8); // 15 micro-batches / 2 per step
    expect(plannedSteps({ ...o, maxEpochs: 1000 }, 5)).toBe(100);
  });
});
