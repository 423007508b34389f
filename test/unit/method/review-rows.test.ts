// The Review screen's row model (issue 11 §1): rows from candidates, filters, sorts, word
// search (edited rows matched by their edited text), and the kept count, which must agree
// with method/selection.ts isCurated (what training and export select).
import { describe, expect, it } from 'vitest';
import type { Candidate, Rating } from '../../../src/lib/domain';
import { ReviewModel } from '../../../src/lib/method/review-model';
import {
  anyFilter,
  withEdit,
  type ReviewFilter,
  type ReviewSort,
} from '../../../src/lib/method/review-rows';
import { isCurated } from '../../../src/lib/method/selection';
import { makeCandidate, paperRating } from '../../helpers/candidate';

const fast = (iteration: number, distribution: number[], rater = 'm0'): Rating => ({
  rater,
  iteration,
  mode: 'fast',
  score: distribution.indexOf(Math.max(...distribution)) + 1,
  distribution,
  expected: distribution.reduce((a, p, i) => a + p * (i + 1), 0),
  ratedAt: 1,
});

const cand = (i: number, fields: Partial<Candidate> = {}): Candidate =>
  makeCandidate({
    id: `c${i}`,
    workspaceId: 'w',
    runId: 'r',
    segmentId: `s${i}`,
    instruction: `Instruction ${i}`,
    ...fields,
  });

function sampleCandidates(): Candidate[] {
  return [
    cand(0, { instruction: 'How do I bake bread?', ratings: [paperRating(1, 5)] }),
    cand(1, {
      instruction: 'Explain glaciers',
      output: 'Glaciers move slowly downhill.',
      ratings: [paperRating(1, 3), paperRating(1, 4), paperRating(2, 2, 'm1')],
    }),
    cand(2, { instruction: 'zzz', filterReason: 'too-short', ratings: [] }),
    cand(3, {
      instruction: 'Write about tea',
      ratings: [paperRating(1, null), fast(1, [0, 0, 0.1, 0.2, 0.7])],
      override: { verdict: 'reject', at: 5 },
    }),
    cand(4, {
      instruction: 'Name a river',
      output: 'The Danube.',
      ratings: [fast(1, [0.5, 0.5, 0, 0, 0])],
      override: { verdict: 'accept', output: 'The Rhine and the Danube.', at: 6 },
    }),
    // Unreviewed, fast-rated above every threshold used below.
    cand(5, { instruction: 'Sing', ratings: [fast(1, [0, 0, 0, 0.3, 0.7])] }),
  ];
}

function sample(): ReviewModel {
  const m = new ReviewModel();
  for (const c of sampleCandidates()) m.add(c);
  return m;
}

const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
const bySeq: ReviewSort = { key: 'seq', descending: false };
const f = (over: Partial<ReviewFilter>): ReviewFilter => ({ ...anyFilter(), ...over });

