// The training worker's handlers end to end in Node: seeds in the store → tiny Llama (real
// Llama-2 tokenizer) → two steps with a checkpoint → list → resume refuses changed data →
// PEFT zip export that the PEFT importer reads back.
import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { ModelService } from '../../../src/lib/engines/model-service';
import { createTrainBackend } from '../../../src/lib/engines/onnx/train-backend';
import { isTransferring } from '../../../src/lib/protocol/rpc';
import type { CallContext } from '../../../src/lib/protocol/server';
import {
  ADAPTER_CONFIG_FILE,
  ADAPTER_WEIGHTS_FILE,
  importPeftAdapter,
} from '../../../src/lib/train/peft';
import type { StartTrainingRequest, TrainEvent } from '../../../src/lib/train/train-protocol';
import {
  checkpointAdapterHandlers,
  recordedBase,
  trainHandlers,
  trainingMetaOf,
} from '../../../src/lib/train/train-service';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { InputError } from '../../../src/lib/protocol/errors';
import { DEFAULT_TRAIN_OPTIONS } from '../../../src/lib/train/trainer';
import { tinyModel } from '../engines/ort-fixtures';
import { freshStore } from '../store/helpers';
import { makeCandidate, paperRating } from '../../helpers/candidate';

function context(events: TrainEvent[]): CallContext<TrainEvent> {
  const controller = new AbortController();
  return {
    signal: controller.signal,
    throwIfCancelled: () => undefined,
    progress: () => undefined,
    emit: (e) => void events.push(e),
  };
}

describe('trainHandlers', () => {
  it('start → checkpoints → list → export PEFT zip; resume refuses changed data', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.seeds.addMany(
      ws.id,
      ['red', 'green', 'blue', 'pink', 'gold'].map((c) => ({
        instruction: `Name ${c}.`,
        output: c,
        source: 't',
      })),
    );
    ort.env.wasm.numThreads = 1;
    const model = tinyModel('llama');
    const loads: string[] = [];
    const models = new ModelService({
      source: (ref) => ({
        modelId: ref.id,
        load: async () => (loads.push(ref.id), { ...model.files, modelId: ref.id }),
      }),
    });
    const handlers = trainHandlers({
      store: async () => store,
      createBackend: (device, weights) => createTrainBackend(ort, device, weights),
      models,
    });
    const req: StartTrainingRequest = {
      workspaceId: ws.id,
      name: 'M0',
      model: { source: 'hf', id: 'tiny/llama' },
      mode: 'seed',
      maxLength: 64,
      evalFraction: 0.2,
      device: 'wasm',
      options: {
        ...DEFAULT_TRAIN_OPTIONS,
        lora: { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj', 'v_proj'] },
        batch: 2,
        accumulation: 1,
        maxSteps: 2,
        evalEvery: 1,
        checkpointEvery: 1,
      },
    };
    const events: TrainEvent[] = [];
    const res = await handlers.start(req, context(events));
    expect('step' in res && res.step).toBe(2);
    const data = events.find((e) => e.kind === 'data');
    expect(data?.kind === 'data' && data.device).toBe('wasm');
    expect(data?.kind === 'data' && data.summary).toMatchObject({
      pairs: 5,
      trainExamples: 4,
      evalExamples: 1,
      buckets: [64],
    });
    expect(events.filter((e) => e.kind === 'metric').length).toBe(2 + 3); // 2 train + eval at 0, 1, 2
    const listed = await handlers.listCheckpoints({ workspaceId: ws.id }, context([]));
    expect('map' in listed && listed.map((c) => c.step)).toEqual([1, 2]);
    const last = (listed as { id: string }[])[1];

    const exported = await handlers.exportAdapter({ checkpointId: last.id }, context([]));
    // The zip crosses to the main thread as a transferable (moved, not copied).
    expect(isTransferring(exported)).toBe(true);
    const { zip } = isTransferring(exported) ? exported.value : exported;
    expect(isTransferring(exported) && exported.transfer[0]).toBe(zip.buffer);
    const files = unzipSync(zip);
    expect(Object.keys(files).sort()).toEqual([ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE].sort());
    const adapterConfig = JSON.parse(new TextDecoder().decode(files[ADAPTER_CONFIG_FILE]));
    expect(adapterConfig).toMatchObject({
      r: 2,
      lora_alpha: 4,
      base_model_name_or_path: 'tiny/llama',
    });
    const imported = importPeftAdapter(
      model.ckpt.config,
      adapterConfig,
      files[ADAPTER_WEIGHTS_FILE],
    );
    expect(imported).toBeTruthy();

    // The engine in the same worker curates with the base the trainer loaded: no second load.
    const engine = new OrtEngine({ ort: async () => ort, models });
    await engine.load({ id: 'tiny/llama', source: 'hf', device: 'wasm' });
    expect(loads).toEqual(['tiny/llama']);
    // ... and with the trained adapter: M0's LoRA changes the scores, the base stays as it was.
    const adapter = await checkpointAdapterHandlers({ store: async () => store }).checkpointAdapter(
      { checkpointId: last.id, adapterId: 'M0' },
      context([]),
    );
    if (!('tensors' in adapter)) throw new Error('no adapter spec');
    expect(adapter).toMatchObject({ id: 'M0', rank: 2, alpha: 4 });
    await engine.addAdapter(adapter);
    const scoreReq = { prompts: ['Name red.'], continuations: [' red', ' blue'] };
    const base = await engine.score(scoreReq);
    const tuned = await engine.score({ ...scoreReq, adapterId: 'M0' });
    expect(tuned.logprobs[0]).not.toEqual(base.logprobs[0]);
    expect((await engine.score(scoreReq)).logprobs).toEqual(base.logprobs);
    await engine.unload();

    await store.seeds.addMany(ws.id, [{ instruction: 'New?', output: 'yes', source: 't' }]);
    // Resume trains on the recorded base whatever the form names now (then refuses the data).
    await expect(
      handlers.resume(
        {
          checkpointId: last.id,
          model: { source: 'hf', id: 'other/model' },
          device: 'wasm',
          maxSteps: 3,
        },
        context([]),
      ),
    ).rejects.toThrow(/training data changed/);
    expect(loads).toEqual(['tiny/llama']);
    store.close();
  }, 120_000);
});

