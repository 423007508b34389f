import { describe, expect, it } from 'vitest';
import { keepRates, statsTable } from '../../../src/lib/method';

const pair = (i: number, o: number, score: number | null, override?: 'keep' | 'drop') => ({
  instruction: 'q'.repeat(i),
  output: 'a'.repeat(o),
  score,
  override,
});

describe('statsTable (paper v1 Table 2 for a run)', () => {
  const seed = [pair(100, 1000, null), pair(200, 1200, null)];
  const candidates = [
    pair(50, 600, 5),
    pair(150, 900, 4),
    pair(250, 1500, 3, 'keep'),
    pair(350, 2000, 5, 'drop'),
    pair(450, 2500, null),
  ];
  const rows = statsTable(seed, candidates);
  it('has the paper rows in order with the user counts', () => {
    expect(rows.map((r) => [r.id, r.count])).toEqual([
      ['seed', 2],
      ['a5', 2], // the 5, and the user-kept 3; the dropped 5 is out
      ['a4', 3],
      ['all', 5],
    ]);
  });
  it('computes character lengths, mean ± sd', () => {
    expect(rows[0].instruction).toMatchObject({ mean: 150, sd: 50 });
    expect(rows[1].output).toMatchObject({ mean: 1050, sd: 450 });
    expect(rows[3].instruction.mean).toBe(250);
  });
  it('carries the paper values beside them (v1 Table 2, as printed in method.md §7)', () => {
    expect(rows[0].paper).toEqual({ count: 3200, instruction: [148, 322], output: [1072, 818] });
    expect(rows[1].paper).toEqual({ count: 41821, instruction: [115, 175], output: [1663, 616] });
    expect(rows[2].paper).toEqual({ count: 195043, instruction: [206, 298], output: [1985, 649] });
    expect(rows[3].paper).toEqual({ count: 502133, instruction: [352, 134], output: [1722, 653] });
  });
  it('gives the keep rate at every k', () => {
    expect(keepRates(candidates).map((r) => r.kept)).toEqual([3, 3, 3, 3, 2]);
    expect(keepRates([])[0].rate).toBe(0);
  });
});
