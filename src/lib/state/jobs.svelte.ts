// Registry of long jobs (ingest, download, augment, curate, train, self-test): each has a
// label, numeric Progress, throughput and ETA from a RateMeter, a status, a readable error,
// and an AbortController whose signal the job's worker call receives.
import { RateMeter, isCancel, progressPhase, throttleProgress, type Progress } from '../protocol';
import { describeError } from './ports';

export type JobStatus = 'running' | 'done' | 'failed' | 'cancelled';

/** What the jobs area shows; the Job class satisfies it, so do plain test objects. */
export interface JobView {
  id: string;
  label: string;
  status: JobStatus;
  progress: Progress | null;
  /** Units per second, or null until measurable. */
  rate: number | null;
  /** Seconds left, or null when unknown. */
  eta: number | null;
  error: string | null;
  startedAt: number;
  finishedAt: number | null;
}

export interface JobContext {
  signal: AbortSignal;
  onProgress: (p: Progress) => void;
}

let nextJob = 1;

/**
 * The total a progress report really knows: a total below what is already done (a source of
 * unknown size reports 0, e.g. demo files fetched by URL) is no total, so the UI shows a count
 * with no total instead of "3.6 KB / 0 B" and a bar stuck at 100 %.
 */
export function knownTotal(p: Pick<Progress, 'done' | 'total'>): number | null {
  return p.total !== null && p.total >= p.done ? p.total : null;
}

export class Job implements JobView {
  readonly id: string;
  readonly startedAt: number;
  status = $state<JobStatus>('running');
  progress = $state<Progress | null>(null);
  rate = $state<number | null>(null);
  eta = $state<number | null>(null);
  error = $state<string | null>(null);
  finishedAt = $state<number | null>(null);
  private meter = new RateMeter();
  private controller = new AbortController();

  constructor(
    readonly label: string,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.id = `job-${nextJob++}`;
    this.startedAt = now();
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  update(p: Progress): void {
    if (this.progress && progressPhase(this.progress) !== progressPhase(p))
      this.meter = new RateMeter();
    const total = knownTotal(p);
    this.progress = total === p.total ? p : { ...p, total };
    this.meter.add(p.done, this.now());
    this.rate = this.meter.rate();
    this.eta = this.meter.eta(total);
  }

  cancel(): void {
    if (this.status === 'running') this.controller.abort();
  }

  finish(status: Exclude<JobStatus, 'running'>, error: string | null = null): void {
    this.status = status;
    this.error = error;
    this.eta = status === 'done' ? 0 : null;
    this.finishedAt = this.now();
  }
}

export class JobsState {
  jobs = $state<Job[]>([]);
  running = $derived(this.jobs.filter((j) => j.status === 'running'));

  constructor(private readonly now: () => number = () => Date.now()) {}

  /**
   * Runs `work` as a tracked job. The promise resolves with the result, or rejects with the
   * job's error (CancelledError after a cancel); the job records the outcome either way.
   */
  start<T>(label: string, work: (ctx: JobContext) => Promise<T>): { job: Job; result: Promise<T> } {
    const job = new Job(label, this.now);
    this.jobs = [job, ...this.jobs];
    // Progress can arrive faster than the screen redraws; 10 updates a second is plenty.
    const onProgress = throttleProgress((p) => job.update(p), 100, this.now);
    const result = work({ signal: job.signal, onProgress }).then(
      (value) => {
        job.finish('done');
        return value;
      },
      (err: unknown) => {
        if (isCancel(err) || job.signal.aborted) job.finish('cancelled');
        else job.finish('failed', describeError(err));
        throw err;
      },
    );
    return { job, result };
  }

  cancel(id: string): void {
    this.jobs.find((j) => j.id === id)?.cancel();
  }

  dismiss(id: string): void {
    this.jobs = this.jobs.filter((j) => j.id !== id || j.status === 'running');
  }

  clearFinished(): void {
    this.jobs = this.jobs.filter((j) => j.status === 'running');
  }
}
