// The rating parser on messy rater outputs: the shapes small models actually write (method.md
// §9.1 and §9.3 report 12–67 % parse failures), each with the rating or failure it must give.
import { describe, expect, it } from 'vitest';
import { parseScore, scoreFailures, type ScoreFailure } from '../../../src/lib/method';

const REASONING =
  'The answer explains how often to clean a chain and how to do it, but it reads like a blog post.';

/** [output, expected rating or failure reason] */
const CASES: [string, number | ScoreFailure][] = [
  // The paper's format and its small variations.
  [`${REASONING}\nScore: 3`, 3],
  [`${REASONING}\n\nScore: 4`, 4],
  [`${REASONING}\nScore:5`, 5],
  [`${REASONING}\nscore: 2`, 2],
  [`${REASONING}\nSCORE: 1`, 1],
  [`${REASONING}\nScore = 4`, 4],
  [`${REASONING}\nScore : 4`, 4],
  [`${REASONING}\nScore: 4.`, 4],
  [`${REASONING}\nScore: 4.0`, 4],
  [`${REASONING}\nFinal score: 5`, 5],
  [`${REASONING}\nOverall Score: 3`, 3],
  // Markdown and brackets.
  [`${REASONING}\n**Score:** 4`, 4],
  [`${REASONING}\n**Score: 4**`, 4],
  [`${REASONING}\nScore: **5**`, 5],
  [`${REASONING}\n__Score:__ 2`, 2],
  [`${REASONING}\nScore: [4]`, 4],
  [`${REASONING}\nScore: (3)`, 3],
  [`${REASONING}\nScore: "5"`, 5],
  [`${REASONING}\n### Score: 4`, 4],
  // The scale written out.
  [`${REASONING}\nScore: 4/5`, 4],
  [`${REASONING}\nScore: 5 / 5`, 5],
  [`${REASONING}\nScore: 3 out of 5`, 3],
  [`${REASONING}\nScore: four`, 4],
  // Several statements: the last one counts (method.md §12).
  [`At first glance Score: 2 seems right, but on reflection\nScore: 4`, 4],
  [`Score: 5\nActually the answer misses the question.\nScore: 2`, 2],
  [`Score: 3\n\nScore: 3`, 3],
  // Not the paper's words, but unambiguous ratings.
  [`${REASONING}\nRating: 4`, 4],
  [`${REASONING} I would give it a score of 3.`, 3],
  [`${REASONING} I would rate this answer a 2.`, 2],
  [`${REASONING}\nRating: 5/5`, 5],
  // Ambiguous final statements.
  [`${REASONING}\nScore: 3-4`, 'several'],
  [`${REASONING}\nScore: 3 – 4`, 'several'],
  [`${REASONING}\nScore: 4 or 5`, 'several'],
  [`${REASONING}\nScore: 2 to 3`, 'several'],
  [`${REASONING}\nScore: 4, 5`, 'several'],
  // Off the scale.
  [`${REASONING}\nScore: 0`, 'out-of-range'],
  [`${REASONING}\nScore: 6`, 'out-of-range'],
  [`${REASONING}\nScore: 10`, 'out-of-range'],
  [`${REASONING}\nScore: 4.5`, 'out-of-range'],
  [`${REASONING}\nScore: 8/10`, 'out-of-range'],
  [`${REASONING}\nScore: -1`, 'no-score'],
  // No rating at all.
  [REASONING, 'no-score'],
  ['', 'no-score'],
  [`${REASONING}\nScore: <rating>`, 'no-score'],
  [`${REASONING}\nI think this deserves a high score.`, 'no-score'],
  ['The answer is good. 5', 'no-score'],
  [`${REASONING}\nScore:`, 'no-score'],
];

describe('parseScore on messy rater outputs', () => {
  it('has a corpus of at least 40 outputs covering every failure reason', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(40);
    const reasons = new Set(CASES.map(([, want]) => want).filter((w) => typeof w === 'string'));
    // 'truncated' needs the finish reason and is covered below.
    for (const r of scoreFailures.filter((f) => f !== 'truncated')) expect(reasons).toContain(r);
  });

  it.each(CASES)('%j → %j', (raw, want) => {
    const r = parseScore(raw);
    if (typeof want === 'number') {
      expect(r).toMatchObject({ ok: true, score: want });
    } else {
      expect(r).toEqual({ ok: false, reason: want, raw });
    }
  });

  it('keeps the reasoning before the final statement', () => {
    const r = parseScore(`${REASONING}\n**Score:** 4`);
    expect(r).toEqual({ ok: true, score: 4, reasoning: REASONING });
    const plain = parseScore(`${REASONING}\nScore: 4`);
    expect(plain.ok && plain.reasoning).toBe(REASONING);
  });

  it('tells truncation from a missing score by the finish reason', () => {
    const cut = 'The answer covers cleaning but the reasoning goes on and on and';
    expect(parseScore(cut, 'length')).toMatchObject({ ok: false, reason: 'truncated' });
    expect(parseScore(cut, 'stop')).toMatchObject({ ok: false, reason: 'no-score' });
    // A score written before the cut still counts.
    expect(parseScore(`${REASONING}\nScore: 4`, 'length')).toMatchObject({ ok: true, score: 4 });
  });
});