describe('checkpoint meta', () => {
  const meta = {
    format: 'humpback-train-state/1',
    step: 2,
    cursor: { epoch: 0, index: 2 },
    history: [],
    bestEvalLoss: null,
    trainingId: 't1',
    request: { options: { lora: { rank: 2 } } },
    baseModel: { source: 'hf', id: 'org/base', revision: 'v1' },
    modelConfig: { model_type: 'llama' },
    dataFingerprint: '0badf00d',
  };

  it('M_t from a run: seed + A_k^(t) of iteration t, adapter attached to the run, lineage', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.seeds.addMany(ws.id, [
      { instruction: 'Name red.', output: 'red', source: 't' },
      { instruction: 'Name blue.', output: 'blue', source: 't' },
    ]);
    const run = await store.runs.create(ws.id, { name: 'r', config: {} });
    // Iteration 1 keeps c0 and c1 (score 5); iteration 2 (M1's re-rating) keeps c1 and c2.
    const scores = [
      [5, 3],
      [5, 5],
      [2, 5],
      [4, 4],
    ];
    await store.candidates.putBatch(
      scores.map(([a, b], i) =>
        makeCandidate({
          id: `c${i}`,
          workspaceId: ws.id,
          runId: run.id,
          segmentId: `s${i}`,
          instruction: `Question ${i}?`,
          output: `Answer ${i}.`,
          ratings: [paperRating(1, a), paperRating(2, b, 'M1')],
        }),
      ),
    );
    ort.env.wasm.numThreads = 1;
    const model = tinyModel('llama');
    const handlers = trainHandlers({
      store: async () => store,
      createBackend: (device, weights) => createTrainBackend(ort, device, weights),
      models: new ModelService({
        source: (ref) => ({
          modelId: ref.id,
          load: async () => ({ ...model.files, modelId: ref.id }),
        }),
      }),
    });
    const events: TrainEvent[] = [];
    await handlers.start(
      {
        workspaceId: ws.id,
        name: 'M2',
        model: { source: 'hf', id: 'tiny/llama' },
        mode: 'seed+curated',
        runId: run.id,
        k: 5,
        curation: { iteration: 2, mode: 'paper' },
        maxLength: 64,
        evalFraction: 0,
        device: 'wasm',
        options: {
          ...DEFAULT_TRAIN_OPTIONS,
          lora: { rank: 2, alpha: 4, dropout: 0, targetModules: ['q_proj'] },
          batch: 2,
          accumulation: 1,
          maxSteps: 1,
          evalEvery: 0,
          checkpointEvery: 1,
        },
      },
      context(events),
    );
    const data = events.find((e) => e.kind === 'data');
    // 2 seeds + A_5^(2) = {c1, c2}.
    expect(data?.kind === 'data' && data.summary.pairs).toBe(4);
    const attached = await store.checkpoints.list({ runId: run.id });
    expect(attached).toHaveLength(1);
    const lineage = (await store.runs.get(run.id))?.config.lineage ?? [];
    expect(lineage).toEqual([
      expect.objectContaining({
        kind: 'train',
        iteration: 2,
        adapterCheckpointId: attached[0].id,
        model: { id: 'tiny/llama' },
        // The base's source, so the run's M2 can rate on it (state/rater-choice.ts),
        // and the pairs it trained on, which the run's chain shows beside M2.
        settings: expect.objectContaining({
          baseModel: { source: 'hf', id: 'tiny/llama' },
          pairs: { seed: 2, augmented: 2 },
        }),
      }),
    ]);
  });

  it('narrows a current training checkpoint and names what an old or foreign one lacks', () => {
    expect(trainingMetaOf(meta, 'c1').baseModel.id).toBe('org/base');
    expect(() => trainingMetaOf({ ...meta, format: 'humpback-train-state/0' }, 'c1')).toThrow(
      'Checkpoint c1 has format "humpback-train-state/0", not humpback-train-state/1',
    );
    expect(() => trainingMetaOf({ rank: 8 }, 'c2')).toThrow(InputError);
    const { baseModel: _b, ...noBase } = meta;
    expect(() => trainingMetaOf(noBase, 'c3')).toThrow('Checkpoint c3 does not record "baseModel"');
    expect(() => trainingMetaOf({ ...meta, request: {} }, 'c4')).toThrow(/training options/);
  });

  it('resumes on the recorded base: Hub id and revision, or the same local folder', () => {
    const hf = recordedBase(meta.baseModel as never, {
      source: 'hf',
      id: 'what/the-form-says',
      accessToken: 'hf_x',
    });
    expect(hf).toEqual({ source: 'hf', id: 'org/base', revision: 'v1', accessToken: 'hf_x' });
    const files = [new File(['{}'], 'config.json')];
    const local = { source: 'local' as const, id: 'my-model', files };
    expect(recordedBase({ source: 'local', id: 'my-model' }, local)).toBe(local);
    expect(() => recordedBase({ source: 'local', id: 'my-model' }, { ...local, id: 'x' })).toThrow(
      'trained on the local folder "my-model": pick that folder or its kept copy to resume',
    );
    expect(() =>
      recordedBase({ source: 'local', id: 'my-model' }, { source: 'hf', id: 'my-model' }),
    ).toThrow(InputError);
  });
});
