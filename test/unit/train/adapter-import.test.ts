// Importing a PEFT adapter made elsewhere (issue 9 §3): a tiny adapter trained for real with
// rsLoRA, downloaded as the PEFT zip, imported into another workspace through the training
// worker's importAdapter handler, comes back from the model worker's checkpointAdapter as the
// same AdapterSpec (tensors, rank, alpha, rsLoRA, target modules), is listed as "imported:
// <folder>", downloads again and refuses to resume. Bad files are refused with the file and
// field named, and nothing is stored.
import { unzipSync } from 'fflate';
import * as ort from 'onnxruntime-web/webgpu';
import { describe, expect, it } from 'vitest';
import { ModelService } from '../../../src/lib/engines/model-service';
import { parseSafetensors, writeSafetensors } from '../../../src/lib/engines/onnx/safetensors';
import { createTrainBackend } from '../../../src/lib/engines/onnx/train-backend';
import { InputError } from '../../../src/lib/protocol/errors';
import { isTransferring } from '../../../src/lib/protocol/rpc';
import type { CallContext } from '../../../src/lib/protocol/server';
import { adapterRows } from '../../../src/lib/state/adapters';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE } from '../../../src/lib/train/peft';
import type { TrainEvent } from '../../../src/lib/train/train-protocol';
import { checkpointAdapterHandlers, trainHandlers } from '../../../src/lib/train/train-service';
import { DEFAULT_TRAIN_OPTIONS } from '../../../src/lib/train/trainer';
import { tinyModel } from '../engines/ort-fixtures';
import { freshStore } from '../store/helpers';

const ctx: CallContext<TrainEvent> = {
  signal: new AbortController().signal,
  throwIfCancelled: () => undefined,
  progress: () => undefined,
  emit: () => undefined,
};
const unwrap = <T>(v: T | { value: T }): T =>
  isTransferring(v) ? (v as unknown as { value: T }).value : (v as T);

async function setup() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('trained');
  await store.seeds.addMany(
    ws.id,
    ['red', 'green', 'blue', 'pink'].map((c) => ({
      instruction: `Name ${c}.`,
      output: c,
      source: 't',
    })),
  );
  ort.env.wasm.numThreads = 1;
  const model = tinyModel('llama');
  const models = new ModelService({
    source: (ref) => ({ modelId: ref.id, load: async () => ({ ...model.files, modelId: ref.id }) }),
  });
  const handlers = trainHandlers({
    store: async () => store,
    createBackend: (device, weights) => createTrainBackend(ort, device, weights),
    models,
  });
  return { store, ws, model, handlers };
}

