// Which pairs an export takes (issue 11 item 5): by k on one iteration's rating, by the fast
// mode's expected score, overrides first, edits applied; seed pairs kept unless rejected.
import { describe, expect, it } from 'vitest';
import {
  decidingRating,
  isExported,
  selectRows,
  toRow,
} from '../../../../src/lib/method/export/select';
import type { ExportPair } from '../../../../src/lib/method/export/types';

const aug = (id: string, ratings: ExportPair['ratings'], extra: Partial<ExportPair> = {}) =>
  ({ instruction: id, output: `out ${id}`, origin: 'augmented', ratings, ...extra }) as ExportPair;

const PAIRS: ExportPair[] = [
  { instruction: 'seed', output: 'seed out', origin: 'seed', provenance: { source: 'seed.jsonl' } },
  aug('a', [
    { rater: 'M0', iteration: 1, score: 5, expected: 4.8 },
    { rater: 'M1', iteration: 2, score: 3, expected: 3.1 },
  ]),
  aug('b', [
    { rater: 'M0', iteration: 1, score: 4, expected: 4.2 },
    { rater: 'M1', iteration: 2, score: 5, expected: 4.6 },
  ]),
  aug('c', [{ rater: 'M0', iteration: 1, score: null, expected: 2 }]),
  aug('d', [{ rater: 'M0', iteration: 1, score: 1, expected: 1.2 }], {
    override: { verdict: 'accept', output: 'fixed by a person' },
  }),
  aug('e', [{ rater: 'M0', iteration: 1, score: 5, expected: 4.9 }], {
    override: { verdict: 'reject' },
  }),
  aug('f', undefined),
];

const ids = (sel: Parameters<typeof isExported>[1]) =>
  PAIRS.filter((p) => isExported(p, sel)).map((p) => p.instruction);

describe('export selection', () => {
  it('k on the latest rating by default, on a chosen iteration when asked', () => {
    // Latest: a=3, b=5, c=null, d accepted, e rejected, f unrated.
    expect(ids({ rule: { by: 'score', k: 5 } })).toEqual(['seed', 'b', 'd']);
    expect(ids({ rule: { by: 'score', k: 3 } })).toEqual(['seed', 'a', 'b', 'd']);
    expect(ids({ rule: { by: 'score', k: 5 }, iteration: 1 })).toEqual(['seed', 'a', 'd']);
    expect(ids({ rule: { by: 'score', k: 4 }, rater: 'M0' })).toEqual(['seed', 'a', 'b', 'd']);
  });

  it('fast mode by expected score; all; and by origin', () => {
    expect(ids({ rule: { by: 'expected', atLeast: 4.5 } })).toEqual(['seed', 'b', 'd']);
    expect(ids({ rule: { by: 'expected', atLeast: 4.5 }, iteration: 1 })).toEqual([
      'seed',
      'a',
      'd',
    ]);
    expect(ids({ rule: { by: 'all' } })).toEqual(['seed', 'a', 'b', 'c', 'd', 'f']);
    expect(ids({ rule: { by: 'all' }, origins: ['augmented'] })).toEqual(['a', 'b', 'c', 'd', 'f']);
    expect(ids({ rule: { by: 'all' }, origins: ['seed'] })).toEqual(['seed']);
  });

  it('a rejected seed pair is left out', () => {
    const seed: ExportPair = { ...PAIRS[0], override: { verdict: 'reject' } };
    expect(isExported(seed, { rule: { by: 'all' } })).toBe(false);
  });

  it('rows carry the edit, the verdict and the deciding rating', async () => {
    expect(decidingRating(PAIRS[1], {})?.iteration).toBe(2);
    expect(decidingRating(PAIRS[1], { iteration: 3 })).toBeUndefined();
    expect(toRow(PAIRS[4])).toEqual({
      instruction: 'd',
      output: 'fixed by a person',
      origin: 'augmented',
      rater: 'M0',
      iteration: 1,
      score: 1,
      expected: 1.2,
      verdict: 'accept',
      edited: true,
    });
    expect(toRow(PAIRS[0])).toEqual({
      instruction: 'seed',
      output: 'seed out',
      origin: 'seed',
      source: 'seed.jsonl',
    });
    const rows = [];
    for await (const r of selectRows(PAIRS, { rule: { by: 'score', k: 5 }, iteration: 1 }))
      rows.push(r);
    expect(rows.map((r) => [r.instruction, r.score])).toEqual([
      ['seed', undefined],
      ['a', 5],
      ['d', 1],
    ]);
  });
});
