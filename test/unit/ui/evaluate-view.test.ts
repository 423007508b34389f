// @vitest-environment happy-dom
// The Evaluate step (issue 12) through the real EvaluateState over the real store
// (fake-indexeddb) with fake engines: a missing judge role blocks the run and links to Models;
// with fake engines an evaluation of two adapters of the workspace runs, its summary and
// answers show, it lands in the run picked on the run panel, and a new EvaluateState on the
// same database (a reload) shows it again.
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { EvaluateState } from '../../../src/lib/state/evaluate.svelte';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { roleModelLoader } from '../../../src/lib/state/role-models';
import type { Store } from '../../../src/lib/store';
import type { PairwiseResult } from '../../../src/lib/domain';
import EvaluateView from '../../../src/ui/views/EvaluateView.svelte';
import { createPairwiseEvaluation } from '../../../src/lib/pipeline/evaluate-service';
import { STARTER_PROMPTS } from '../../../src/lib/method';

afterEach(() => cleanup());

function make(store: Store, wsId: string, runId: string | null, fake: boolean) {
  const load = roleModelLoader({
    fake,
    create: () => new FakeEngine(),
    adapterSpec: () => Promise.reject(new Error('no adapters here')),
  });
  return new EvaluateState(
    store,
    new JobsState(),
    () => wsId,
    () => undefined,
    () => runId,
    load,
    fake,
  );
}

describe('Evaluate step', () => {
  it('says which role is missing without fake engines', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    render(EvaluateView, { evaluate: make(store, ws.id, null, false), workspaceId: ws.id });
    expect((await screen.findByTestId('evaluate-missing-role')).textContent).toContain(
      'rater role',
    );
    expect((screen.getByTestId('eval-start') as HTMLButtonElement).disabled).toBe(true);
  });

  it('compares two adapters, shows the summary, and shows it again after a reload', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const run = await store.runs.create(ws.id, { name: 'picked', config: {} });
    for (const name of ['M0', 'M1'])
      await store.checkpoints.save({
        workspaceId: ws.id,
        kind: 'adapter',
        name,
        meta: {},
        bytes: new ArrayBuffer(8),
      });
    const evaluate = make(store, ws.id, run.id, true);
    render(EvaluateView, { evaluate, workspaceId: ws.id });
    await waitFor(() => expect(evaluate.adapters).toHaveLength(2));
    const [m0, m1] = evaluate.adapters;
    evaluate.form.aAdapter = m1.name === 'M1' ? m1.id : m0.id;
    evaluate.form.bAdapter = m1.name === 'M1' ? m0.id : m1.id;
    evaluate.form.limit = 5;
    evaluate.form.maxTokens = 16;
    await fireEvent.click(screen.getByTestId('eval-start'));
    await waitFor(() => expect(evaluate.active).toBeNull());
    expect(evaluate.error).toBeNull();
    expect(await screen.findAllByTestId('eval-answer')).toHaveLength(5);
    const r = evaluate.result as PairwiseResult;
    expect(r.model).toBe('fake-rater + M1');
    expect(r.baseline).toBe('fake-rater + M0');
    expect(r.n + (r.unjudged ?? 0)).toBe(5);
    expect(screen.getByTestId('eval-win-rate').textContent).toMatch(/% ± /);
    const latest = await store.evaluations.latest({ runId: run.id }, 'pairwise');
    expect(latest?.setup?.prompts).toHaveLength(5);

    cleanup();
    const again = make(store, ws.id, null, true);
    render(EvaluateView, { evaluate: again, workspaceId: ws.id });
    await waitFor(() => expect(screen.getAllByTestId('eval-answer')).toHaveLength(5));
    expect(screen.getByTestId('eval-win-rate').textContent).toBe(
      `${(100 * r.rate).toFixed(1)}% ± ${(100 * r.se).toFixed(1)}%`,
    );
  });

  it('offers to continue an evaluation whose stage never started (a reload right after it was made)', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const run = await store.runs.create(ws.id, { name: 'r', config: {} });
    const made = await createPairwiseEvaluation(
      store,
      { workspaceId: ws.id, runId: run.id },
      {
        promptSetId: 'starter',
        promptSetName: 'starter',
        prompts: STARTER_PROMPTS.slice(0, 2).map((p) => ({ ...p })),
        modelA: { role: 'rater' },
        modelB: { role: 'backward' },
        judge: { role: 'judge' },
        tagging: 'none',
        temperature: 0.7,
        topP: 0.9,
        maxTokens: 8,
        judgeMaxTokens: 16,
        seed: 1,
        batchSize: 1,
      },
    );
    const evaluate = make(store, ws.id, null, true);
    render(EvaluateView, { evaluate, workspaceId: ws.id });
    expect((await screen.findByTestId('eval-unfinished')).textContent).toMatch(
      /0 (of )?.*2 prompts.*not started/s,
    );
    await fireEvent.click(screen.getByTestId('eval-resume'));
    await waitFor(() => expect(evaluate.active).toBeNull());
    expect(evaluate.error).toBeNull();
    expect(await store.evalAnswers.count(made.id)).toBe(2);
    await waitFor(() =>
      expect(evaluate.rows.map((r) => [r.evaluation.id, r.unfinished])).toEqual([[made.id, false]]),
    );
  });
});
