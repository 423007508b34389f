// The method's stages on realistic work (issue 10 Benchmarks, issue 14 item 4): demo segments
// of 600-3,000 characters (the app's own segmenter) inside the Llama-2 chat format with the
// real Llama-2 tokenizer, on a random ~50M-parameter model, wasm EP (1 thread, Node), all in
// one run so the figures compare side by side on this noisy machine:
// - curation throughput, fast mode (one forward pass, "1".."5" after the assistant prefix
//   "Score:") against paper mode (reasoning decoded greedily, capped at PAPER_REASONING_CAP
//   tokens, batched as a stage runs it): target >= 10x;
// - augmentation throughput (backtranslation prompt, instructions capped at
//   INSTRUCTION_CAP tokens), generateBatch against one request at a time;
// - the share of the prompt the shared prefix covers, and fast mode with and without it;
// - fast mode batched against one pair at a time, on these prompts AND on the old short
//   answers in raw text (the figure onnx-runtime.bench.ts reports), so both stand together.
// Wall-clock rates are the headline; CPU-time rates sit beside them (ORT runs one thread).
import { loadavg } from 'node:os';
import { expect, it } from 'vitest';
import type { ChatMessage } from '../../../src/lib/engines/engine';
import { OrtEngine, splitContinuation } from '../../../src/lib/engines/onnx/ort-engine';
import { commonPrefixLength, scoreRows, type ScoreRow } from '../../../src/lib/engines/onnx/scorer';
import { backtranslationPrompt, ratingPrompt } from '../../../src/lib/method/prompts';
import { LLAMA2_TEMPLATE } from '../../helpers/chat-templates';
import { loadFolder } from '../../helpers/model-folder';
import { demoSegments } from '../../helpers/rating-check';
import { nodeOrt } from '../../unit/engines/ort-fixtures';
import { randomModel50m } from '../random-model';
import { record } from '../record-node';
import { measure, type BenchResult } from '../result';

const PAIRS = 4;
const PAPER_REASONING_CAP = 64;
const INSTRUCTION_CAP = 32;
const PREFIX = 'Score:';
const DIGITS = ['1', '2', '3', '4', '5'];

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Wall and CPU seconds of one call. */
async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; s: number; cpuS: number }> {
  const t = performance.now();
  const c = cpuMs();
  const value = await fn();
  return { value, s: (performance.now() - t) / 1000, cpuS: (cpuMs() - c) / 1000 };
}

/** The old benchmark's pairs: short answers, raw text ending in "Score: " (no template). */
function shortRawPrompts(n: number): string[] {
  const topics = ['rivers', 'bread', 'comets', 'violins', 'glaciers', 'tea', 'bridges', 'owls'];
  return Array.from({ length: n }, (_, i) => {
    const t = topics[i % topics.length];
    const instruction = `Explain in two sentences how ${t} (case ${i}) change over a year.`;
    const answer = `Over a year, ${t} change with the seasons: warmth and cold alter them, and people notice it in case ${i}.`;
    return `${ratingPrompt(instruction, answer)}\nScore: `;
  });
}