describe('importAdapter', () => {
  it('a trained adapter, exported and imported, is the same AdapterSpec', async () => {
    const { store, ws, handlers } = await setup();
    const lora = {
      rank: 2,
      alpha: 8,
      dropout: 0,
      useRslora: true,
      targetModules: ['q_proj', 'v_proj', 'down_proj'] as const,
    };
    await handlers.start(
      {
        workspaceId: ws.id,
        name: 'M0',
        model: { source: 'hf', id: 'tiny/llama' },
        mode: 'seed',
        maxLength: 64,
        evalFraction: 0,
        device: 'wasm',
        options: {
          ...DEFAULT_TRAIN_OPTIONS,
          lora: { ...lora, targetModules: [...lora.targetModules] },
          batch: 2,
          accumulation: 1,
          maxSteps: 2,
          checkpointEvery: 2,
        },
      },
      ctx,
    );
    const [trained] = unwrap(await handlers.listCheckpoints({ workspaceId: ws.id }, ctx));
    const { zip } = unwrap(await handlers.exportAdapter({ checkpointId: trained.id }, ctx));
    const files = unzipSync(zip);

    const other = await store.workspaces.create('elsewhere');
    const info = unwrap(
      await handlers.importAdapter(
        {
          workspaceId: other.id,
          folderName: 'my-lora',
          files: { ...files, 'README.md': new Uint8Array() },
        },
        ctx,
      ),
    );
    const listed = unwrap(await handlers.listCheckpoints({ workspaceId: other.id }, ctx));
    expect(listed.map((c) => c.id)).toEqual([info.id]);
    expect(adapterRows(listed)[0]).toMatchObject({
      name: 'my-lora (imported)',
      baseModel: 'tiny/llama',
      baseSource: 'hf',
      data: 'imported: my-lora',
      step: 0,
    });

    const asAdapter = checkpointAdapterHandlers({ store: async () => store });
    const original = unwrap(
      await asAdapter.checkpointAdapter({ checkpointId: trained.id, adapterId: 'x' }, ctx),
    );
    const back = unwrap(
      await asAdapter.checkpointAdapter({ checkpointId: info.id, adapterId: 'x' }, ctx),
    );
    expect(back).toMatchObject({ rank: 2, alpha: 8, useRslora: true });
    expect(back.targetModules).toEqual([...lora.targetModules]);
    expect(Object.keys(back.tensors).sort()).toEqual(Object.keys(original.tensors).sort());
    for (const [name, t] of Object.entries(original.tensors)) {
      expect(back.tensors[name].shape).toEqual(t.shape);
      expect(back.tensors[name].data).toEqual(t.data);
    }
    // Trained for real: B is no longer its zero initialisation.
    expect(Object.values(original.tensors).some((t) => t.data.some((v) => v !== 0))).toBe(true);
    expect(back).toEqual({ ...original });

    // Downloadable again as the same PEFT files.
    const again = unzipSync(
      unwrap(await handlers.exportAdapter({ checkpointId: info.id }, ctx)).zip,
    );
    expect(again[ADAPTER_WEIGHTS_FILE]).toEqual(files[ADAPTER_WEIGHTS_FILE]);
    await expect(
      handlers.resume(
        { checkpointId: info.id, model: { source: 'hf', id: 'tiny/llama' }, device: 'wasm' },
        ctx,
      ),
    ).rejects.toThrow(/imported from "my-lora".*no run to resume/);
  }, 120_000);

  it('refuses a missing file, DoRA and tensors for layers the base lacks; stores nothing', async () => {
    const { store, ws, model, handlers } = await setup();
    const r = 2;
    const hidden = model.ckpt.config.hiddenSize;
    const layers = model.ckpt.config.numLayers;
    const config = {
      peft_type: 'LORA',
      r,
      lora_alpha: 4,
      target_modules: ['q_proj'],
      base_model_name_or_path: 'tiny/llama',
      bias: 'none',
    };
    const qOut = model.ckpt.config.numHeads * model.ckpt.config.headDim;
    const tensors = (n: number) => {
      const out: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
      for (let i = 0; i < n; i++) {
        const p = `base_model.model.model.layers.${i}.self_attn.q_proj`;
        out[`${p}.lora_A.weight`] = {
          dtype: 'F32',
          shape: [r, hidden],
          data: new Float32Array(r * hidden).fill(0.01),
        };
        out[`${p}.lora_B.weight`] = {
          dtype: 'F32',
          shape: [qOut, r],
          data: new Float32Array(qOut * r).fill(0.02),
        };
      }
      return writeSafetensors(out, { format: 'pt' });
    };
    const json = (v: object) => new TextEncoder().encode(JSON.stringify(v));
    const attempt = (files: Record<string, Uint8Array>) =>
      handlers.importAdapter({ workspaceId: ws.id, folderName: 'bad', files }, ctx);
    const refusal = async (files: Record<string, Uint8Array>) => {
      const err = await attempt(files).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      return err as InputError;
    };

    // A well-formed one imports (the fixtures are right), so the refusals below are real ones.
    expect(parseSafetensors(tensors(layers), 'x').tensors.size).toBe(2 * layers);
    let err = await refusal({ [ADAPTER_CONFIG_FILE]: json(config) });
    expect(err.message).toMatch(/missing from "bad"/);
    expect(err.data).toMatchObject({ file: ADAPTER_WEIGHTS_FILE });

    err = await refusal({
      [ADAPTER_CONFIG_FILE]: json({ ...config, use_dora: true }),
      [ADAPTER_WEIGHTS_FILE]: tensors(layers),
    });
    expect(err.message).toMatch(/DoRA adapters are not supported/);
    expect(err.data).toMatchObject({ file: ADAPTER_CONFIG_FILE, field: 'use_dora' });

    err = await refusal({
      [ADAPTER_CONFIG_FILE]: json(config),
      [ADAPTER_WEIGHTS_FILE]: tensors(layers + 1),
    });
    expect(err.message).toMatch(
      new RegExp(`layers\\.${layers}\\..*the base model has ${layers} layers`),
    );
    expect(err.data).toMatchObject({ file: ADAPTER_WEIGHTS_FILE });

    const { base_model_name_or_path: _, ...anonymous } = config;
    err = await refusal({
      [ADAPTER_CONFIG_FILE]: json(anonymous),
      [ADAPTER_WEIGHTS_FILE]: tensors(layers),
    });
    expect(err.data).toMatchObject({ field: 'base_model_name_or_path' });

    expect(await store.checkpoints.list({ workspaceId: ws.id })).toEqual([]);
    const ok = unwrap(
      await attempt({
        [ADAPTER_CONFIG_FILE]: json(config),
        [ADAPTER_WEIGHTS_FILE]: tensors(layers),
      }),
    );
    expect((await store.checkpoints.list({ workspaceId: ws.id })).map((c) => c.id)).toEqual([
      ok.id,
    ]);
  }, 60_000);
});
