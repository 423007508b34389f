// @vitest-environment happy-dom
// The sweep panel on the Evaluate screen (issue 12 item 3) through the real SweepState and
// EvaluateState over the real store (fake-indexeddb) with fake engines: a run whose A_k is too
// small gets a clear message and no sweep; a run with enough pairs runs a tiny sweep end to end
// (the Train step is a stub here: the real trainer runs in the sweep e2e) and shows its arms,
// the plot, alpha and the ablation rows, and a new state on the same database shows them again.
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { makeCandidate, paperRating } from '../../helpers/candidate';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { EvaluateState } from '../../../src/lib/state/evaluate.svelte';
import { SweepState } from '../../../src/lib/state/sweep.svelte';
import { defaultTrainForm, type TrainState } from '../../../src/lib/state/train.svelte';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { roleModelLoader } from '../../../src/lib/state/role-models';
import type { Store } from '../../../src/lib/store';
import EvaluateView from '../../../src/ui/views/EvaluateView.svelte';

afterEach(() => cleanup());

async function scene(curated: number) {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  const run = await store.runs.create(ws.id, { name: 'run', config: {} });
  await store.candidates.putBatch(
    Array.from({ length: 8 }, (_, i) =>
      makeCandidate({
        id: `c${i}`,
        workspaceId: ws.id,
        runId: run.id,
        segmentId: `s${i}`,
        instruction: `Q${i}?`,
        output: `P${i}.`,
        ratings: [paperRating(1, i < curated ? 5 : 2)],
      }),
    ),
  );
  return { store, ws: ws.id, run: run.id };
}

function make(store: Store, ws: string, run: string) {
  const jobs = new JobsState();
  const load = roleModelLoader({
    fake: true,
    create: () => new FakeEngine(),
    adapterSpec: () => Promise.reject(new Error('fake engines need no adapter files')),
  });
  const evaluate = new EvaluateState(
    store,
    jobs,
    () => ws,
    () => undefined,
    () => run,
    load,
    true,
  );
  const trained: string[] = [];
  const train = {
    form: defaultTrainForm(),
    running: false,
    modelChoice: () => ({ source: 'hf' as const, id: 'org/tiny' }),
    trainArm: async (req: { name: string }) => (trained.push(req.name), `ck-${trained.length}`),
  } as unknown as TrainState;
  const sweep = new SweepState(
    store,
    jobs,
    () => ws,
    () => undefined,
    () => run,
    () => [{ id: run, name: 'run' }],
    () => train,
    () => evaluate,
  );
  return { evaluate, sweep, trained };
}

describe('sweep panel', () => {
  it('refuses a run whose A_k is too small, with what it holds', async () => {
    const { store, ws, run } = await scene(3);
    const { evaluate, sweep } = make(store, ws, run);
    render(EvaluateView, { evaluate, sweep, workspaceId: ws });
    await fireEvent.input(await screen.findByTestId('sweep-sizes'), { target: { value: '4, 8' } });
    await fireEvent.click(screen.getByTestId('sweep-start'));
    expect((await screen.findByTestId('sweep-error')).textContent).toContain(
      'A_k of this run holds 3 curated pairs',
    );
    expect(await store.sweeps.list(ws)).toEqual([]);
  });

  it('runs a tiny sweep and shows arms, plot, alpha and ablations, also after a reload', async () => {
    const { store, ws, run } = await scene(6);
    const { evaluate, sweep, trained } = make(store, ws, run);
    sweep.form.sizes = '2, 4, 6, 16';
    sweep.form.limit = 2;
    evaluate.form.maxTokens = 12;
    render(EvaluateView, { evaluate, sweep, workspaceId: ws });
    await fireEvent.click(await screen.findByTestId('sweep-start'));
    await waitFor(() => expect(screen.getAllByTestId('sweep-arm')).toHaveLength(5), {
      timeout: 5000,
    });
    expect(screen.getByTestId('sweep-note').textContent).toContain('N = 16 left out');
    await waitFor(() => expect(screen.queryByTestId('sweep-live')).toBeNull(), { timeout: 10_000 });
    expect(sweep.error).toBeNull();
    expect(trained).toEqual([
      'Sweep curated N=2',
      'Sweep curated N=4',
      'Sweep curated N=6',
      'Sweep uncurated N=6',
      'Sweep untagged N=6',
    ]);
    // (The list is reloaded after the job ends.)
    await waitFor(() =>
      expect(screen.getAllByTestId('sweep-arm').map((r) => r.dataset.status)).toEqual([
        'done',
        'done',
        'done',
        'done',
        'done',
      ]),
    );
    expect(screen.getAllByTestId('sweep-point')).toHaveLength(3);
    const alpha = screen.getByTestId('sweep-alpha').textContent!;
    expect(alpha).toMatch(/Your α = -?\d+\.\d\d ± \d+\.\d\d/);
    expect(screen.getAllByTestId('sweep-ablation')).toHaveLength(2);
    // Each arm's evaluation is listed in the Evaluate results too.
    expect((await store.evaluations.list({ runId: run })).length).toBe(5);
    // One evaluation deleted from the results: it and its answers go, the sweep keeps its row.
    await waitFor(() => expect(evaluate.rows).toHaveLength(5));
    const gone = evaluate.selectedId!;
    expect(await store.evalAnswers.count(gone)).toBe(2);
    await fireEvent.click(screen.getByTestId('eval-delete'));
    await waitFor(() => expect(evaluate.rows).toHaveLength(4));
    expect(await store.evaluations.get(gone)).toBeUndefined();
    expect(await store.evalAnswers.count(gone)).toBe(0);
    expect(screen.getAllByTestId('sweep-arm')).toHaveLength(5);
    cleanup();

    const again = make(store, ws, run);
    render(EvaluateView, { evaluate: again.evaluate, sweep: again.sweep, workspaceId: ws });
    expect((await screen.findByTestId('sweep-alpha')).textContent).toBe(alpha);
    await fireEvent.click(screen.getByTestId('sweep-delete'));
    await waitFor(() => expect(screen.queryByTestId('sweep-arms')).toBeNull());
    expect(await store.evaluations.list({ runId: run })).toEqual([]);
    expect(await store.sweeps.list(ws)).toEqual([]);
  });
});