it(
  'curation and augmentation on demo segments in a chat template (wasm)',
  async () => {
    const results: BenchResult[] = [];
    const push = (r: BenchResult) => {
      results.push(r);
      console.log(`[curation bench] ${r.name}: ${r.value} ${r.unit} ${r.detail ?? ''}`);
    };
    const engine = new OrtEngine({ ort: nodeOrt });
    const info = await loadFolder(engine, randomModel50m(LLAMA2_TEMPLATE), 'wasm');
    const m = engine.loaded;
    const load = `load avg ${loadavg()[0].toFixed(1)} on 2 cores`;
    const model = `${(info.parameters! / 1e6).toFixed(0)}M params`;

    // Four segments spread over the lengths of the demo notes (807-1,219 characters here).
    const segments = demoSegments()
      .sort((a, b) => a.length - b.length)
      .filter((_, i, all) => i % Math.floor(all.length / PAIRS) === 0)
      .slice(0, PAIRS);
    expect(segments).toHaveLength(PAIRS);
    const chars = segments.map((s) => s.length);
    const chats: ChatMessage[][] = segments.map((s) => [
      { role: 'user', content: ratingPrompt('Explain this topic to me in a few paragraphs.', s) },
    ]);
    const promptTokens = chats.map((c) => m.tokenize(c, PREFIX).length);
    const meanTokens = promptTokens.reduce((a, b) => a + b, 0) / PAIRS;
    const shape = `${PAIRS} pairs, segments ${Math.min(...chars)}-${Math.max(...chars)} chars, prompts ${Math.min(...promptTokens)}-${Math.max(...promptTokens)} tokens; ${model}; ${load}`;

    // Warm-up: the first run of each graph pays for session setup.
    await engine.score({
      prompts: chats.slice(0, 1),
      continuations: DIGITS,
      assistantPrefix: PREFIX,
    });

    // Fast mode as a stage runs it: all pairs in one call (shared prefix + batched rows).
    const fast = await timed(() =>
      engine.score({ prompts: chats, continuations: DIGITS, assistantPrefix: PREFIX }),
    );
    // Fast mode one pair at a time.
    const fastSingle = await timed(async () => {
      for (const c of chats)
        await engine.score({ prompts: [c], continuations: DIGITS, assistantPrefix: PREFIX });
    });
    // The shared prefix on its own: the same rows, batched, with and without it.
    const rows: ScoreRow[] = chats.flatMap((c) => {
      const text = m.render(c, PREFIX);
      const context = m.tokenizer.encode(text, { addSpecialTokens: false });
      return DIGITS.map((d) =>
        splitContinuation(context, m.tokenizer.encode(text + d, { addSpecialTokens: false })),
      );
    });
    const shared = commonPrefixLength(rows.map((r) => r.prompt));
    const withPrefix = await timed(() => scoreRows(m.runner, rows, m.noAdapter));
    const withoutPrefix = await timed(() =>
      scoreRows(m.runner, rows, m.noAdapter, { sharedPrefix: false }),
    );
    const diff = Math.max(
      ...withPrefix.value.map((x, i) => Math.abs(x - withoutPrefix.value[i])),
      ...fast.value.logprobs.flat().map((x, i) => Math.abs(x - withPrefix.value[i])),
    );
    expect(diff).toBeLessThan(1e-3);

    // Paper mode: the model writes its reasoning (capped) and "Score: n", batched.
    const paper = await timed(() =>
      engine.generateBatch(
        chats.map((prompt) => ({ prompt, maxTokens: PAPER_REASONING_CAP, temperature: 0 })),
      ),
    );
    const written = paper.value.map((r) => r.completionTokens);

    const pairsPerS = (t: { s: number }) => PAIRS / t.s;
    const cpuRate = (t: { cpuS: number }) => `${(PAIRS / t.cpuS).toFixed(3)}/s by CPU time`;
    push(
      measure(
        'curation: fast mode (shared prefix, batched)',
        pairsPerS(fast),
        'pairs/s',
        undefined,
        `${cpuRate(fast)}; ${shape}`,
      ),
    );
    push(
      measure(
        `curation: paper mode (reasoning ≤ ${PAPER_REASONING_CAP} tokens, batched)`,
        pairsPerS(paper),
        'pairs/s',
        undefined,
        `${cpuRate(paper)}; wrote ${written.join('/')} tokens; ${shape}`,
      ),
    );
    push(
      measure(
        'curation: fast / paper mode',
        paper.s / fast.s,
        'x',
        { atLeast: 10 },
        `wall-clock; by CPU time ${(paper.cpuS / fast.cpuS).toFixed(2)}x; reasoning capped at ${PAPER_REASONING_CAP} tokens`,
      ),
    );
    push(
      measure(
        'curation: shared prefix share of the prompt',
        (100 * shared) / meanTokens,
        '%',
        undefined,
        `${shared} of ${meanTokens.toFixed(0)} tokens on average (rating prompt head + template)`,
      ),
    );
    push(
      measure(
        'curation: fast mode speed-up from the shared prefix',
        withoutPrefix.s / withPrefix.s,
        'x',
        undefined,
        `batched rows either way; by CPU time ${(withoutPrefix.cpuS / withPrefix.cpuS).toFixed(2)}x; max |Δ logprob| ${diff.toExponential(1)}`,
      ),
    );
    push(
      measure(
        'curation: fast mode, all pairs at once / one at a time (demo segments, chat)',
        fastSingle.s / fast.s,
        'x',
        undefined,
        `by CPU time ${(fastSingle.cpuS / fast.cpuS).toFixed(2)}x; ${PAIRS} pairs`,
      ),
    );

    // The old figure on short raw-text answers, in the same run (issue 14 item 4).
    const short = shortRawPrompts(8);
    const shortTokens = m.tokenize(short[0]).length;
    const shortAll = await timed(() => engine.score({ prompts: short, continuations: DIGITS }));
    const shortSingle = await timed(async () => {
      for (const p of short) await engine.score({ prompts: [p], continuations: DIGITS });
    });
    push(
      measure(
        'curation: fast mode, all pairs at once / one at a time (short answers, raw text)',
        shortSingle.s / shortAll.s,
        'x',
        undefined,
        `by CPU time ${(shortSingle.cpuS / shortAll.cpuS).toFixed(2)}x; 8 pairs of ~${shortTokens} tokens; ${(8 / shortAll.s).toFixed(2)} vs ${pairsPerS(fast).toFixed(3)} pairs/s on demo segments`,
      ),
    );

    // Augmentation: the backward model writes one instruction per segment.
    const augment = segments.map((s) => ({
      prompt: [{ role: 'user' as const, content: backtranslationPrompt(s) }],
      maxTokens: INSTRUCTION_CAP,
      temperature: 0,
    }));
    const batched = await timed(() => engine.generateBatch(augment));
    const oneByOne = await timed(async () => {
      const out = [];
      for (const r of augment) out.push(await engine.generate(r));
      return out;
    });
    // Batching must not change what greedy decoding writes.
    expect(batched.value.map((r) => r.text)).toEqual(oneByOne.value.map((r) => r.text));
    const augTokens = batched.value.map((r) => r.completionTokens).join('/');
    push(
      measure(
        'augmentation: batched (generateBatch)',
        PAIRS / batched.s,
        'segments/s',
        undefined,
        `${(PAIRS / batched.cpuS).toFixed(3)}/s by CPU time; instructions ≤ ${INSTRUCTION_CAP} tokens (wrote ${augTokens}); ${PAIRS} segments`,
      ),
    );
    push(
      measure(
        'augmentation: one at a time',
        PAIRS / oneByOne.s,
        'segments/s',
        undefined,
        `${(PAIRS / oneByOne.cpuS).toFixed(3)}/s by CPU time`,
      ),
    );
    push(
      measure(
        'augmentation: batched / one at a time',
        oneByOne.s / batched.s,
        'x',
        undefined,
        `wall-clock; by CPU time ${(oneByOne.cpuS / batched.cpuS).toFixed(2)}x`,
      ),
    );
    await engine.unload();
    record('curation', results);
    // Under heavy load (load average ~19 on 2 cores) one run took 25 minutes.
  },
  60 * 60_000,
);
