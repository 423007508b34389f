import { describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import {
  backtranslationPrompt,
  expectedScore,
  parseScore,
  ratingPrompt,
} from '../../../src/lib/method';
import { CancelledError, InputError, ModelLoadError } from '../../../src/lib/protocol/errors';

const DIGITS = ['1', '2', '3', '4', '5'];
const PAIRS: [string, string][] = [
  ['What is 2+2?', 'Four.'],
  ['Name a fruit.', 'A banana is a long yellow fruit.'],
  ['Write a haiku.', 'Old pond, frog jumps in.'],
  ['How do tides work?', 'The moon pulls the oceans.'],
  ['Why is the sky blue?', 'Rayleigh scattering.'],
  ['Translate "chat".', 'Cat.'],
];
const adapter = (id: string) => ({ id, rank: 1, alpha: 1, targetModules: [], tensors: {} });

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
  it('treats an unknown adapter as an error naming it, like the onnx engine', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'm', source: 'fake' });
    const req = { prompt: 'alpha beta gamma', maxTokens: 4, temperature: 0, adapterId: 'M1' };
    await expect(e.generate(req)).rejects.toThrow(InputError);
    await expect(e.generate(req)).rejects.toThrow('No adapter "M1" is loaded');
    const score = { prompts: ['a'], continuations: ['x'], adapterId: 'M1' };
    await expect(e.score(score)).rejects.toThrow('No adapter "M1" is loaded');
    await e.addAdapter(adapter('M1'));
    const withAdapter = await e.generate(req);
    expect(withAdapter.completionTokens).toBe(4);
    await e.removeAdapter('M1');
    await expect(e.generate(req)).rejects.toThrow(InputError);
  });

  it('scores highest the word greedy generation says first, for any continuation list', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'm', source: 'fake' });
    const prompts = [
      'The harbour seals rest on warm rocks while gulls circle above the quiet water',
      backtranslationPrompt('Bread rises because yeast makes carbon dioxide.'),
      [{ role: 'user' as const, content: 'Describe winter mornings in northern villages' }],
    ];
    for (const prompt of prompts) {
      const g = await e.generate({ prompt, maxTokens: 5, temperature: 0 });
      const first = g.text.split(' ')[0];
      const others = ['quiet', 'rocks', 'How', 'Bread', 'winter', 'zebra'].filter(
        (w) => w !== first,
      );
      for (let k = 0; k < others.length; k++) {
        // The greedy word at every position of the list.
        const continuations = [...others.slice(0, k), first, ...others.slice(k)];
        const { logprobs } = await e.score({ prompts: [prompt], continuations });
        const best = logprobs[0].indexOf(Math.max(...logprobs[0]));
        expect(continuations[best]).toBe(first);
      }
    }
  });

  it("rates a pair with the argmax of score() over 1..5, plain, chat and after 'Score:'", async () => {
    const e = new FakeEngine();
    await e.load({ id: 'rater', source: 'fake' });
    await e.addAdapter(adapter('M1'));
    const ratings = new Set<number>();
    for (const adapterId of [undefined, 'M1']) {
      for (const [q, a] of PAIRS) {
        const prompt = ratingPrompt(q, a);
        const chat = [{ role: 'user' as const, content: prompt }];
        for (const p of [prompt, chat]) {
          const g = await e.generate({ prompt: p, maxTokens: 64, temperature: 0, adapterId });
          const parsed = parseScore(g.text);
          if (!parsed.ok) throw new Error(`unparsed: ${g.text}`);
          ratings.add(parsed.score);
          const scoring = [
            p,
            typeof p === 'string'
              ? `${p}\nScore: `
              : [...chat, { role: 'assistant' as const, content: 'Score: ' }],
          ];
          const { logprobs } = await e.score({
            prompts: scoring,
            continuations: DIGITS,
            adapterId,
          });
          for (const row of logprobs) expect(expectedScore(row).argmax).toBe(parsed.score);
        }
      }
    }
    // The pairs get different ratings, so the agreement is not one constant.
    expect(ratings.size).toBeGreaterThan(1);
  });

  it('an assistant prefix starts the turn: generate writes only what follows, score agrees', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'rater', source: 'fake' });
    for (const [q, a] of PAIRS) {
      const chat = [{ role: 'user' as const, content: ratingPrompt(q, a) }];
      const plain = parseScore(
        (await e.generate({ prompt: chat, maxTokens: 64, temperature: 0 })).text,
      );
      if (!plain.ok) throw new Error('unparsed');
      for (const assistantPrefix of ['Score:', 'The answer is on topic.\nScore: ']) {
        const g = await e.generate({ prompt: chat, maxTokens: 8, temperature: 0, assistantPrefix });
        // Only the digit is left to write; the prefix is not repeated.
        expect(g.text).toBe(String(plain.score));
        const { logprobs } = await e.score({
          prompts: [chat],
          continuations: DIGITS,
          assistantPrefix,
        });
        expect(expectedScore(logprobs[0]).argmax).toBe(plain.score);
      }
    }
    // Outside rating prompts the prefix still changes what the model reads, hence what it writes.
    const chat = [{ role: 'user' as const, content: 'Tell me about rivers and mountains today' }];
    const req = { prompt: chat, maxTokens: 6, temperature: 0 };
    const other = await e.generate({ ...req, assistantPrefix: 'Mountains' });
    expect(other.text).not.toBe((await e.generate(req)).text);
    // A string prompt is used as-is, so a prefix there is an input error naming the option.
    await expect(
      e.generate({ prompt: 'raw', maxTokens: 4, temperature: 0, assistantPrefix: 'Score:' }),
    ).rejects.toMatchObject({ name: 'InputError', field: 'assistantPrefix' });
    await expect(
      e.score({ prompts: [chat, 'raw'], continuations: DIGITS, assistantPrefix: 'Score:' }),
    ).rejects.toMatchObject({ name: 'InputError', field: 'assistantPrefix', record: 1 });
  });

  it('generateBatch gives what generate gives for each request, streaming by index', async () => {
    const e = new FakeEngine();
    await e.load({ id: 'm', source: 'fake' });
    const reqs = PAIRS.map(([q, a]) => ({
      prompt: ratingPrompt(q, a),
      maxTokens: 64,
      temperature: 0,
    }));
    const pieces: string[][] = reqs.map(() => []);
    const batch = await e.generateBatch(reqs, { onBatchToken: (i, p) => pieces[i].push(p) });
    for (const [i, req] of reqs.entries()) {
      expect(batch[i]).toEqual(await e.generate(req));
      expect(pieces[i].join('')).toBe(batch[i].text);
    }
  });
});
