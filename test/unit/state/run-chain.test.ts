// The run's chain M0 → A(1) → M1 → A(2) → M2 (paper §3): each curated set with its kept count,
// each model trained from the run with its adapter and the pairs it was trained on.
import { describe, expect, it } from 'vitest';
import { chainOf } from '../../../src/lib/state/run-chain';
import type { RunSummary } from '../../../src/lib/pipeline/method-service';
import type { StageLineage } from '../../../src/lib/domain';

const curation = (iteration: number, kept: number, rated: number) => ({
  iteration,
  mode: 'paper' as const,
  rated,
  kept,
  failures: {},
  histogram: [0, 0, 0, 0, 0],
});
const summary: RunSummary = {
  candidates: 8,
  usable: 8,
  filtered: {},
  truncated: 0,
  curations: [curation(1, 5, 8), curation(2, 3, 8)],
  agreement: [],
  models: [],
};
const trained = (iteration: number, ckpt: string, augmented: number): StageLineage => ({
  kind: 'train',
  iteration,
  model: { id: 'org/tiny' },
  adapterCheckpointId: ckpt,
  engine: 'onnx',
  settings: { trainingId: ckpt, pairs: { seed: 30, augmented } },
});

describe('chainOf', () => {
  it('shows M2 with its adapter and the seed + A(2) pairs it was trained on', () => {
    const lineage = [
      { kind: 'curate', iteration: 1, model: { id: 'org/tiny' } } as StageLineage,
      trained(1, 'c-m1', 5),
      trained(2, 'c-m2', 3),
    ];
    const chain = chainOf(summary, lineage);
    expect(chain.map((l) => l.id)).toEqual(['M0', 'A1', 'M1', 'A2', 'M2']);
    expect(chain.map((l) => l.done)).toEqual([true, true, true, true, true]);
    expect(chain[2].detail).toBe('org/tiny + adapter c-m1, trained on 30 seed + 5 A(1) pairs');
    expect(chain[3].detail).toBe('3 kept of 8 (paper)');
    expect(chain[4].detail).toBe('org/tiny + adapter c-m2, trained on 30 seed + 3 A(2) pairs');
  });

  it('before M2 is trained, says what trains it', () => {
    const chain = chainOf(summary, [trained(1, 'c-m1', 5)]);
    expect(chain.at(-1)).toMatchObject({ id: 'M2', done: false, detail: 'train on seed + A(2)' });
  });
});
