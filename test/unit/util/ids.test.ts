import { describe, expect, it } from 'vitest';
import { idTime, newId } from '../../../src/lib/util/ids';

describe('newId', () => {
  it('is UUID-shaped (version 7) and unique', () => {
    const ids = Array.from({ length: 2000 }, () => newId());
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 20)) {
      expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  it('draws distinct random parts with the variant bits across refills of its random pool', () => {
    // 1,200 ids take 9,600 random bytes: the 4 KB pool is refilled twice on the way.
    const ids = Array.from({ length: 1200 }, () => newId(1_600_000_000_000));
    const randomParts = ids.map((id) => id.slice(19));
    expect(new Set(randomParts).size).toBe(ids.length);
    for (const part of randomParts) expect(part).toMatch(/^[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('sorts in creation order, also within one millisecond', () => {
    const ids = Array.from({ length: 500 }, () => newId(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    const later = newId(1_700_000_000_001 + 5000);
    expect(later > ids[ids.length - 1]).toBe(true);
  });

  it('encodes its creation time', () => {
    const now = Date.now() + 10_000_000; // later than any id made so far in this file
    expect(idTime(newId(now))).toBe(now);
  });
});
