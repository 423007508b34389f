// OrtEngine on the wasm EP (1 thread, Node): a random ~50M-parameter Llama-shaped model
// (hidden 512, 8 layers, 8 heads / 4 kv heads, intermediate 1408, vocab 32000 = the Llama-2
// tokenizer) built in memory. Measures prefill and decode speed, rating throughput with
// shared-prefix batched scoring against one pair at a time (method.md §4: every rating
// prompt starts with the same long head), the cost of the zero LoRA inputs, and peak RSS.
// The engine is driven directly (no worker) so later benches can add other runtimes.
import { loadavg } from 'node:os';
import { expect, it } from 'vitest';
import { zeroLoraInputs } from '../../../src/lib/engines/onnx/adapters';
import { LlamaForward } from '../../../src/lib/engines/onnx/llama-session';
import { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { loadFloat32Tensors, parseSafetensors } from '../../../src/lib/engines/onnx/safetensors';
import { ratingPrompt } from '../../../src/lib/method/prompts';
import { randomModel50m } from '../random-model';
import { nodeOrt } from '../../unit/engines/ort-fixtures';
import { measure, type BenchResult } from '../result';
import { record } from '../record-node';
import { loadFolder } from '../../helpers/model-folder';

/** Process CPU time in ms: ORT runs single-threaded here, so CPU time ≈ compute time even
 * when other jobs share the 2 cores (wall-clock rates are then reported next to it). */
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Pairs whose rating prompts share the paper's long head (method.md §4). */
function ratingPrompts(n: number): string[] {
  const topics = ['rivers', 'bread', 'comets', 'violins', 'glaciers', 'tea', 'bridges', 'owls'];
  return Array.from({ length: n }, (_, i) => {
    const t = topics[i % topics.length];
    const instruction = `Explain in two sentences how ${t} (case ${i}) change over a year.`;
    const answer = `Over a year, ${t} change with the seasons: warmth and cold alter them, and people notice it in case ${i}.`;
    return `${ratingPrompt(instruction, answer)}\nScore: `;
  });
}

it('onnx runtime (wasm): prefill, decode, rating throughput, memory', async () => {
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const results: BenchResult[] = [];
  const push = (r: BenchResult) => {
    results.push(r);
    console.log(`[onnx bench] ${r.name}: ${r.value} ${r.unit} ${r.detail ?? ''}`);
  };
  const load = `load average ${loadavg()[0].toFixed(1)} on 2 cores`;
  try {
    const files = randomModel50m();
    const engine = new OrtEngine({ ort: nodeOrt });
    let t = performance.now();
    const info = await loadFolder(engine, files, 'wasm');
    push(
      measure(
        'onnx wasm: load 50M model (bf16 → f32, 2 sessions)',
        (performance.now() - t) / 1000,
        's',
        undefined,
        `${(info.parameters! / 1e6).toFixed(1)}M params`,
      ),
    );
    const { runner, noAdapter } = engine.loaded;

    // Prefill: batch 1, 128 tokens, last-position logits (what generation runs).
    const ids = Int32Array.from({ length: 128 }, (_, i) => 100 + ((i * 7919) % 31000));
    const prefill = () =>
      runner.run({
        batch: 1,
        seq: 128,
        inputIds: ids,
        attentionMask: new Int32Array(128).fill(1),
        lora: noAdapter,
        logits: 'last',
      });
    await prefill();
    const prefillMs: number[] = [];
    const prefillCpu0 = cpuMs();
    for (let i = 0; i < 3; i++) {
      t = performance.now();
      await prefill();
      prefillMs.push(performance.now() - t);
    }
    push(
      measure(
        'onnx wasm: prefill (batch 1, 128 tokens)',
        128 / (median(prefillMs) / 1000),
        'tokens/s',
        undefined,
        `${load}; by CPU time ${((3 * 128) / ((cpuMs() - prefillCpu0) / 1000)).toFixed(0)} tokens/s`,
      ),
    );

    // "No adapter" = zero rank-1 LoRA inputs in the one LoRA graph, against a separate graph
    // without LoRA inputs (the graph helper's LlamaForward) and a rank-16 adapter. All three
    // run the full-logits graph with fed weights, interleaved, so only the LoRA branch differs.
    const mask128 = new Int32Array(128).fill(1);
    const r16 = zeroLoraInputs(runner.config, 16);
    const weights = loadFloat32Tensors(
      parseSafetensors(new Uint8Array(await files.weights[0].blob.arrayBuffer())),
    );
    const plain = await LlamaForward.create(await nodeOrt(), runner.config, weights);
    const variants: Record<string, () => Promise<unknown>> = {
      'zero rank-1': () =>
        runner.run({
          batch: 1,
          seq: 128,
          inputIds: ids,
          attentionMask: mask128,
          lora: noAdapter,
          logits: 'all',
        }),
      'no-LoRA graph': () =>
        plain.run({
          batch: 1,
          seq: 128,
          inputIds: ids,
          attentionMask: mask128,
          positionIds: Int32Array.from(ids, (_, i) => i),
        }),
      'rank-16': () =>
        runner.run({
          batch: 1,
          seq: 128,
          inputIds: ids,
          attentionMask: mask128,
          lora: r16,
          logits: 'all',
        }),
    };
    const times: Record<string, number[]> = {};
    for (let round = 0; round < 4; round++) {
      for (const [name, fn] of Object.entries(variants)) {
        const t0 = performance.now();
        await fn();
        if (round > 0) (times[name] ??= []).push(performance.now() - t0); // round 0 warms up
      }
    }
    await plain.release();
    const ms = (name: string) => median(times[name]);
    push(
      measure(
        'onnx wasm: prefill 128, zero rank-1 LoRA / no-LoRA graph',
        ms('zero rank-1') / ms('no-LoRA graph'),
        'x',
        undefined,
        Object.keys(variants)
          .map((n) => `${n} ${ms(n).toFixed(0)} ms`)
          .join(', '),
      ),
    );

    // Decode: greedy, timed from the first sampled token to the last (prefill excluded).
    for (const batch of [1, 4]) {
      const stamps: number[] = [];
      const cpuStamps: number[] = [];
      const reqs = Array.from({ length: batch }, (_, i) => ({
        prompt: `Once upon a time ${i}`,
        maxTokens: 24,
        temperature: 0,
      }));
      const out = await engine.generateBatch(reqs, {
        onProgress: () => {
          stamps.push(performance.now());
          cpuStamps.push(cpuMs());
        },
      });
      const steps = stamps.length - 1;
      const perSecond = (steps * batch) / ((stamps[steps] - stamps[0]) / 1000);
      const perCpuSecond = (steps * batch) / ((cpuStamps[steps] - cpuStamps[0]) / 1000);
      push(
        measure(
          `onnx wasm: decode (batch ${batch})`,
          perSecond,
          'tokens/s',
          undefined,
          `${out[0].completionTokens} tokens/row; ${load}; by CPU time ${perCpuSecond.toFixed(1)} tokens/s`,
        ),
      );
    }

    // Rating: log p("1".."5") after each rating prompt.
    const prompts = ratingPrompts(12);
    const digits = ['1', '2', '3', '4', '5'];
    const promptTokens = engine.loaded.tokenize(prompts[0]).length;
    t = performance.now();
    let c = cpuMs();
    const single: number[][] = [];
    for (const p of prompts)
      single.push(...(await engine.score({ prompts: [p], continuations: digits })).logprobs);
    const singleS = (performance.now() - t) / 1000;
    const singleCpuS = (cpuMs() - c) / 1000;
    t = performance.now();
    c = cpuMs();
    const shared = await engine.score({ prompts, continuations: digits });
    const sharedS = (performance.now() - t) / 1000;
    const sharedCpuS = (cpuMs() - c) / 1000;
    const diff = Math.max(...shared.logprobs.flat().map((x, i) => Math.abs(x - single.flat()[i])));
    expect(diff).toBeLessThan(1e-3);
    const detail = `${prompts.length} pairs × 5 digits, ~${promptTokens} prompt tokens; max |Δ| ${diff.toExponential(1)}`;
    push(
      measure(
        'onnx wasm: rating, one pair at a time',
        prompts.length / singleS,
        'pairs/s',
        undefined,
        `${detail}; by CPU time ${(prompts.length / singleCpuS).toFixed(2)} pairs/s`,
      ),
    );
    push(
      measure(
        'onnx wasm: rating, shared prefix + batched',
        prompts.length / sharedS,
        'pairs/s',
        undefined,
        `${detail}; by CPU time ${(prompts.length / sharedCpuS).toFixed(2)} pairs/s`,
      ),
    );
    push(
      measure(
        'onnx wasm: rating speed-up (shared/batched vs one at a time)',
        singleS / sharedS,
        'x',
        { atLeast: 4 },
        `wall-clock ratio; by CPU time ${(singleCpuS / sharedCpuS).toFixed(2)}x`,
      ),
    );
    await engine.unload();
  } finally {
    clearInterval(sampler);
  }
  push(
    measure(
      'onnx wasm: peak RSS',
      peakRss / 2 ** 20,
      'MB',
      undefined,
      'process.memoryUsage().rss sampled every 50 ms',
    ),
  );
  record('onnx-runtime', results);
});
