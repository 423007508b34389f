// ONE contract for every Engine (issue 9 "Contract tests"): generation, scoring, cancellation,
// adapters and errors, as the port (src/lib/engines/engine.ts) promises them. Each engine's
// test file calls engineContract() with a factory; where an engine legitimately differs
// (adapters, top-k, multi-token scoring) its subject says how, and the suite asserts that
// documented behaviour (a clear refusal) instead of skipping. Few tokens, tiny models.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type {
  AdapterSpec,
  ChatMessage,
  Engine,
  ModelInfo,
  ModelSpec,
} from '../../src/lib/engines/engine';
import { CancelledError, InputError, ModelLoadError } from '../../src/lib/protocol/errors';

export interface ContractSubject {
  name: string;
  /** A new engine of this kind, not loaded. */
  create(): Engine | Promise<Engine>;
  /** What load() accepts. */
  spec: ModelSpec;
  /** What load() must refuse with a ModelLoadError (unknown model, missing files…). */
  badSpec: ModelSpec;
  /** 'runs': a compatible adapter changes the output; 'refused': addAdapter is absent or refuses. */
  adapters: { kind: 'runs'; make(): AdapterSpec } | { kind: 'refused' };
  /**
   * 'applied': top-k 1 samples greedily; 'refused': a request with topK is an InputError;
   * 'not-applied': accepted and documented as ignored (the fake engine has no vocabulary).
   */
  topK: 'applied' | 'refused' | 'not-applied';
  /**
   * 'summed': a multi-word continuation is scored (log-probabilities summed over its tokens);
   * 'refused': an InputError; 'not-refused': accepted without a check (listed as a gap).
   */
  multiTokenScoring: 'summed' | 'refused' | 'not-refused';
  /** Tokens to generate in the generation cases (small: the suite must stay fast). */
  maxTokens?: number;
  /**
   * Further cases on the suite's loaded engine, run after the contract's own and before it is
   * unloaded: a file whose model load is expensive (WebGPU on SwiftShader) loads it once.
   */
  moreCases?(engine: () => Engine): void;
  teardown?(): Promise<void>;
}

const TEXT = 'The quick brown fox jumps over the lazy dog because';
const CHAT: ChatMessage[] = [{ role: 'user', content: 'Write a short sentence about rivers.' }];
const DIGITS = ['1', '2', '3', '4', '5'];

