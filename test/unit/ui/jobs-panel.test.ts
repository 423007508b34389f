// @vitest-environment happy-dom
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { JobView } from '../../../src/lib/state/jobs.svelte';
import JobsPanel from '../../../src/ui/components/JobsPanel.svelte';

afterEach(cleanup);

const job = (over: Partial<JobView> = {}): JobView => ({
  id: 'job-1',
  label: 'Segmenting corpus',
  status: 'running',
  progress: {
    job: 'augment',
    kind: 'stage',
    stage: 'augment',
    phase: 'run',
    done: 250,
    total: 1000,
    unit: 'items',
  },
  rate: 12.5,
  eta: 200,
  error: null,
  startedAt: 0,
  finishedAt: null,
  ...over,
});

describe('JobsPanel', () => {
  it('shows the bar, done/total with unit, throughput and ETA', () => {
    render(JobsPanel, { jobs: [job()], oncancel: vi.fn(), ondismiss: vi.fn() });
    expect(screen.getByTestId('job-count').textContent).toBe('250 / 1,000 items');
    expect(screen.getByTestId('job-rate').textContent).toBe('12.5 items/s');
    expect(screen.getByTestId('job-eta').textContent).toBe('ETA 3 min 20 s');
    expect(screen.getByTestId('job-phase').textContent).toBe('run');
    const bar = screen.getByRole('progressbar');
    expect(bar.getAttribute('aria-valuenow')).toBe('25');
  });

  it('cancel calls back with the job id', async () => {
    const oncancel = vi.fn();
    render(JobsPanel, { jobs: [job({ id: 'job-7' })], oncancel, ondismiss: vi.fn() });
    await fireEvent.click(screen.getByTestId('job-cancel'));
    expect(oncancel).toHaveBeenCalledWith('job-7');
  });

  it('unknown total and unknown rate read as indeterminate, not as zero', () => {
    render(JobsPanel, {
      jobs: [
        job({
          progress: {
            job: 'dl',
            kind: 'download',
            phase: 'download',
            done: 3 * 1024 * 1024,
            total: null,
            unit: 'bytes',
          },
          rate: null,
          eta: null,
        }),
      ],
      oncancel: vi.fn(),
      ondismiss: vi.fn(),
    });
    expect(screen.getByTestId('job-count').textContent).toBe('3.0 MB');
    expect(screen.getByTestId('job-rate').textContent).toBe('–');
    expect(screen.getByTestId('job-eta').textContent).toBe('ETA –');
    expect(screen.getByRole('progressbar').hasAttribute('aria-valuenow')).toBe(false);
  });

  it('a failed job shows its error and can be dismissed, not cancelled', async () => {
    const ondismiss = vi.fn();
    render(JobsPanel, {
      jobs: [job({ status: 'failed', error: 'InputError: a.csv, line 4: bad date', rate: null })],
      oncancel: vi.fn(),
      ondismiss,
    });
    expect(screen.getByTestId('job-error').textContent).toBe('InputError: a.csv, line 4: bad date');
    expect(screen.queryByTestId('job-cancel')).toBeNull();
    expect(screen.queryByTestId('job-eta')).toBeNull();
    await fireEvent.click(screen.getByTestId('job-dismiss'));
    expect(ondismiss).toHaveBeenCalledWith('job-1');
  });

  it('says when nothing runs', () => {
    render(JobsPanel, { jobs: [], oncancel: vi.fn(), ondismiss: vi.fn() });
    expect(screen.getByTestId('jobs').textContent).toContain('No jobs running');
  });
});
