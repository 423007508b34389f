// @vitest-environment happy-dom
// The jobs area driven by the real JobsState: progress updates and cancel reach the DOM and
// the job's AbortSignal.
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { flushSync } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../../src/lib/protocol';
import { JobsState, type JobContext } from '../../../src/lib/state/jobs.svelte';
import JobsPanel from '../../../src/ui/components/JobsPanel.svelte';

afterEach(cleanup);

describe('JobsPanel with JobsState', () => {
  it('updates as progress arrives and cancel aborts the job', async () => {
    let now = 0;
    const jobs = new JobsState(() => now);
    let ctx!: JobContext;
    const { result } = jobs.start('Rating candidates', (c) => {
      ctx = c;
      return new Promise((_, reject) =>
        c.signal.addEventListener('abort', () => reject(new CancelledError())),
      );
    });
    render(JobsPanel, {
      get jobs() {
        return jobs.jobs;
      },
      oncancel: (id: string) => jobs.cancel(id),
      ondismiss: (id: string) => jobs.dismiss(id),
    });
    ctx.onProgress({
      job: 'curate',
      kind: 'stage',
      stage: 'curate',
      phase: 'run',
      done: 0,
      total: 40,
      unit: 'items',
    });
    now = 2000;
    ctx.onProgress({
      job: 'curate',
      kind: 'stage',
      stage: 'curate',
      phase: 'run',
      done: 10,
      total: 40,
      unit: 'items',
    });
    flushSync();
    expect(screen.getByTestId('job-count').textContent).toBe('10 / 40 items');
    expect(screen.getByTestId('job-rate').textContent).toBe('5.0 items/s');
    expect(screen.getByTestId('job-eta').textContent).toBe('ETA 6 s');

    await fireEvent.click(screen.getByTestId('job-cancel'));
    expect(ctx.signal.aborted).toBe(true);
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    flushSync();
    expect(screen.getByTestId('job-status').textContent).toBe('Cancelled');
  });
});
