// Pairwise judge prompt and verdict parsing (issue 12 item 2) on messy judge outputs.
import { describe, expect, it } from 'vitest';
import { judgePrompt, parseVerdict, toModelVerdict } from '../../../src/lib/method';

describe('judge prompt', () => {
  it('shows the request and both answers by position and asks for a verdict line', () => {
    const p = judgePrompt('Why is the sky blue?', 'Rayleigh scattering.', 'Because.');
    expect(p).toContain('[Request]\nWhy is the sky blue?');
    expect(p.indexOf('[Answer 1]\nRayleigh scattering.')).toBeLessThan(
      p.indexOf('[Answer 2]\nBecause.'),
    );
    expect(p).toMatch(/"Verdict: 1".*"Verdict: 2".*"Verdict: tie"/s);
    // Swapping the answers swaps only their positions.
    const q = judgePrompt('Why is the sky blue?', 'Because.', 'Rayleigh scattering.');
    expect(q.indexOf('[Answer 1]\nBecause.')).toBeGreaterThan(0);
  });
});

const read: [string, 'first' | 'second' | 'tie'][] = [
  ['Answer 1 is more complete.\nVerdict: 1', 'first'],
  ['Verdict: 2', 'second'],
  ['Both are fine.\nVerdict: tie', 'tie'],
  ['**Verdict:** 1', 'first'],
  ['**Verdict: 2**', 'second'],
  ['Verdict: Answer 1', 'first'],
  ['Verdict: answer 2.', 'second'],
  ['Verdict: [[1]]', 'first'],
  ['Verdict: "2"', 'second'],
  ['Verdict: (1)', 'first'],
  ['Final verdict: Tie', 'tie'],
  ['Verdict = 2', 'second'],
  ['VERDICT: 1', 'first'],
  ['Verdict: a tie', 'tie'],
  ['Verdict: Both are equally good.', 'tie'],
  ['Verdict: neither', 'tie'],
  ['Verdict: The first answer', 'first'],
  ['Verdict: second', 'second'],
  ['Verdict: Response 2', 'second'],
  ['Verdict: A', 'first'],
  ['Verdict: B', 'second'],
  // The last statement counts (a judge that changes its mind).
  ['Verdict: 1\nOn reflection the second is more accurate.\nVerdict: 2', 'second'],
  ['Verdict: 2 or 2', 'second'],
  // No "Verdict:" line: the unambiguous strays.
  ['Answer 2 is better because it gives steps.', 'second'],
  ['Overall, answer 1 is clearly better.', 'first'],
  ['The second response is more helpful.', 'second'],
  ['I prefer Answer 1.', 'first'],
  ['[[2]]', 'second'],
  ['[[tie]]', 'tie'],
  ['Both answers are equally helpful here.', 'tie'],
  ['### Verdict:\n1', 'first'],
];

const failed: [string, string, ('stop' | 'length')?][] = [
  ['Both answers have merits.', 'no-verdict'],
  ['', 'no-verdict'],
  ['Answer 1 covers more ground but Answer 2 is', 'truncated', 'length'],
  ['Verdict: 1 or 2', 'several'],
  ['Verdict: Answer 1 and Answer 2', 'several'],
  ['Verdict: 3', 'unknown-label'],
  ['Verdict: C', 'unknown-label'],
  ['Verdict: 1\nWait.\nVerdict: unclear', 'unknown-label'],
];

describe('verdict parsing', () => {
  it.each(read)('reads %j', (raw, verdict) => {
    const r = parseVerdict(raw);
    expect(r.ok && r.verdict).toBe(verdict);
  });
  it.each(failed)('fails %j with a reason', (raw, reason, finish) => {
    const r = parseVerdict(raw, finish);
    expect(r.ok).toBe(false);
    expect(!r.ok && r.reason).toBe(reason);
  });
  it('keeps the reasoning before the verdict', () => {
    const r = parseVerdict('Answer 2 lists the steps.\n\n**Verdict:** 2');
    expect(r).toEqual({ ok: true, verdict: 'second', reasoning: 'Answer 2 lists the steps.' });
  });
  it('has at least 30 messy outputs under test', () => {
    expect(read.length + failed.length).toBeGreaterThanOrEqual(30);
  });
  it('maps positions back to the models in each order', () => {
    expect(toModelVerdict('first', true)).toBe('a');
    expect(toModelVerdict('first', false)).toBe('b');
    expect(toModelVerdict('second', false)).toBe('a');
    expect(toModelVerdict('tie', false)).toBe('tie');
  });
});
