import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/lib/engines/generation/rng';
import { argmax, logSoftmax, sampleToken } from '../../../src/lib/engines/generation/sampler';
import { StopMatcher } from '../../../src/lib/engines/generation/stop-strings';

describe('sampleToken', () => {
  const logits = Float32Array.from([0.1, 3, 2.5, -1, 0]);
  it('is greedy at temperature 0', () => {
    expect(sampleToken(logits, { temperature: 0 }, mulberry32(1))).toBe(1);
    expect(argmax([1, 5, 5])).toBe(1);
  });
  it('top-k 1 is greedy whatever the temperature', () => {
    for (let s = 0; s < 20; s++)
      expect(sampleToken(logits, { temperature: 5, topK: 1 }, mulberry32(s))).toBe(1);
  });
  it('top-k 2 only ever yields the two best ids', () => {
    const seen = new Set<number>();
    for (let s = 0; s < 200; s++)
      seen.add(sampleToken(logits, { temperature: 1, topK: 2 }, mulberry32(s)));
    expect([...seen].sort()).toEqual([1, 2]);
  });
  it('top-p keeps the smallest nucleus', () => {
    // p(1) ≈ 0.53, p(2) ≈ 0.32 at T=1: top_p 0.5 keeps only id 1; 0.8 keeps ids 1 and 2.
    for (let s = 0; s < 50; s++)
      expect(sampleToken(logits, { temperature: 1, topP: 0.5 }, mulberry32(s))).toBe(1);
    const seen = new Set<number>();
    for (let s = 0; s < 300; s++)
      seen.add(sampleToken(logits, { temperature: 1, topP: 0.8 }, mulberry32(s)));
    expect([...seen].sort()).toEqual([1, 2]);
  });
  it('matches the softmax distribution and is reproducible per seed', () => {
    const rng = mulberry32(42);
    const counts = new Array(5).fill(0);
    const n = 20000;
    for (let i = 0; i < n; i++) counts[sampleToken(logits, { temperature: 1 }, rng)]++;
    const p = Array.from(logSoftmax(logits), Math.exp);
    for (let i = 0; i < 5; i++) expect(Math.abs(counts[i] / n - p[i])).toBeLessThan(0.015);
    const a = Array.from({ length: 10 }, (_, i) =>
      sampleToken(logits, { temperature: 1 }, mulberry32(i)),
    );
    const b = Array.from({ length: 10 }, (_, i) =>
      sampleToken(logits, { temperature: 1 }, mulberry32(i)),
    );
    expect(a).toEqual(b);
  });
});

/** The textbook nucleus sampler: sort every id, cut at top_p, draw. */
function fullSortNucleus(logits: Float32Array, T: number, topP: number, u: number): number {
  const ids = Array.from({ length: logits.length }, (_, i) => i);
  ids.sort((a, b) => logits[b] - logits[a] || a - b);
  const w = ids.map((i) => Math.exp((logits[i] - logits[ids[0]]) / T));
  const sum = w.reduce((a, b) => a + b, 0);
  let cut = ids.length;
  for (let i = 0, acc = 0; i < ids.length; i++) {
    acc += w[i] / sum;
    if (acc >= topP) {
      cut = i + 1;
      break;
    }
  }
  let r = u * w.slice(0, cut).reduce((a, b) => a + b, 0);
  for (let i = 0; i < cut; i++) if ((r -= w[i]) <= 0) return ids[i];
  return ids[cut - 1];
}

describe('sampleToken, nucleus over a large vocabulary', () => {
  // 32,000 ids like Llama's: a peaked row (a trained model) and a flat one (a random model).
  const V = 32000;
  const rows = [3, 0.2].map((scale) => {
    const rng = mulberry32(7);
    return Float32Array.from({ length: V }, () => {
      const g = Math.sqrt(-2 * Math.log(rng() + 1e-12)) * Math.cos(2 * Math.PI * rng());
      return g * scale;
    });
  });
  it('draws the same ids as sorting the whole vocabulary (T = 0.7, p = 0.9)', () => {
    for (const row of rows) {
      for (let seed = 0; seed < 40; seed++) {
        const u = mulberry32(seed)();
        const got = sampleToken(row, { temperature: 0.7, topP: 0.9 }, mulberry32(seed));
        expect(got).toBe(fullSortNucleus(row, 0.7, 0.9, u));
      }
    }
  });
});

describe('StopMatcher', () => {
  it('holds back a partial stop string and stops on the whole one', () => {
    const m = new StopMatcher(['</s>', '\nUser:']);
    expect(m.push('Hello')).toBe('Hello');
    expect(m.push(' world\nUs')).toBe(' world');
    expect(m.push('er: hi')).toBe('');
    expect(m.stopped).toBe(true);
    expect(m.output).toBe('Hello world');
  });
  it('releases held text when it diverges, and on flush', () => {
    const m = new StopMatcher(['STOP']);
    expect(m.push('a ST')).toBe('a ');
    expect(m.push('AR')).toBe('STAR');
    expect(m.push(' S')).toBe(' ');
    expect(m.flush()).toBe('S');
    expect(m.output).toBe('a STAR S');
    expect(m.stopped).toBe(false);
  });
});
