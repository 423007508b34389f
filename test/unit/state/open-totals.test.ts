// openStudio over a real (fake-indexeddb) store: a first visit gets the default workspace, and
// the workspace totals count what the method counts: trained adapters (not optimizer states or
// other checkpoints), candidates of every run, seeds, runs and evaluations.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import { openStore } from '../../../src/lib/store';
import { emptyTotals } from '../../../src/lib/state/ports';
import { openStudio } from '../../../src/lib/state/open';
import { DEFAULT_WORKSPACE_NAME } from '../../../src/lib/state/studio.svelte';
import { newId } from '../../../src/lib/util/ids';
import { makeCandidate } from '../../helpers/candidate';

describe('openStudio', () => {
  it('starts a first visit in the default workspace and totals what it holds', async () => {
    const name = `totals-${newId()}`;
    const studio = await openStudio(name);
    const ws = studio.workspaces.currentId!;
    expect(studio.workspaces.current?.name).toBe(DEFAULT_WORKSPACE_NAME);
    expect(studio.storage.totals[ws]).toEqual(emptyTotals());

    const store = await openStore(name);
    await store.seeds.addMany(ws, [
      { instruction: 'a', output: 'b', source: 'seed.jsonl' },
      { instruction: 'c', output: 'd', source: 'seed.jsonl' },
    ]);
    const checkpoint = (kind: 'adapter' | 'optimizer', runId?: string) => ({
      workspaceId: ws,
      kind,
      name: kind,
      meta: {},
      bytes: new ArrayBuffer(8),
      ...(runId ? { runId } : {}),
    });
    await store.checkpoints.save(checkpoint('adapter'));
    await store.checkpoints.save(checkpoint('optimizer'));
    const runs = [
      await store.runs.create(ws, { name: 'Run 1', config: {} }),
      await store.runs.create(ws, { name: 'Run 2', config: {} }),
    ];
    await store.checkpoints.save(checkpoint('adapter', runs[0].id));
    const candidate = (runId: string) =>
      makeCandidate({
        id: newId(),
        workspaceId: ws,
        runId,
        segmentId: newId(),
        instruction: 'How do I…?',
      });
    await store.candidates.putBatch([candidate(runs[0].id), candidate(runs[1].id)]);
    await store.candidates.putBatch([candidate(runs[1].id)]);
    await store.evaluations.add({
      workspaceId: ws,
      results: { kind: 'held-out-loss', model: 'M1', examples: 2, loss: 1, perplexity: Math.E },
    });
    // A role assigned on the Models step counts (step status reads it), and survives a reopen.
    expect(
      await studio.workspaces.setRole('rater', {
        engine: 'onnx',
        modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
        source: 'hf',
        assignedAt: 1,
      }),
    ).toBe(true);
    expect((await store.workspaces.get(ws))?.roles?.rater?.modelId).toBe(
      'HuggingFaceTB/SmolLM2-135M-Instruct',
    );
    // The same connection as the studio's (one per thread: store/service.ts), so not closed here.

    await studio.refreshStorage();
    expect(studio.storage.totals[ws]).toEqual({
      ...emptyTotals(),
      seeds: 2,
      runs: 2,
      candidates: 3,
      adapters: 2,
      evaluations: 1,
      roles: 1,
    });
    const train = studio.steps.find((s) => s.def.id === 'train')!.status;
    expect(train).toMatchObject({ state: 'done', detail: '2 trained adapters' });
    studio.dispose();
  });
});
