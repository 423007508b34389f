// The tiny Llama/Qwen2 forward graph on the native WebGPU EP (SwiftShader in headless
// Chromium) must equal the wasm EP: same graph, same weights, generated in the page.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web/webgpu';
import { parseDecoderConfig } from '../../src/lib/engines/onnx/config';
import { LORA_MODULES } from '../../src/lib/engines/onnx/llama-graph';
import { LlamaForward, type ForwardInputs } from '../../src/lib/engines/onnx/llama-session';
import { loadFloat32Tensors, parseSafetensors } from '../../src/lib/engines/onnx/safetensors';
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

async function loadTiny(arch: TinyArch) {
  const ckpt = makeTinyCheckpoint({ arch, dtype: 'BF16' });
  const config = parseDecoderConfig(new TextDecoder().decode(ckpt.files['config.json']));
  const weights = loadFloat32Tensors(parseSafetensors(ckpt.files['model.safetensors']));
  return { config, weights };
}

async function both(arch: TinyArch, withLora: boolean) {
  const { config, weights } = await loadTiny(arch);
  const loraModules = withLora ? LORA_MODULES : [];
  const make = (ep: string) =>
    LlamaForward.create(ort, config, weights, { executionProviders: [ep], loraModules });
  const [gpu, cpu] = [await make('webgpu'), await make('wasm')];
  if (withLora) {
    const lora = { scale: 2, tensors: makeTinyLora(config, LORA_MODULES, 4) };
    gpu.setLora(lora);
    cpu.setLora(lora);
  }
  return { gpu, cpu, V: config.vocabSize };
}

function prompt(batch: number, seq: number, vocab: number): ForwardInputs {
  return {
    batch,
    seq,
    inputIds: Int32Array.from({ length: batch * seq }, (_, i) => (i * 7919 + 13) % vocab),
    attentionMask: new Int32Array(batch * seq).fill(1),
    positionIds: Int32Array.from({ length: batch * seq }, (_, i) => i % seq),
  };
}

describe('ONNX forward graph on WebGPU (native EP) equals wasm', () => {
  // Must stay the first session of the page: ORT prints the verbose placement log only then.
  it('places every math node on WebGPU (only int64 shape Concats on the CPU EP)', async () => {
    expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
    const { config, weights } = await loadTiny('qwen2');
    const { result: session, lines } = await capturingConsole(() =>
      LlamaForward.create(ort, config, weights, {
        executionProviders: ['webgpu'],
        loraModules: LORA_MODULES,
        sessionOptions: { logSeverityLevel: 0, logVerbosityLevel: 0 },
      }),
    );
    const cpuNodes = cpuPlacedNodes(lines);
    console.log(`[webgpu] CPU-placed nodes: ${cpuNodes.join(', ')}`);
    expect(lines.some((l) => l.includes('placed on [WebGpuExecutionProvider]'))).toBe(true);
    expect(cpuNodes.filter((n) => !n.startsWith('Concat (concat'))).toEqual([]);
    await session.release();
  });

  it.each([
    ['llama', false],
    ['qwen2', false],
    ['llama3', true],
  ] as const)('%s (LoRA %s): prefill + one cached decode step', async (arch, withLora) => {
    expect(navigator.gpu, 'WebGPU must be exposed (--enable-unsafe-webgpu)').toBeTruthy();
    const { gpu, cpu, V } = await both(arch, withLora);
    const inputs = prompt(2, 6, V);
    const t0 = performance.now();
    const g = await gpu.run(inputs); // first run compiles the shaders
    const t1 = performance.now();
    await gpu.run(inputs);
    const t2 = performance.now();
    const c = await cpu.run(inputs);
    await cpu.run(inputs);
    const t3 = performance.now();
    const prefillErr = maxRelError(g.logits, c.logits);
    const step = (past: ForwardInputs['past']): ForwardInputs => ({
      batch: 2,
      seq: 1,
      inputIds: Int32Array.of(7, 300),
      attentionMask: new Int32Array(14).fill(1),
      positionIds: Int32Array.of(6, 6),
      past,
    });
    const gStep = await gpu.run(step(g.present));
    const cStep = await cpu.run(step(c.present));
    const decodeErr = maxRelError(gStep.logits, cStep.logits);
    console.log(
      `[webgpu] ${arch} lora=${withLora}: prefill rel err ${prefillErr.toExponential(2)} ` +
        `(webgpu first ${(t1 - t0).toFixed(0)} ms, then ${(t2 - t1).toFixed(0)} ms; wasm ${(t3 - t2).toFixed(0)} ms ` +
        `for 2 runs), decode rel err ${decodeErr.toExponential(2)}`,
    );
    expect(g.logitsDims).toEqual([2, 6, V]);
    expect(prefillErr).toBeLessThan(1e-4);
    expect(decodeErr).toBeLessThan(1e-4);
    await gpu.release();
    await cpu.release();
  });
});
