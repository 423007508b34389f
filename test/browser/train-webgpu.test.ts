// The LoRA training artifacts on the native WebGPU EP (SwiftShader in headless Chromium):
// every node placed on WebGPU, and loss + LoRA gradients + an AdamW step equal the wasm EP.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { LORA_MODULES } from '../../src/lib/engines/onnx/llama-graph';
import { createGraphRunner, type HostTensor } from '../../src/lib/engines/onnx/train-session';
import {
  batchFeeds,
  buildTrainingArtifacts,
  staticFeeds,
  type TrainBatch,
} from '../../src/lib/train/artifacts';
import { gradName, loraParams, type LoraConfig } from '../../src/lib/train/lora-config';
import { dropoutMasks } from '../../src/lib/train/lora-init';
import { adamMName, adamVName, OPTIMIZER_SCALARS } from '../../src/lib/train/optimizer-graph';
import { maxRelError } from '../helpers/rel-error';
import { makeTinyCheckpoint, makeTinyLora, type TinyArch } from '../helpers/tiny-checkpoint';

async function capturingConsole<T>(fn: () => Promise<T>): Promise<{ result: T; lines: string[] }> {
  const lines: string[] = [];
  const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
  const saved = methods.map((m) => console[m]);
  for (const m of methods) console[m] = (...args: unknown[]) => void lines.push(args.join(' '));
  try {
    return { result: await fn(), lines };
  } finally {
    methods.forEach((m, i) => (console[m] = saved[i]));
  }
}

/** "OpType (node name)" lines listed under "Node(s) placed on [CPUExecutionProvider]". */
function cpuPlacedNodes(lines: string[]): string[] {
  const out: string[] = [];
  let inCpu = false;
  for (const line of lines) {
    if (line.includes('Node(s) placed on')) inCpu = line.includes('[CPUExecutionProvider]');
    else if (inCpu && line.includes('VerifyEachNodeIsAssignedToAnEp')) {
      out.push(line.split('VerifyEachNodeIsAssignedToAnEp]')[1].trim());
    }
  }
  return out;
}

const lora: LoraConfig = { rank: 4, alpha: 8, dropout: 0.1, targetModules: LORA_MODULES };
const batch: TrainBatch = {
  batch: 2,
  seq: 8,
  inputIds: Int32Array.from([5, 17, 300, 42, 7, 99, 3, 11, 8, 250, 31, 77, 12, 40, 0, 0]),
  attentionMask: Int32Array.of(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0),
  lossMask: Float32Array.of(0, 0, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0),
};

function setup(arch: TinyArch) {
  const ckpt = makeTinyCheckpoint({ arch });
  const artifacts = buildTrainingArtifacts(ckpt.config, lora, {
    batch: 2,
    seq: 8,
    vocabChunk: 200,
  });
  const feeds = batchFeeds(
    batch,
    staticFeeds(ckpt.config, lora, 8),
    makeTinyLora(ckpt.config, LORA_MODULES, lora.rank, 5),
    dropoutMasks(ckpt.config, lora, batch, 3, 1),
    ckpt.tensors,
  );
  return { ckpt, artifacts, feeds };
}

describe('LoRA training artifacts on WebGPU (native EP) equal wasm', () => {
  // Must stay the first session of the page: ORT prints the verbose placement log only then.
  it('places every node of train.onnx on WebGPU', async () => {
    expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
    const { artifacts } = setup('qwen2');
    const { result: runner, lines } = await capturingConsole(() =>
      createGraphRunner(ort, artifacts.train, {
        executionProviders: ['webgpu'],
        logSeverityLevel: 0,
        logVerbosityLevel: 0,
      }),
    );
    const cpuNodes = cpuPlacedNodes(lines);
    console.log(`[train webgpu] CPU-placed nodes: ${cpuNodes.join(', ') || 'none'}`);
    expect(lines.some((l) => l.includes('placed on [WebGpuExecutionProvider]'))).toBe(true);
    expect(cpuNodes).toEqual([]);
    await runner.release();
  });

  it.each(['llama', 'qwen2'] as const)(
    '%s: loss, every LoRA gradient and an AdamW step',
    async (arch) => {
      const { ckpt, artifacts, feeds } = setup(arch);
      const gpu = await createGraphRunner(ort, artifacts.train, { executionProviders: ['webgpu'] });
      const cpu = await createGraphRunner(ort, artifacts.train, { executionProviders: ['wasm'] });
      const t0 = performance.now();
      const g = await gpu.run(feeds); // first run compiles the shaders
      const t1 = performance.now();
      await gpu.run(feeds);
      const t2 = performance.now();
      const c = await cpu.run(feeds);
      expect(Math.abs(g.loss.data[0] - c.loss.data[0]) / c.loss.data[0]).toBeLessThan(1e-5);
      expect(g.token_count.data[0]).toBe(c.token_count.data[0]);
      let worst = 0;
      for (const p of loraParams(ckpt.config, lora)) {
        const rel = maxRelError(g[gradName(p.name)].data, c[gradName(p.name)].data);
        worst = Math.max(worst, rel);
        expect(rel, p.name).toBeLessThan(1e-4);
      }
      // One optimizer step from those gradients on both EPs.
      const optFeeds: Record<string, HostTensor> = {};
      OPTIMIZER_SCALARS.forEach(
        (k, i) =>
          (optFeeds[k] = {
            data: Float32Array.of([1e-3, 0.9, 0.999, 1e-8, 0.1, 1, 0.1, 0.001, 0.1][i]),
            shape: [1],
          }),
      );
      for (const p of loraParams(ckpt.config, lora)) {
        optFeeds[p.name] = feeds[p.name] as HostTensor;
        optFeeds[gradName(p.name)] = c[gradName(p.name)];
        const zeros = { data: new Float32Array(p.shape[0] * p.shape[1]), shape: p.shape };
        optFeeds[adamMName(p.name)] = zeros;
        optFeeds[adamVName(p.name)] = zeros;
      }
      const gOpt = await createGraphRunner(ort, artifacts.optimizer, {
        executionProviders: ['webgpu'],
      });
      const cOpt = await createGraphRunner(ort, artifacts.optimizer, {
        executionProviders: ['wasm'],
      });
      const [go, co] = [await gOpt.run(optFeeds), await cOpt.run(optFeeds)];
      let optWorst = 0;
      for (const name of Object.keys(co))
        optWorst = Math.max(optWorst, maxRelError(go[name].data, co[name].data));
      expect(optWorst).toBeLessThan(1e-4);
      console.log(
        `[train webgpu] ${arch}: loss ${g.loss.data[0].toFixed(5)} vs wasm ${c.loss.data[0].toFixed(5)}, worst grad rel err ` +
          `${worst.toExponential(2)}, optimizer rel err ${optWorst.toExponential(2)}; webgpu step first ${(t1 - t0).toFixed(0)} ms, then ${(t2 - t1).toFixed(0)} ms`,
      );
      for (const r of [gpu, cpu, gOpt, cOpt]) await r.release();
    },
  );
});
