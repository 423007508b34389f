// Pairwise summaries (issue 12 item 2) against hand-computed cases, and prompt-set import.
import { describe, expect, it } from 'vitest';
import {
  STARTER_PROMPTS,
  answerScore,
  judgmentOf,
  parsePromptSet,
  parseVerdict,
  summarizePairwise,
} from '../../../src/lib/method';
import type { EvalAnswer, PairwiseVerdict } from '../../../src/lib/domain';
import { InputError } from '../../../src/lib/protocol/errors';

type Row = Pick<EvalAnswer, 'answerA' | 'answerB' | 'category' | 'score' | 'aFirst' | 'bFirst'>;

function row(
  aFirst: PairwiseVerdict | null,
  bFirst: PairwiseVerdict | null,
  lenA: number,
  lenB: number,
  category?: string,
): Row {
  const j = (v: PairwiseVerdict | null) =>
    v
      ? { verdict: v, rawOutput: '' }
      : { verdict: null, failure: 'no-verdict' as const, rawOutput: '' };
  return {
    answerA: 'a'.repeat(lenA),
    answerB: 'b'.repeat(lenB),
    ...(category ? { category } : {}),
    aFirst: j(aFirst),
    bFirst: j(bFirst),
    score: answerScore(aFirst, bFirst),
  };
}

describe('pairwise summary', () => {
  it('scores both orders, ties as half, and leaves half-read prompts out', () => {
    const s = summarizePairwise([
      row('a', 'a', 10, 10, 'x'), // 1
      row('a', 'b', 10, 10, 'x'), // 0.5 (position bias cancels)
      row('tie', 'b', 10, 10, 'y'), // 0.25
      row('b', 'b', 10, 10, 'y'), // 0
      row('a', null, 10, 10, 'y'), // unjudged
    ]);
    // Scores 1, .5, .25, 0: mean .4375; sample variance (.31640625+.00390625+.03515625+.19140625)/3.
    expect(s).toMatchObject({ n: 4, wins: 1, ties: 1, losses: 2, rate: 0.4375, unjudged: 1 });
    expect(s.se).toBeCloseTo(Math.sqrt(0.546875 / 3 / 4), 12);
    expect(s.failures).toEqual({ 'no-verdict': 1 });
    expect(s.byCategory).toEqual([
      expect.objectContaining({ category: 'x', n: 2, rate: 0.75 }),
      expect.objectContaining({ category: 'y', n: 2, rate: 0.125 }),
    ]);
  });

  it('reports mean lengths over judged prompts and a length-controlled rate', () => {
    // A is longer on three prompts and wins 3 of 4 orders there; shorter on one and wins 1 of 4:
    // raw rate (3 * .75 + .25) / 4 = .625. The length term explains all of it: at equal
    // lengths (log ratio 0, midway between ±log 2) the fit gives sigmoid(0) = 0.5.
    const rows = [
      row('a', 'tie', 20, 10), // .75
      row('tie', 'a', 20, 10), // .75
      row('a', 'tie', 20, 10), // .75
      row('b', 'tie', 10, 20), // .25
      row(null, null, 1000, 1), // left out everywhere
    ];
    const s = summarizePairwise(rows);
    expect(s.rate).toBeCloseTo(0.625, 12);
    expect(s.meanLength).toEqual({ model: 17.5, baseline: 12.5 });
    expect(s.lengthControlled!.rate).toBeCloseTo(0.5, 2);
    // Slope: logit(.75) / log 2 = log 3 / log 2.
    expect(s.lengthControlled!.lengthCoefficient).toBeCloseTo(Math.log(3) / Math.log(2), 1);
    expect(s.unjudged).toBe(1);
  });

  it('gives no length-controlled figure from fewer than three prompts', () => {
    expect(summarizePairwise([row('a', 'a', 5, 1)]).lengthControlled).toBeUndefined();
  });

  it('records a judgment in terms of the models for each order', () => {
    expect(judgmentOf(parseVerdict('Verdict: 1'), false, 'Verdict: 1')).toMatchObject({
      verdict: 'b',
    });
    expect(judgmentOf(parseVerdict('hm'), true, 'hm')).toMatchObject({
      verdict: null,
      failure: 'no-verdict',
    });
  });
});

describe('prompt sets', () => {
  it('reads JSONL, JSON and TXT with optional categories', () => {
    expect(
      parsePromptSet('p.jsonl', '{"prompt":"One?","category":"info"}\n\n{"instruction":"Two"}\n'),
    ).toEqual([{ text: 'One?', category: 'info' }, { text: 'Two' }]);
    expect(parsePromptSet('p.json', '["A", {"text": "B", "dataset": "vicuna"}]')).toEqual([
      { text: 'A' },
      { text: 'B', category: 'vicuna' },
    ]);
    expect(parsePromptSet('p.json', '{"prompts":[{"question":"Q"}]}')).toEqual([{ text: 'Q' }]);
    expect(parsePromptSet('p.txt', '\uFEFFfirst\r\n\r\n  second  \n')).toEqual([
      { text: 'first' },
      { text: 'second' },
    ]);
  });

  it('names file, line or record and field in its errors', () => {
    const err = (file: string, text: string) => {
      try {
        parsePromptSet(file, text);
      } catch (e) {
        return e as InputError;
      }
      throw new Error('no error');
    };
    expect(err('p.jsonl', '{"prompt":"ok"}\n{"prompt": 3}')).toMatchObject({
      file: 'p.jsonl',
      line: 2,
      field: 'prompt',
    });
    expect(err('p.jsonl', '{"prompt":"ok"}\n{oops')).toMatchObject({ line: 2 });
    expect(err('p.jsonl', '{"title":"x"}')).toMatchObject({ line: 1, field: 'prompt' });
    expect(err('p.json', '[{"prompt":"a","category":5}]')).toMatchObject({
      record: 1,
      field: 'category',
    });
    expect(err('p.json', '{"a":1}').message).toMatch(/array of prompts/);
    expect(err('p.txt', '\n \n').message).toMatch(/no prompts/);
    expect(err('p.jsonl', '{"prompt":"   "}')).toMatchObject({ line: 1 });
  });

  it('embeds about 40 original prompts over the six kinds of request', () => {
    expect(STARTER_PROMPTS.length).toBeGreaterThanOrEqual(40);
    const kinds = new Set(STARTER_PROMPTS.map((p) => p.category));
    expect([...kinds].sort()).toEqual(
      ['advice', 'how-to', 'information', 'reasoning', 'recipes', 'writing'].sort(),
    );
    expect(new Set(STARTER_PROMPTS.map((p) => p.text)).size).toBe(STARTER_PROMPTS.length);
  });
});
