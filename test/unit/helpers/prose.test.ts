// The shared prose generator (test/helpers/prose.ts) that the unit, e2e and bench corpus
// fixtures build on: deterministic per seed, distinct across seeds, and the text the ingest
// segment filters keep (method.md §2: 600–3,000 characters, not repetitive) — the fixtures
// count on every generated section being a kept segment.
import { describe, expect, it } from 'vitest';
import { classifySegment } from '../../../src/lib/corpus/segment';
import { defaultSegmentOptions } from '../../../src/lib/corpus/types';
import { prose, TextPool } from '../../helpers/prose';

describe('prose', () => {
  it('is deterministic per seed and differs between seeds', () => {
    expect(prose(7, 800)).toBe(prose(7, 800));
    expect(prose(7, 800)).not.toBe(prose(8, 800));
    expect(prose(7, 800).length).toBeGreaterThanOrEqual(800);
  });

  it('gives sections the segment filters keep', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const text = prose(seed, 1200);
      expect(classifySegment(['Topic'], text, defaultSegmentOptions, true), `seed ${seed}`).toBe(
        undefined,
      );
    }
  });

  it('TextPool is deterministic per seed', () => {
    const a = new TextPool(3, 500);
    const b = new TextPool(3, 500);
    const text = a.paragraph(2000);
    expect(b.paragraph(2000)).toBe(text);
    expect(text.length).toBeGreaterThanOrEqual(2000);
    expect(a.title().split(' ').length).toBeLessThanOrEqual(5);
  });
});
