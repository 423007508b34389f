// Batched generation without padding waste (prefill.ts, generator.ts): each prompt prefilled
// alone from the shared head's cache, the caches stacked left-padded, all rows decoded
// together, finished rows dropped. Checked against one request at a time on a tiny random
// Llama with the real Llama-2 tokenizer: logits (positions / RoPE under left padding), greedy
// and seeded text, rows that stop early.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { GenerateRequest } from '../../../src/lib/engines/engine';
import { selectRows } from '../../../src/lib/engines/onnx/kv-cache';
import type { OrtEngine } from '../../../src/lib/engines/onnx/ort-engine';
import { prefillRows, sharedHeadLength } from '../../../src/lib/engines/onnx/prefill';
import { loadTinyEngine } from './ort-fixtures';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const HEAD = 'Below is a candidate answer to a question. Write the most likely question for it.';
// One shared head, then passages of clearly different lengths.
const PROMPTS = [
  `${HEAD}\n\nA river runs.`,
  `${HEAD}\n\nBread rises when yeast eats sugar and gives off gas, which the gluten traps.`,
  `${HEAD}\n\nComets.`,
  `${HEAD}\n\nViolins are made of spruce and maple.`,
];

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

let engine: OrtEngine;
beforeAll(async () => {
  engine = await loadTinyEngine('llama');
});
afterAll(() => engine.unload());

describe('batched prefill and decode', () => {
  it('stacked left-padded caches give the same logits as each row alone (1e-4), also after rows leave', async () => {
    const { runner, noAdapter } = engine.loaded;
    const V = runner.config.vocabSize;
    const ids = PROMPTS.map((p) => engine.loaded.tokenize(p));
    expect(new Set(ids.map((x) => x.length)).size).toBe(PROMPTS.length);
    expect(sharedHeadLength(ids)).toBeGreaterThan(10);
    const next = Int32Array.from([29871, 450, 13, 306]);

    // Reference: each prompt alone, all at once (no shared head), then one decode step.
    const alone: { prefill: Float32Array; step: Float32Array }[] = [];
    for (const [b, x] of ids.entries()) {
      const full = await runner.run({
        batch: 1,
        seq: x.length,
        inputIds: x,
        attentionMask: new Int32Array(x.length).fill(1),
        lora: noAdapter,
        logits: 'last',
      });
      const step = await runner.run({
        batch: 1,
        seq: 1,
        inputIds: next.slice(b, b + 1),
        attentionMask: new Int32Array(x.length + 1).fill(1),
        past: full.present,
        lora: noAdapter,
        logits: 'last',
      });
      alone.push({ prefill: full.logits.slice(0, V), step: step.logits.slice(0, V) });
    }

    const batch = await prefillRows(runner, ids, noAdapter);
    const P = batch.cache.pastLength;
    expect(P).toBe(Math.max(...ids.map((x) => x.length)));
    const grow = (mask: Int32Array, B: number, S: number) => {
      const out = new Int32Array(B * (S + 1));
      for (let b = 0; b < B; b++) {
        out.set(mask.subarray(b * S, (b + 1) * S), b * (S + 1));
        out[b * (S + 1) + S] = 1;
      }
      return out;
    };
    const step = await runner.run({
      batch: 4,
      seq: 1,
      inputIds: next,
      attentionMask: grow(batch.mask, 4, P),
      past: batch.cache,
      lora: noAdapter,
      logits: 'last',
    });
    let worst = 0;
    for (let b = 0; b < 4; b++) {
      worst = Math.max(worst, maxAbsDiff(batch.logits[b], alone[b].prefill));
      worst = Math.max(worst, maxAbsDiff(step.logits.subarray(b * V, (b + 1) * V), alone[b].step));
    }
    console.log(`[batch generation] batched vs alone: max |Δ logit| ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1e-4);

    // Rows 1 and 3 stay; the longest prompt (row 1) is kept, so nothing is dropped in front;
    // keeping rows 0 and 2 drops the slots that were padding for both.
    for (const keep of [
      [1, 3],
      [0, 2],
    ]) {
      const lens = keep.map((b) => ids[b].length);
      const drop = P - Math.max(...lens);
      const narrowed = await selectRows(runner.ort, batch.cache, batch.mask, keep, drop);
      expect(narrowed.cache.pastLength).toBe(Math.max(...lens));
      const again = await runner.run({
        batch: 2,
        seq: 1,
        inputIds: Int32Array.from(keep, (b) => next[b]),
        attentionMask: grow(narrowed.mask, 2, narrowed.cache.pastLength),
        past: narrowed.cache,
        lora: noAdapter,
        logits: 'last',
      });
      keep.forEach((b, k) => {
        const d = maxAbsDiff(again.logits.subarray(k * V, (k + 1) * V), alone[b].step);
        expect(d).toBeLessThan(1e-4);
      });
    }
  });

  it('greedy and seeded sampling give the same text batched as one at a time, with rows stopping early', async () => {
    const greedy: GenerateRequest[] = PROMPTS.map((prompt, i) => ({
      prompt,
      temperature: 0,
      // Row 2 stops after 3 tokens, the others run on past it.
      maxTokens: i === 2 ? 3 : 10,
    }));
    const sampled: GenerateRequest[] = PROMPTS.map((prompt, i) => ({
      prompt,
      temperature: 1,
      topP: 0.95,
      topK: 200,
      seed: 11 + i,
      maxTokens: i === 0 ? 2 : 12,
    }));
    for (const reqs of [greedy, sampled]) {
      const batched = await engine.generateBatch(reqs);
      for (const [i, req] of reqs.entries()) {
        const alone = await engine.generate(req);
        expect(batched[i].tokenIds).toEqual(alone.tokenIds);
        expect(batched[i].text).toBe(alone.text);
        expect(batched[i].finishReason).toBe(alone.finishReason);
      }
      batched.forEach((r, i) => expect(r.completionTokens).toBeLessThanOrEqual(reqs[i].maxTokens));
      expect(Math.min(...batched.map((r) => r.completionTokens))).toBeLessThanOrEqual(3);
      expect(Math.max(...batched.map((r) => r.completionTokens))).toBeGreaterThan(3);
    }
  });

  it('a row cut by a stop string leaves the batch and the others go on unchanged', async () => {
    const base: GenerateRequest[] = PROMPTS.map((prompt, i) => ({
      prompt,
      temperature: 1,
      topK: 200,
      seed: 40 + i,
      maxTokens: 10,
    }));
    const free = await engine.generateBatch(base);
    const text = free[1].text;
    const stop = text.slice(Math.floor(text.length / 3), Math.floor(text.length / 3) + 2);
    expect(stop.length).toBe(2);
    const stopped = await engine.generateBatch(
      base.map((r, i) => (i === 1 ? { ...r, stop: [stop] } : r)),
    );
    expect(stopped[1].finishReason).toBe('stop');
    expect(stopped[1].text).toBe(text.slice(0, text.indexOf(stop)));
    for (const i of [0, 2, 3]) expect(stopped[i].text).toBe(free[i].text);
  });
});
