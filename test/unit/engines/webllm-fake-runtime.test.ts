// The fake web-llm runtime (demo and test mode) under the real WebLlmEngine: it streams what
// the fake model writes, and its top-logprobs rate a pair as its generated "Score: n" does.
import { describe, expect, it } from 'vitest';
import { FAKE_WEBLLM_MODEL, fakeWebLlm } from '../../../src/lib/engines/webllm/fake-runtime';
import { WebLlmEngine } from '../../../src/lib/engines/webllm/webllm-engine';
import { expectedScore, parseScore, ratingPrompt } from '../../../src/lib/method';
import { InputError, ModelLoadError } from '../../../src/lib/protocol/errors';

const DIGITS = ['1', '2', '3', '4', '5'];

describe('fake web-llm runtime', () => {
  it('loads only its own model, reporting init progress', async () => {
    const engine = new WebLlmEngine(fakeWebLlm());
    await expect(engine.load({ id: 'Llama-3-8B', source: 'web-llm' })).rejects.toThrow(
      ModelLoadError,
    );
    const phases: string[] = [];
    const info = await engine.load(
      { id: FAKE_WEBLLM_MODEL, source: 'web-llm' },
      { onProgress: (p) => phases.push(`${p.phase}:${p.done}`) },
    );
    expect(info).toMatchObject({ id: FAKE_WEBLLM_MODEL, engine: 'web-llm', dtype: 'q4f16' });
    expect(phases).toEqual(['init:0', 'init:100']);
  });

  it('streams generations and rates with the argmax of its scores', async () => {
    const engine = new WebLlmEngine(fakeWebLlm());
    await engine.load({ id: FAKE_WEBLLM_MODEL, source: 'web-llm' });
    const scores = new Set<number>();
    for (const [q, a] of [
      ['What is 2+2?', 'Four.'],
      ['Name a fruit.', 'A banana.'],
      ['Write a haiku.', 'Old pond, frog jumps in.'],
      ['Why is the sky blue?', 'Rayleigh scattering.'],
    ]) {
      const prompt = [{ role: 'user' as const, content: ratingPrompt(q, a) }];
      const pieces: string[] = [];
      const r = await engine.generate(
        { prompt, maxTokens: 64, temperature: 0 },
        { onToken: (p) => pieces.push(p) },
      );
      expect(pieces.join('')).toBe(r.text);
      expect(r.finishReason).toBe('stop');
      const parsed = parseScore(r.text);
      if (!parsed.ok) throw new Error(`no score in "${r.text}"`);
      scores.add(parsed.score);
      const { logprobs } = await engine.score({ prompts: [prompt], continuations: DIGITS });
      expect(expectedScore(logprobs[0]).argmax).toBe(parsed.score);
    }
    expect(scores.size).toBeGreaterThan(1);
  });

  it('refuses multi-token continuations and an assistant prefix with a clear InputError', async () => {
    const engine = new WebLlmEngine(fakeWebLlm());
    await engine.load({ id: FAKE_WEBLLM_MODEL, source: 'web-llm' });
    const prompt = [{ role: 'user' as const, content: ratingPrompt('Name a fruit.', 'A banana.') }];
    // The fake's tokens are words: "very good" is two, so its top token only begins it.
    await expect(
      engine.score({ prompts: [prompt], continuations: ['very good', 'bad'] }),
    ).rejects.toThrow(/"very good" takes several tokens/);
    await expect(
      engine.score({ prompts: [prompt], continuations: DIGITS, assistantPrefix: 'Score:' }),
    ).rejects.toBeInstanceOf(InputError);
    const single = await engine.score({ prompts: [prompt], continuations: ['good', 'bad'] });
    expect(single.logprobs[0].every(Number.isFinite)).toBe(true);
  });
});
