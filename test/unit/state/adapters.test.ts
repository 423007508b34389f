// Trained adapters on the Models screen (issue 9 §3): only adapter checkpoints, described with
// base model, data and step; refused on another base or an engine without adapters.
import { describe, expect, it } from 'vitest';
import { adapterMismatch, adapterRows } from '../../../src/lib/state/adapters';
import type { CheckpointInfo } from '../../../src/lib/store/artifacts-repo';

const ck = (over: Partial<CheckpointInfo>): CheckpointInfo => ({
  id: 'c',
  workspaceId: 'w',
  kind: 'adapter',
  name: 'M0 (seed)',
  createdAt: 1,
  meta: {},
  byteLength: 10,
  ...over,
});

describe('adapterRows', () => {
  it('lists adapter checkpoints newest first with base model, data and step', () => {
    const rows = adapterRows([
      ck({
        id: 'a',
        step: 40,
        createdAt: 10,
        meta: { baseModel: { source: 'hf', id: 'org/base' }, request: { mode: 'backward' } },
      }),
      ck({ id: 'opt', kind: 'optimizer', createdAt: 30 }),
      ck({
        id: 'b',
        createdAt: 20,
        meta: {
          baseModel: { source: 'local', id: 'tiny' },
          request: { mode: 'seed+curated', k: 5 },
        },
      }),
      ck({ id: 'old', createdAt: 5 }),
    ]);
    expect(rows.map((r) => [r.id, r.baseModel, r.data, r.step])).toEqual([
      ['b', 'tiny', 'seed + curated pairs (M1/M2), score ≥ 5', null],
      ['a', 'org/base', 'seed pairs, reversed (M_yx)', 40],
      ['old', null, 'unknown', null],
    ]);
  });

  it('says why an adapter cannot go on the loaded model', () => {
    const [row] = adapterRows([
      ck({ meta: { baseModel: { source: 'hf', id: 'org/base' }, request: { mode: 'seed' } } }),
    ]);
    expect(adapterMismatch(row, null)).toMatch(/Load its base model/);
    const onnx = { engine: 'onnx' as const, source: 'hf' as const };
    expect(adapterMismatch(row, { ...onnx, modelId: 'org/base' })).toBeNull();
    expect(adapterMismatch(row, { ...onnx, modelId: 'org/other' })).toBe(
      'Trained on org/base; the playground has org/other loaded.',
    );
    // A local base is left to the engine's shape check (folder names differ between machines).
    const [local] = adapterRows([ck({ meta: { baseModel: { source: 'local', id: 'tiny' } } })]);
    expect(adapterMismatch(local, { ...onnx, source: 'local', modelId: 'renamed' })).toBeNull();
    expect(
      adapterMismatch(row, { engine: 'web-llm', source: 'web-llm', modelId: 'X-MLC' }),
    ).toMatch(/web-llm engine does not run our LoRA adapters/);
  });
});