export function engineContract(subject: ContractSubject): void {
  const N = subject.maxTokens ?? 6;
  const greedy = (prompt: ChatMessage[] | string = TEXT) => ({
    prompt,
    maxTokens: N,
    temperature: 0,
  });

  describe(`Engine contract: ${subject.name}`, () => {
    let engine: Engine;
    let info: ModelInfo;
    beforeAll(async () => {
      engine = await subject.create();
      info = await engine.load(subject.spec);
    });
    afterAll(async () => {
      await engine?.unload();
      await subject.teardown?.();
    });

    describe('generation', () => {
      it('load reports the model on this engine', () => {
        expect(info.engine).toBe(engine.kind);
        expect(info.id).toBeTruthy();
      });

      it('greedy decoding is repeatable and keeps to maxTokens', async () => {
        const a = await engine.generate(greedy());
        const b = await engine.generate(greedy());
        expect(a.text.length).toBeGreaterThan(0);
        expect(b.text).toBe(a.text);
        expect(a.completionTokens).toBeGreaterThan(0);
        expect(a.completionTokens).toBeLessThanOrEqual(N);
        expect(['stop', 'length']).toContain(a.finishReason);
        if (a.finishReason === 'length') expect(a.completionTokens).toBe(N);
      });

      it('streams pieces that add up to the text, alone and in a batch', async () => {
        const pieces: string[] = [];
        const alone = await engine.generate(greedy(), { onToken: (p) => pieces.push(p) });
        expect(pieces.join('')).toBe(alone.text);
        const reqs = [greedy(), greedy(CHAT)];
        const streamed = ['', ''];
        const batch = await engine.generateBatch(reqs, {
          onBatchToken: (i, p) => (streamed[i] += p),
        });
        expect(batch.map((r) => r.text)).toEqual(streamed);
        expect(batch[0].text).toBe(alone.text);
        expect(batch[1].text).toBe((await engine.generate(reqs[1])).text);
      });

      it('a chat prompt generates', async () => {
        const r = await engine.generate(greedy(CHAT));
        expect(r.text.length).toBeGreaterThan(0);
      });

      it('a stop string ends the text before it, with finishReason stop', async () => {
        const full = await engine.generate({ ...greedy(), maxTokens: N + 4 });
        const stop = middleStop(full.text);
        const r = await engine.generate({ ...greedy(), maxTokens: N + 4, stop: [stop] });
        expect(r.text).toBe(full.text.slice(0, full.text.indexOf(stop)));
        expect(r.finishReason).toBe('stop');
      });

      it('a seed makes sampling repeatable', async () => {
        const req = { prompt: TEXT, maxTokens: N, temperature: 1, seed: 7 };
        const a = await engine.generate(req);
        expect((await engine.generate(req)).text).toBe(a.text);
      });

      it(`top-k is ${subject.topK}`, async () => {
        const req = { ...greedy(), temperature: 1.5, topK: 1, seed: 3 };
        if (subject.topK === 'refused') {
          await expect(engine.generate(req)).rejects.toThrow(InputError);
          await expect(engine.generate(req)).rejects.toMatchObject({ field: 'topK' });
          return;
        }
        const r = await engine.generate(req);
        if (subject.topK === 'applied') expect(r.text).toBe((await engine.generate(greedy())).text);
        else expect(typeof r.text).toBe('string');
      });
    });

    describe('scoring', () => {
      it('gives one log-probability per prompt and continuation, a sub-distribution', async () => {
        const { logprobs } = await engine.score({ prompts: [TEXT, CHAT], continuations: DIGITS });
        expect(logprobs).toHaveLength(2);
        for (const row of logprobs) {
          expect(row).toHaveLength(DIGITS.length);
          for (const lp of row) {
            expect(Number.isFinite(lp)).toBe(true);
            expect(lp).toBeLessThanOrEqual(1e-6);
          }
          expect(row.reduce((s, lp) => s + Math.exp(lp), 0)).toBeLessThanOrEqual(1 + 1e-4);
        }
      });

      it('each prompt scores the same alone as in a batch, every time', async () => {
        const both = await engine.score({ prompts: [TEXT, CHAT], continuations: DIGITS });
        const a = await engine.score({ prompts: [TEXT], continuations: DIGITS });
        const b = await engine.score({ prompts: [CHAT], continuations: DIGITS });
        expectClose(both.logprobs[0], a.logprobs[0]);
        expectClose(both.logprobs[1], b.logprobs[0]);
      });

      it(`multi-token continuations: ${subject.multiTokenScoring}`, async () => {
        const req = { prompts: [TEXT], continuations: ['1', 'over the'] };
        if (subject.multiTokenScoring === 'refused') {
          await expect(engine.score(req)).rejects.toThrow(InputError);
          await expect(engine.score(req)).rejects.toMatchObject({ field: 'continuations' });
          return;
        }
        const { logprobs } = await engine.score(req);
        expect(logprobs[0]).toHaveLength(2);
        if (subject.multiTokenScoring === 'summed') {
          expect(Number.isFinite(logprobs[0][1])).toBe(true);
          expect(logprobs[0][1]).toBeLessThan(0);
        }
      });
    });

    describe('cancellation', () => {
      it('an aborted signal cancels generate, generateBatch and score before they run', async () => {
        const signal = AbortSignal.abort();
        await expect(engine.generate(greedy(), { signal })).rejects.toThrow(CancelledError);
        await expect(engine.generateBatch([greedy()], { signal })).rejects.toThrow(CancelledError);
        await expect(
          engine.score({ prompts: [TEXT], continuations: DIGITS }, { signal }),
        ).rejects.toThrow(CancelledError);
      });

      it('aborting during the stream cancels, and the engine keeps working', async () => {
        const before = await engine.generate({ ...greedy(), maxTokens: N + 4 });
        const controller = new AbortController();
        const pieces: string[] = [];
        const run = engine.generate(
          { ...greedy(), maxTokens: N + 4 },
          {
            signal: controller.signal,
            onToken: (p) => {
              pieces.push(p);
              controller.abort();
            },
          },
        );
        await expect(run).rejects.toThrow(CancelledError);
        expect(pieces.join('').length).toBeLessThan(before.text.length);
        const after = await engine.generate({ ...greedy(), maxTokens: N + 4 });
        expect(after.text).toBe(before.text);
      });
    });

    describe('adapters', () => {
      it('an adapter that is not loaded is an InputError naming adapterId', async () => {
        await expect(engine.generate({ ...greedy(), adapterId: 'nope' })).rejects.toMatchObject({
          name: 'InputError',
          field: 'adapterId',
        });
        await expect(
          engine.score({ prompts: [TEXT], continuations: DIGITS, adapterId: 'nope' }),
        ).rejects.toMatchObject({ name: 'InputError', field: 'adapterId' });
      });

      if (subject.adapters.kind === 'runs') {
        const make = subject.adapters.make;
        it('a loaded adapter changes generation and scores; removed, it is unknown', async () => {
          const adapter = make();
          await engine.addAdapter!(adapter);
          // An adapter need not change every greedy text: it must change some, and the scores.
          const prompts = [TEXT, CHAT, 'In the spring of 1492 a sailor crossed the ocean westward'];
          const base = await engine.generateBatch(prompts.map((p) => greedy(p)));
          const tuned = await engine.generateBatch(
            prompts.map((p) => ({ ...greedy(p), adapterId: adapter.id })),
          );
          expect(tuned.map((r) => r.text)).not.toEqual(base.map((r) => r.text));
          const baseScore = await engine.score({ prompts, continuations: DIGITS });
          const tunedScore = await engine.score({
            prompts,
            continuations: DIGITS,
            adapterId: adapter.id,
          });
          expect(tunedScore.logprobs).not.toEqual(baseScore.logprobs);
          await engine.removeAdapter!(adapter.id);
          await expect(engine.generate({ ...greedy(), adapterId: adapter.id })).rejects.toThrow(
            InputError,
          );
        });
      } else {
        it('adding an adapter is refused with a clear error', async () => {
          if (!engine.addAdapter) {
            // The port's documented way to say "no adapters": the methods are absent.
            expect(engine.removeAdapter).toBeUndefined();
            return;
          }
          const spec = { id: 'lora', rank: 1, alpha: 1, targetModules: ['q_proj'], tensors: {} };
          await expect(engine.addAdapter(spec)).rejects.toThrow(/adapter/i);
        });
      }
    });

    if (subject.moreCases)
      describe('more cases on the same engine', () => subject.moreCases!(() => engine));

    describe('errors', () => {
      it('a model load that cannot succeed is a ModelLoadError', async () => {
        const other = await subject.create();
        await expect(other.load(subject.badSpec)).rejects.toThrow(ModelLoadError);
      });

      it('nothing runs before load or after unload: ModelLoadError', async () => {
        const other = await subject.create();
        await expect(other.generate(greedy())).rejects.toThrow(ModelLoadError);
        await expect(other.score({ prompts: [TEXT], continuations: DIGITS })).rejects.toThrow(
          ModelLoadError,
        );
        // Last case of the suite: the shared engine is unloaded here.
        await engine.unload();
        await expect(engine.generate(greedy())).rejects.toThrow(ModelLoadError);
      });
    });
  });
}

/** A short non-blank substring from the middle of `text`, to stop at. */
function middleStop(text: string): string {
  expect(text.trim().length, `too little text to pick a stop string: "${text}"`).toBeGreaterThan(3);
  for (let k = Math.floor(text.length / 2); k < text.length - 1; k++) {
    const s = text.slice(k, k + 2);
    if (s.trim().length === 2) return s;
  }
  return text.slice(-1);
}

function expectClose(a: number[], b: number[], tol = 1e-3): void {
  expect(a).toHaveLength(b.length);
  for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(tol);
}
