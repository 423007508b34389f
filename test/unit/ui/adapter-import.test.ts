// @vitest-environment happy-dom
// The Models screen's import (issue 9 §3): picking a PEFT adapter's folder on the Models view
// sends both files through the Train state and the training worker's real importAdapter
// handler (real store, tiny base), and the adapter list then shows it with its base model and
// "imported: <folder>"; a DoRA adapter is refused with the file and field named, and nothing
// is listed.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelService } from '../../../src/lib/engines/model-service';
import { writeSafetensors } from '../../../src/lib/engines/onnx/safetensors';
import { MemoryBlobCache } from '../../../src/lib/engines/hf/blob-cache';
import { keepLocalModel, keptLocalModels } from '../../../src/lib/engines/hf/local-cache';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { ModelsState } from '../../../src/lib/state/models.svelte';
import { PlaygroundState } from '../../../src/lib/state/playground.svelte';
import type { Studio } from '../../../src/lib/state/studio.svelte';
import { TrainState } from '../../../src/lib/state/train.svelte';
import type { TrainRpc } from '../../../src/lib/train/train-protocol';
import { trainHandlers } from '../../../src/lib/train/train-service';
import ModelsView from '../../../src/ui/views/ModelsView.svelte';
import { tinyModel, tinyModelFileList } from '../engines/ort-fixtures';
import { channelWorkers } from '../protocol/harness';
import { freshStore } from '../store/helpers';

afterEach(() => cleanup());

function peftFiles(folder: string, extra: Record<string, unknown> = {}): File[] {
  const { config } = tinyModel('llama').ckpt;
  const r = 2;
  const qOut = config.numHeads * config.headDim;
  const tensors: Parameters<typeof writeSafetensors>[0] = {};
  for (let i = 0; i < config.numLayers; i++) {
    const p = `base_model.model.model.layers.${i}.self_attn.q_proj`;
    tensors[`${p}.lora_A.weight`] = {
      dtype: 'F32',
      shape: [r, config.hiddenSize],
      data: new Float32Array(r * config.hiddenSize).fill(0.01),
    };
    tensors[`${p}.lora_B.weight`] = {
      dtype: 'F32',
      shape: [qOut, r],
      data: new Float32Array(qOut * r).fill(0.02),
    };
  }
  const cfg = {
    peft_type: 'LORA',
    r,
    lora_alpha: 4,
    target_modules: ['q_proj'],
    base_model_name_or_path: 'tiny/llama',
    ...extra,
  };
  const files = [
    new File([JSON.stringify(cfg)], 'adapter_config.json'),
    new File(
      [writeSafetensors(tensors, { format: 'pt' }) as Uint8Array<ArrayBuffer>],
      'adapter_model.safetensors',
    ),
  ];
  for (const f of files)
    Object.defineProperty(f, 'webkitRelativePath', { value: `${folder}/${f.name}` });
  return files;
}

/**
 * The Models view over the real import handler. Default: every base id loads the tiny model;
 * with `cache`, only what the model cache holds loads (no Hub), and the Train state lists its
 * kept local copies.
 */
async function renderModels(cache?: MemoryBlobCache) {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  const model = tinyModel('llama');
  const handlers = trainHandlers({
    store: async () => store,
    createBackend: async () => {
      throw new Error('no training here');
    },
    models: new ModelService({
      source: (ref) =>
        cache
          ? undefined
          : { modelId: ref.id, load: async () => ({ ...model.files, modelId: ref.id }) },
      ...(cache ? { cache } : {}),
    }),
  });
  const workers = channelWorkers<TrainRpc>(handlers);
  const jobs = new JobsState();
  const kept = cache ? () => keptLocalModels(cache) : undefined;
  const train = new TrainState(jobs, workers.spawn, () => ws.id, undefined, kept);
  const studio = {
    models: new ModelsState({
      jobs,
      cache: new MemoryBlobCache(),
      webLlmRecords: async () => [],
      cacheStorage: null,
      settings: { get: async () => undefined, set: async () => {} },
    }),
    playground: new PlaygroundState({
      jobs,
      createEngine: () => 'unused',
      checkpointAdapter: async () => {
        throw new Error('unused');
      },
      accessToken: () => '',
    }),
    train,
    workspaces: { currentId: ws.id, current: { roles: {} } },
    refreshStorage: async () => {},
  } as unknown as Studio;
  render(ModelsView, { studio, capabilities: { report: null } as never });
  return { close: () => workers.closeAll() };
}

async function pick(files: File[]): Promise<void> {
  const input = screen.getByTestId('adapter-import-folder') as HTMLInputElement;
  Object.defineProperty(input, 'files', { value: files, configurable: true });
  await fireEvent.change(input);
}

describe('Models screen: import a PEFT adapter', () => {
  it('lists the picked folder as an imported adapter on its base', async () => {
    const { close } = await renderModels();
    try {
      expect(screen.queryAllByTestId('adapter-row')).toHaveLength(0);
      await pick(peftFiles('my-lora'));
      await waitFor(() => expect(screen.getAllByTestId('adapter-row')).toHaveLength(1), {
        timeout: 10_000,
      });
      const row = screen.getByTestId('adapter-row').textContent!;
      expect(row).toMatch(/my-lora \(imported\)/);
      expect(row).toMatch(/tiny\/llama/);
      expect(row).toMatch(/imported: my-lora/);
    } finally {
      close();
    }
  });

  it('says why a DoRA adapter is refused and lists nothing', async () => {
    const { close } = await renderModels();
    try {
      await pick(peftFiles('dora', { use_dora: true }));
      await waitFor(
        () =>
          expect(screen.getByRole('alert').textContent).toMatch(/DoRA adapters are not supported/),
        { timeout: 10_000 },
      );
      expect(screen.getByRole('alert').textContent).toMatch(/adapter_config\.json/);
      expect(screen.queryAllByTestId('adapter-row')).toHaveLength(0);
    } finally {
      close();
    }
  });

  it('checks an adapter against the kept copy of the local folder its config names', async () => {
    const cache = new MemoryBlobCache();
    const folder = tinyModelFileList('llama').map((f) => ({ file: f.name, blob: f }));
    await keepLocalModel(cache, 'my-base', folder);
    const { close } = await renderModels(cache);
    try {
      // A path on the machine that trained it: its last part names the kept folder.
      await pick(peftFiles('from-elsewhere', { base_model_name_or_path: '/home/me/my-base/' }));
      await waitFor(() => expect(screen.getAllByTestId('adapter-row')).toHaveLength(1), {
        timeout: 10_000,
      });
      const row = screen.getByTestId('adapter-row').textContent!;
      expect(row).toMatch(/from-elsewhere \(imported\)/);
      expect(row).toMatch(/my-base/);
      expect(row).not.toMatch(/home/);
    } finally {
      close();
    }
  });
});