describe('review rows', () => {
  it('keeps the latest score per column, the raters, the verdict and the edited text', () => {
    const m = sample();
    expect(m.schema.columns).toEqual([
      { iteration: 1, mode: 'paper' },
      { iteration: 2, mode: 'paper' },
      { iteration: 1, mode: 'fast' },
    ]);
    expect(m.schema.raters).toEqual(['m0', 'm1']);
    const [r0, r1, r2, r3, r4] = m.rows;
    expect(r0.scores).toEqual([5]);
    expect(r1.scores).toEqual([4, 2]);
    expect(r1.raterBits).toBe(0b11);
    expect(r2.scores).toEqual([]);
    expect(r3.scores[0]).toBe(0); // unreadable paper score
    expect(r3.scores[2]).toBeCloseTo(4.6);
    expect(r3.verdict).toBe('reject');
    expect(r4.preview).toBe('The Rhine and the Danube.');
    expect(r4.edited).toBe(true);
    expect(m.changedCount()).toBe(2);
    expect(m.reasons()).toEqual(['too-short']);
  });

  it('filters by score range, rater, reason and verdict', () => {
    const m = sample();
    expect(ids(m.select(f({ column: 0, min: 4, max: 5 }), '', bySeq))).toEqual(['c0', 'c1']);
    expect(ids(m.select(f({ column: 0, min: 0, max: 0 }), '', bySeq))).toEqual(['c3']);
    expect(ids(m.select(f({ column: 2, min: 4.5, max: 5 }), '', bySeq))).toEqual(['c3', 'c5']);
    expect(ids(m.select(f({ rater: 1 }), '', bySeq))).toEqual(['c1']);
    expect(ids(m.select(f({ reason: 'usable' }), '', bySeq))).toEqual([
      'c0',
      'c1',
      'c3',
      'c4',
      'c5',
    ]);
    expect(ids(m.select(f({ reason: 'too-short' }), '', bySeq))).toEqual(['c2']);
    expect(ids(m.select(f({ verdict: 'none' }), '', bySeq))).toEqual(['c0', 'c1', 'c2', 'c5']);
    expect(ids(m.select(f({ verdict: 'accept' }), '', bySeq))).toEqual(['c4']);
    expect(ids(m.select(f({ verdict: 'edited' }), '', bySeq))).toEqual(['c4']);
    expect(ids(m.select(f({ verdict: 'changed' }), '', bySeq))).toEqual(['c3', 'c4']);
  });

  it('sorts by score (unrated last both ways), by text, with write order breaking ties', () => {
    const m = sample();
    const sorted = (key: ReviewSort['key'], descending: boolean) =>
      ids(m.select(anyFilter(), '', { key, descending }));
    expect(sorted('col:0', true)).toEqual(['c0', 'c1', 'c3', 'c2', 'c4', 'c5']);
    expect(sorted('col:0', false)).toEqual(['c3', 'c1', 'c0', 'c2', 'c4', 'c5']);
    expect(sorted('instruction', false)).toEqual(['c1', 'c0', 'c4', 'c5', 'c3', 'c2']);
    expect(sorted('seq', true)).toEqual(['c5', 'c4', 'c3', 'c2', 'c1', 'c0']);
    expect(sorted('verdict', false)).toEqual(['c4', 'c3', 'c0', 'c1', 'c2', 'c5']);
  });

  it('searches words by prefix over instruction and output, edited text instead of the model’s', () => {
    const m = sample();
    expect(ids(m.select(anyFilter(), 'BAKE bre', bySeq))).toEqual(['c0']);
    expect(ids(m.select(anyFilter(), 'downhill', bySeq))).toEqual(['c1']);
    expect(ids(m.select(anyFilter(), 'danube', bySeq))).toEqual(['c4']);
    expect(ids(m.select(anyFilter(), 'rhine', bySeq))).toEqual(['c4']);
    expect(ids(m.select(anyFilter(), 'bread glaciers', bySeq))).toEqual([]);
    expect(ids(m.select(f({ verdict: 'none' }), 'instruction', bySeq))).toEqual([]);
    expect(ids(m.select(anyFilter(), '  ', bySeq))).toHaveLength(6);
    // An edit that drops a word: the row no longer matches it; clearing restores the original.
    const c1 = cand(1, {
      instruction: 'Explain glaciers',
      output: 'Glaciers move slowly downhill.',
      ratings: [paperRating(1, 4)],
    });
    m.update({ ...c1, override: { output: 'Ice rivers.', at: 1 } });
    expect(ids(m.select(anyFilter(), 'downhill', bySeq))).toEqual([]);
    expect(ids(m.select(anyFilter(), 'ice glac', bySeq))).toEqual(['c1']);
    m.update(c1);
    expect(ids(m.select(anyFilter(), 'downhill', bySeq))).toEqual(['c1']);
  });

  it('a sort order computed once follows later edits and verdicts', () => {
    const m = sample();
    const byText: ReviewSort = { key: 'instruction', descending: false };
    const byVerdict: ReviewSort = { key: 'verdict', descending: false };
    expect(ids(m.select(anyFilter(), '', byText))[0]).toBe('c1');
    expect(ids(m.select(f({ verdict: 'none' }), '', byVerdict))).toEqual(['c0', 'c1', 'c2', 'c5']);
    const [c0, , , , , c5] = sampleCandidates();
    m.update({ ...c5, override: { instruction: 'Aardvarks', at: 1 } });
    m.update({ ...c0, override: { verdict: 'accept', at: 1 } });
    expect(ids(m.select(anyFilter(), '', byText))[0]).toBe('c5');
    // Accepted (edited first), rejected, then the rest (edited first), each in write order.
    expect(ids(m.select(anyFilter(), '', byVerdict))).toEqual(['c4', 'c0', 'c3', 'c5', 'c1', 'c2']);
    expect(ids(m.select(f({ reason: 'usable' }), '', byText))).toEqual([
      'c5',
      'c1',
      'c0',
      'c4',
      'c3',
    ]);
  });

  it('counts kept pairs exactly as isCurated selects them, overrides included', () => {
    const m = sample();
    const all = sampleCandidates();
    for (const [column, col] of m.schema.columns.entries())
      for (const rule of [
        { k: 5, fast: { by: 'expected' as const, atLeast: 4.5 } },
        { k: 4, fast: { by: 'p5' as const, atLeast: 0.6 } },
        { k: 2, fast: { by: 'expected' as const, atLeast: 1.5 } },
      ]) {
        const expected = all.filter((c) =>
          isCurated(c, { iteration: col.iteration, mode: col.mode, k: rule.k, fast: rule.fast }),
        ).length;
        expect(m.kept(column, rule), `${column} ${JSON.stringify(rule)}`).toBe(expected);
      }
  });

  it('an edit equal to the model text is no edit; nothing left means no override', () => {
    const c = cand(7, { output: 'Out.' });
    expect(withEdit(c, { instruction: c.instruction, output: 'Out.' }, 9)).toBeUndefined();
    expect(withEdit(c, { instruction: 'New?', output: 'Out.' }, 9)).toEqual({
      instruction: 'New?',
      at: 9,
    });
    const rejected = { ...c, override: { verdict: 'reject' as const, output: 'X', at: 1 } };
    expect(withEdit(rejected, { instruction: c.instruction, output: 'Out.' }, 9)).toEqual({
      verdict: 'reject',
      at: 9,
    });
  });
});
