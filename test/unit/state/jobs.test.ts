import { describe, expect, it } from 'vitest';
import { CancelledError, type Progress } from '../../../src/lib/protocol';
import { JobsState, knownTotal, type JobContext } from '../../../src/lib/state/jobs.svelte';
import { formatCount } from '../../../src/lib/util/format';

const prog = (done: number, total: number | null = 100): Progress => ({
  job: 'j',
  kind: 'stage',
  stage: 'augment',
  phase: 'run',
  done,
  total,
  unit: 'items',
});

/** A job whose body the test drives step by step. */
function controllable() {
  let ctx!: JobContext;
  let resolve!: (v: string) => void;
  let reject!: (e: unknown) => void;
  const work = (c: JobContext) => {
    ctx = c;
    return new Promise<string>((res, rej) => {
      resolve = res;
      reject = rej;
    });
  };
  return {
    work,
    ctx: () => ctx,
    resolve: (v: string) => resolve(v),
    reject: (e: unknown) => reject(e),
  };
}

describe('JobsState', () => {
  it('tracks progress, rate and ETA from a clock', async () => {
    let now = 0;
    const jobs = new JobsState(() => now);
    const c = controllable();
    const { job, result } = jobs.start('Segmenting', c.work);
    expect(jobs.running).toHaveLength(1);
    c.ctx().onProgress(prog(0));
    now = 1000;
    c.ctx().onProgress(prog(10));
    now = 2000;
    c.ctx().onProgress(prog(20));
    expect(job.progress?.done).toBe(20);
    expect(job.rate).toBeCloseTo(10);
    expect(job.eta).toBeCloseTo(8);
    c.resolve('ok');
    await expect(result).resolves.toBe('ok');
    expect(job.status).toBe('done');
    expect(job.finishedAt).toBe(2000);
    expect(jobs.running).toHaveLength(0);
  });

  it('throttles progress but keeps the final event', () => {
    let now = 0;
    const jobs = new JobsState(() => now);
    const c = controllable();
    const { job } = jobs.start('Fast', c.work);
    c.ctx().onProgress(prog(1));
    now = 10;
    c.ctx().onProgress(prog(2)); // dropped: within 100 ms
    expect(job.progress?.done).toBe(1);
    now = 20;
    c.ctx().onProgress(prog(100)); // final: kept
    expect(job.progress?.done).toBe(100);
  });

  it('cancel aborts the signal the work received and ends as cancelled', async () => {
    const jobs = new JobsState();
    const c = controllable();
    const { job, result } = jobs.start('Long', c.work);
    expect(c.ctx().signal.aborted).toBe(false);
    jobs.cancel(job.id);
    expect(c.ctx().signal.aborted).toBe(true);
    c.reject(new CancelledError());
    await expect(result).rejects.toBeInstanceOf(CancelledError);
    expect(job.status).toBe('cancelled');
    expect(job.error).toBeNull();
  });

  it('records a failure as readable text', async () => {
    const jobs = new JobsState();
    const c = controllable();
    const { job, result } = jobs.start('Broken', c.work);
    c.reject(new TypeError('bad thing'));
    await expect(result).rejects.toThrow('bad thing');
    expect(job.status).toBe('failed');
    expect(job.error).toBe('TypeError: bad thing');
  });

  it('dismiss and clearFinished never remove running jobs', async () => {
    const jobs = new JobsState();
    const running = controllable();
    const finished = controllable();
    const a = jobs.start('Running', running.work);
    const b = jobs.start('Finished', finished.work);
    finished.resolve('x');
    await b.result;
    jobs.dismiss(a.job.id);
    expect(jobs.jobs).toHaveLength(2);
    jobs.clearFinished();
    expect(jobs.jobs.map((j) => j.label)).toEqual(['Running']);
  });

  it('shows a count with no total when the total is unknown or smaller than what is done', async () => {
    let now = 0;
    const jobs = new JobsState(() => now);
    const c = controllable();
    const { job } = jobs.start('Load demo data', c.work);
    // Files fetched by URL have no size up front: the reader reports a total of 0 bytes.
    const demo = { job: 'j', kind: 'ingest', phase: 'read', unit: 'bytes', total: 0 } as const;
    c.ctx().onProgress({ ...demo, done: 1024 });
    now = 1000;
    c.ctx().onProgress({ ...demo, done: 3686 });
    expect(job.progress?.total).toBeNull();
    expect(job.eta).toBeNull();
    expect(formatCount(job.progress!.done, job.progress!.total, 'bytes')).toBe('3.6 KB');
    expect(knownTotal({ done: 0, total: 0 })).toBe(0);
    expect(knownTotal({ done: 5, total: 8 })).toBe(8);
    expect(knownTotal({ done: 9, total: 8 })).toBeNull();
    expect(knownTotal({ done: 9, total: null })).toBeNull();
  });
});
