import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { ratingPrompt, backtranslationPrompt, parseScore } from '../../../src/lib/method';
import { CancelledError, ModelLoadError } from '../../../src/lib/protocol/errors';

describe('FakeEngine', () => {
  it('is deterministic per prompt and seed, and streams what it returns', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'fake-1', source: 'fake' });
    const pieces: string[] = [];
    const req = {
      prompt: backtranslationPrompt('Sourdough needs a lively starter and patience.'),
      maxTokens: 50,
      temperature: 0.7,
      seed: 3,
    };
    const a = await e.generate(req, { onToken: (p) => pieces.push(p) });
    const b = await e.generate(req);
    expect(a.text).toBe(b.text);
    expect(pieces.join('')).toBe(a.text);
    expect(a.text).toMatch(/^How does .+\?$/);
    const c = await e.generate({ ...req, seed: 4 });
    expect(c.completionTokens).toBeGreaterThan(0);
  });
  it('answers rating prompts with a parseable score', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'rater', source: 'fake' });
    const r = await e.generate({ prompt: ratingPrompt('Q?', 'A.'), maxTokens: 64, temperature: 0 });
    expect(parseScore(r.text).ok).toBe(true);
  });
  it('honours maxTokens and stop strings', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'm', source: 'fake' });
    const r = await e.generate({
      prompt: 'alpha beta gamma delta epsilon',
      maxTokens: 3,
      temperature: 0,
    });
    expect(r.completionTokens).toBe(3);
    expect(r.finishReason).toBe('length');
    const rating = await e.generate({
      prompt: ratingPrompt('Q?', 'A.'),
      maxTokens: 64,
      temperature: 0,
      stop: ['Score:'],
    });
    expect(rating.finishReason).toBe('stop');
    expect(rating.text).toBe('The answer is relevant to the instruction. ');
  });
  it('returns normalised log-probabilities from score()', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'm', source: 'fake' });
    const { logprobs } = await e.score({
      prompts: ['a', 'b'],
      continuations: ['1', '2', '3', '4', '5'],
    });
    expect(logprobs).toHaveLength(2);
    for (const row of logprobs) expect(row.reduce((s, x) => s + Math.exp(x), 0)).toBeCloseTo(1, 10);
  });
  it('cancels between tokens and reports load failures', async () => {
    const e = new FakeEngine({ delayMs: 5, failLoad: ['broken'] });
    await expect(e.load({ id: 'broken', source: 'fake' })).rejects.toBeInstanceOf(ModelLoadError);
    await e.load({ id: 'm', source: 'fake' });
    const ac = new AbortController();
    const p = e.generate(
      { prompt: 'one two three four five six seven eight', maxTokens: 60, temperature: 0 },
      { signal: ac.signal },
    );
    setTimeout(() => ac.abort(), 12);
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });
});
