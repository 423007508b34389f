import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LORA_SCHEDULE,
  getLr,
  PAPER_FULL_FINETUNE,
  type LrSchedule,
} from '../../../src/lib/train/schedule';

describe('getLr', () => {
  it('paper schedule (method.md §6): 1e-5 decaying linearly to 9e-6 at the end', () => {
    const s: LrSchedule = { ...PAPER_FULL_FINETUNE, decayEnd: 99 };
    expect(getLr(0, s)).toBeCloseTo(1e-5, 15);
    expect(getLr(49.5, s)).toBeCloseTo(9.5e-6, 15);
    expect(getLr(99, s)).toBeCloseTo(9e-6, 15);
    expect(getLr(500, s)).toBe(9e-6);
    for (let i = 1; i < 100; i++) expect(getLr(i, s)).toBeLessThan(getLr(i - 1, s));
  });

  it('LoRA default: warmup ramps to the peak, cosine reaches the floor at decayEnd', () => {
    const s: LrSchedule = { ...DEFAULT_LORA_SCHEDULE, warmupSteps: 10, decayEnd: 110 };
    expect(getLr(0, s)).toBeCloseTo(2e-4 / 11, 12);
    expect(getLr(9, s)).toBeCloseTo((2e-4 * 10) / 11, 12);
    expect(getLr(10, s)).toBeCloseTo(2e-4, 12);
    // halfway through the decay, cosine is at the midpoint of peak and floor
    expect(getLr(60, s)).toBeCloseTo((2e-4 + 2e-5) / 2, 12);
    expect(getLr(110, s)).toBeCloseTo(2e-5, 12);
    expect(getLr(1000, s)).toBe(2e-5);
  });

  it('linear and constant shapes', () => {
    const lin: LrSchedule = { peakLr: 1, minLr: 0, warmupSteps: 0, decayEnd: 4, shape: 'linear' };
    expect([0, 1, 2, 3, 4].map((i) => getLr(i, lin))).toEqual([1, 0.75, 0.5, 0.25, 0]);
    expect(getLr(7, { ...lin, shape: 'constant' })).toBe(1);
  });
});
