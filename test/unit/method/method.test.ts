import { describe, expect, it } from 'vitest';
import {
  INFERENCE_TAGS,
  SEED_TAG,
  WEB_TAG,
  backtranslationPrompt,
  expectedScore,
  isSelected,
  lengthStats,
  parseScore,
  ratingPrompt,
  scoreHistogram,
  selectAtLeast,
  tagFor,
  taggedMessages,
} from '../../../src/lib/method';

describe('rating prompt (paper Table 1)', () => {
  const p = ratingPrompt('How do I boil an egg?', 'Put it in boiling water for 8 minutes.');
  it('keeps the original wording, typos and curly apostrophes', () => {
    expect(p.startsWith('Below is an instruction from an user and a candidate answer.')).toBe(true);
    expect(p).toContain(
      'It provide a complete, clear, and comprehensive response to user’s question',
    );
    expect(p).toContain('from another person’s perspective');
    expect(p).toContain('then write "Score: <rating>" in the last line.');
    // Five scale lines, each starting with its digit.
    for (const d of [1, 2, 3, 4, 5]) expect(p).toMatch(new RegExp(`\\n${d}: It means`));
  });
  it('ends with the instruction then the output, one per line', () => {
    expect(p.endsWith('\n\nHow do I boil an egg?\nPut it in boiling water for 8 minutes.')).toBe(
      true,
    );
  });
  it('backtranslation prompt wraps the passage', () => {
    const b = backtranslationPrompt('PASSAGE');
    expect(b).toContain(
      'Write the most likely question to which the text below would be a great answer.\n\nPASSAGE\n\n',
    );
    expect(b.endsWith('Answer in the style of an AI Assistant.')).toBe(true);
  });
});

describe('parseScore', () => {
  it('takes the last "Score: n" line', () => {
    const r = parseScore('The answer is fine. An earlier Score: 2 was wrong.\nScore: 4');
    expect(r).toEqual({
      ok: true,
      score: 4,
      reasoning: 'The answer is fine. An earlier Score: 2 was wrong.',
    });
  });
  it('accepts markdown emphasis and spacing', () => {
    expect(parseScore('reasoning\n**Score:** 5')).toMatchObject({ ok: true, score: 5 });
    expect(parseScore('score = 3')).toMatchObject({ ok: true, score: 3 });
  });
  it('rejects out-of-range and fractional ratings, and missing scores', () => {
    expect(parseScore('Score: 10')).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(parseScore('Score: 0')).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(parseScore('Score: 4.5')).toMatchObject({ ok: false, reason: 'out-of-range' });
    expect(parseScore('I would rate it highly.')).toMatchObject({ ok: false, reason: 'no-score' });
  });
});

describe('expectedScore', () => {
  it('renormalises over the five digits', () => {
    const lp = [1, 1, 1, 1, 1].map(() => Math.log(0.1)); // 0.5 mass elsewhere
    const r = expectedScore(lp);
    expect(r.expected).toBeCloseTo(3, 10);
    expect(r.probs.reduce((a, b) => a + b)).toBeCloseTo(1, 10);
  });
  it('finds the argmax and the mean', () => {
    const r = expectedScore([0.05, 0.05, 0.1, 0.3, 0.5].map(Math.log));
    expect(r.argmax).toBe(5);
    expect(r.expected).toBeCloseTo(0.05 + 0.1 + 0.3 + 1.2 + 2.5, 10);
  });
  it('rejects a wrong number of entries', () => {
    expect(() => expectedScore([0, 0])).toThrow(/5 log-probabilities/);
  });
});

describe('selection', () => {
  const cands = [
    { id: 'a', score: 5 },
    { id: 'b', score: 4 },
    { id: 'c', score: 3, override: 'keep' as const },
    { id: 'd', score: 5, override: 'drop' as const },
    { id: 'e', score: null },
  ];
  it('keeps score >= k, with overrides winning', () => {
    expect(selectAtLeast(cands, 5).map((c) => c.id)).toEqual(['a', 'c']);
    expect(selectAtLeast(cands, 4).map((c) => c.id)).toEqual(['a', 'b', 'c']);
    expect(isSelected({ score: null }, 1)).toBe(false);
  });
  it('histograms ratings', () => {
    expect(scoreHistogram(cands)).toEqual({ counts: [0, 0, 1, 1, 2], unscored: 1 });
  });
});

describe('tagging (§2.3)', () => {
  it('uses S_a for seed and S_w for augmented data, both at inference', () => {
    expect(tagFor('seed')).toBe(SEED_TAG);
    expect(tagFor('augmented')).toBe(WEB_TAG);
    expect(INFERENCE_TAGS).toBe(
      'Answer in the style of an AI Assistant. Answer with knowledge from web search.',
    );
    expect(taggedMessages('Q', 'A', WEB_TAG)).toEqual([
      { role: 'system', content: WEB_TAG },
      { role: 'user', content: 'Q' },
      { role: 'assistant', content: 'A' },
    ]);
    expect(taggedMessages('Q', null, SEED_TAG)).toHaveLength(2);
  });
});

describe('lengthStats', () => {
  it('computes population mean and sd', () => {
    const s = lengthStats(['aa', 'aaaa', 'aaaaaa']);
    expect(s).toMatchObject({ count: 3, mean: 4, min: 2, max: 6 });
    expect(s.sd).toBeCloseTo(Math.sqrt(8 / 3), 10);
    expect(lengthStats([])).toEqual({ count: 0, mean: 0, sd: 0, min: 0, max: 0 });
  });
});
