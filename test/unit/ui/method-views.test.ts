// @vitest-environment happy-dom
// The Augment and Curate steps (issue 10) through the real RunState over the real store
// (fake-indexeddb) with fake engines (?engine=fake): a click writes instructions, curation in
// both modes fills the chain and the agreement report, iteration 2 re-rates; a stage paused
// and found again after a "reload" (a new RunState on the same database) continues with its
// recorded settings; a missing role links to the Models step.
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { ingestDocs } from '../pipeline/ingest-helper';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { RunState } from '../../../src/lib/state/run.svelte';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { roleModelLoader } from '../../../src/lib/state/role-models';
import type { Store } from '../../../src/lib/store';
import AugmentView from '../../../src/ui/views/AugmentView.svelte';
import CurateView from '../../../src/ui/views/CurateView.svelte';

afterEach(cleanup);

const LONG = { timeout: 15_000 };
const DEMO = join(process.cwd(), 'public/demo');
const notes = readdirSync(DEMO)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .slice(0, 6)
  .map((f) => readFileSync(join(DEMO, f), 'utf8'));

async function setUp(fake = true, delayMs = 0) {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  await store.seeds.addMany(ws.id, [
    { instruction: 'Name a colour.', output: 'Blue.', source: 't' },
  ]);
  await ingestDocs(store, ws.id, notes);
  const kept = await store.segments.keptCount(ws.id);
  const make = () => runState(store, ws.id, fake, delayMs);
  return { store, ws, kept, make };
}

function runState(store: Store, wsId: string, fake: boolean, delayMs: number): RunState {
  const load = roleModelLoader({
    fake,
    // A slow fake (ms per word), so a pause can land between batches.
    create: () => new FakeEngine({ delayMs }),
    adapterSpec: () => Promise.reject(new Error('no adapters here')),
  });
  return new RunState(
    store,
    new JobsState(),
    () => wsId,
    () => undefined,
    load,
    fake,
  );
}

describe('Augment and Curate steps', () => {
  it('augment, curate in both modes, agreement, then iteration 2 re-rates', async () => {
    const { kept, make } = await setUp();
    const run = make();
    render(AugmentView, { run, workspaceId: 'w' });
    await run.createRun('demo run');
    run.augmentForm.batchSize = 4;
    await fireEvent.click(screen.getByTestId('augment-start'));
    await waitFor(() => expect(run.active).toBeNull(), LONG);
    expect(run.error).toBeNull();
    await waitFor(
      () => expect(screen.getByTestId('augment-candidates').textContent).toBe(`${kept}`),
      LONG,
    );
    expect(run.run?.stages.augment).toMatchObject({ status: 'done', done: kept });
    const usable = run.summary!.usable;
    expect(usable).toBeGreaterThan(0);
    cleanup();

    render(CurateView, { run, workspaceId: 'w' });
    await fireEvent.click(screen.getByTestId('curate-start'));
    await waitFor(() => expect(screen.getByTestId('curation-1-paper')).toBeTruthy(), LONG);
    await fireEvent.click(screen.getByTestId('curate-fast'));
    await fireEvent.click(screen.getByTestId('curate-start'));
    await waitFor(() => expect(screen.getByTestId('agreement-1')).toBeTruthy(), LONG);
    expect(screen.getByTestId('agreement-spearman').textContent).toMatch(/^-?\d\.\d\d$|n\/a/);
    expect(screen.getByTestId('chain-A1').textContent).toContain(`of ${usable} (paper)`);
    expect(screen.getByTestId('chain-A1').textContent).toContain(`of ${usable} (fast)`);

    // Iteration 2: M1 re-rates every candidate; A(1) stays.
    await fireEvent.input(screen.getByTestId('curate-iteration'), { target: { value: '2' } });
    await fireEvent.click(screen.getByTestId('curate-paper'));
    await fireEvent.click(screen.getByTestId('curate-start'));
    await waitFor(() => expect(screen.getByTestId('curation-2-paper')).toBeTruthy(), LONG);
    expect(screen.getByTestId('curation-1-paper')).toBeTruthy();
    expect(screen.getByTestId('chain-A2')).toBeTruthy();
    expect(screen.getByTestId('chain-M2')).toBeTruthy();
    expect(run.summary!.curations.map((c) => [c.iteration, c.mode, c.rated])).toEqual([
      [1, 'fast', usable],
      [1, 'paper', usable],
      [2, 'paper', usable],
    ]);
  });

  it('a paused curation is offered after a reload and continues with its recorded settings', async () => {
    const { store, make } = await setUp(true, 10);
    const first = make();
    await first.load();
    await first.createRun('r');
    await first.startAugment();
    first.curateForm.batchSize = 2;
    first.curateForm.maxTokens = 64;
    const started = first.startCurate();
    // Pause as soon as the first batch committed.
    await waitFor(() => expect(first.progress?.done ?? 0).toBeGreaterThan(0), LONG);
    first.pause();
    await started;
    const runId = first.runId!;
    const paused = (await store.runs.get(runId))!.stages['curate-1-paper']!;
    expect(paused.status).toBe('paused');

    // "Reload": a new state over the same database; the form is back to its defaults.
    const second = make();
    render(CurateView, { run: second, workspaceId: 'w' });
    await waitFor(() => expect(screen.getByTestId('stage-unfinished')).toBeTruthy(), LONG);
    expect(second.curateForm.batchSize).not.toBe(2);
    await fireEvent.click(screen.getByTestId('stage-resume'));
    await waitFor(() => expect(screen.queryByTestId('stage-unfinished')).toBeNull(), LONG);
    const done = (await store.runs.get(runId))!;
    expect(done.stages['curate-1-paper']).toMatchObject({ status: 'done' });
    const candidates = (await store.candidates.listByRun(runId)).filter((c) => !c.filterReason);
    // Every usable candidate rated exactly once: nothing lost, nothing repeated.
    expect(candidates.every((c) => c.ratings.length === 1)).toBe(true);
    const lineage = done.config.lineage!.filter((l) => l.stage === 'curate-1-paper');
    expect(lineage).toHaveLength(1);
    expect(lineage[0].settings).toMatchObject({ batchSize: 2 });
  });

  it('without an assigned role (real engines) the step says so and links to Models', async () => {
    const { make } = await setUp(false);
    const run = make();
    render(AugmentView, { run, workspaceId: 'w' });
    await run.createRun('r');
    const note = await screen.findByTestId('augment-missing-role');
    expect(note.textContent).toContain('Models step');
    expect(note.querySelector('a')?.getAttribute('href')).toBe('#/models');
    expect((screen.getByTestId('augment-start') as HTMLButtonElement).disabled).toBe(true);
  });
});
