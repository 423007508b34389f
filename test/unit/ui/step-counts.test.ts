// @vitest-environment happy-dom
// One source of counts: the step navigation, the step summary and the Storage view all read
// the workspace totals (corpus totals, seeds, adapters), never raw object-store record counts,
// so the numbers agree wherever they are shown.
import { cleanup, render, screen, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { Studio } from '../../../src/lib/state/studio.svelte';
import StepNav from '../../../src/ui/components/StepNav.svelte';
import StepView from '../../../src/ui/views/StepView.svelte';
import StorageView from '../../../src/ui/views/StorageView.svelte';
import { fakeStore, ws } from '../state/fake-store';

afterEach(cleanup);

const noWorker = () => {
  throw new Error('no worker in this test');
};

async function demoStudio(): Promise<Studio> {
  const store = fakeStore([ws('a', 'Demo')]);
  // What the store's raw counts look like after the demo: `segments` holds only the capped
  // samples of dropped segments (kept ones live in page records).
  store.usageOf.set('a', { records: { sourceFiles: 40, segments: 49, seeds: 30 }, bytes: 300_000 });
  store.totalsOf.set('a', { sourceFiles: 40, documents: 40, segments: 120, kept: 71, seeds: 30 });
  const studio = new Studio(store, noWorker);
  await studio.start();
  return studio;
}

describe('counts shown twice agree', () => {
  it('step summary, both badges and the Storage view show the same totals', async () => {
    const studio = await demoStudio();
    const data = studio.steps.findIndex((s) => s.def.id === 'data');
    render(StepNav, { steps: studio.steps, current: 'data', extras: [] });
    render(StepView, { entry: studio.steps[data], index: data, workspaceName: 'Demo' });
    render(StorageView, { studio });

    const summary = '40 documents, 71 kept of 120 segments, 30 seed pairs';
    expect(screen.getByTestId('step-detail').textContent).toBe(summary);
    expect(screen.getByTestId('storage-contents').textContent).toBe(`40 files, ${summary}`);
    expect(screen.queryByText(/49/)).toBeNull();

    const nav = within(screen.getByTestId('nav-data')).getByTestId('step-badge');
    const view = within(screen.getByTestId('step-data')).getByTestId('step-badge');
    expect(nav.textContent).toBe('done');
    expect(view.textContent).toBe('done');
    // Train is ready (seeds) but not done: no adapter exists.
    expect(within(screen.getByTestId('nav-train')).getByTestId('step-badge').textContent).toBe(
      'ready',
    );
  });
});
