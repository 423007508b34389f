// Diagnostics: a self-test the user can run to see that worker failures come back as
// readable errors and that the app recovers (a crashed worker is replaced on the next
// call), plus a counted job that exercises progress, ETA and cancel in the jobs area.
import { RpcClient, type WorkerLike } from '../protocol';
import type { SelfTestRpc } from '../util/self-test';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';

export interface SelfTestStep {
  name: string;
  ok: boolean;
  /** What happened, readable (the error text for the failure checks). */
  detail: string;
}

export class DiagnosticsState {
  running = $state(false);
  steps = $state<SelfTestStep[]>([]);
  /** Last crash the client saw, shown as the app would show a real one. */
  lastCrash = $state<string | null>(null);
  private client: RpcClient<SelfTestRpc>;

  constructor(spawn: () => WorkerLike) {
    this.client = new RpcClient<SelfTestRpc>(spawn, {
      cancelGraceMs: 1000,
      onCrash: (err) => (this.lastCrash = err.message),
    });
  }

  /** 1. ping, 2. an error inside a call, 3. an uncaught crash, 4. ping again (respawned). */
  async runSelfTest(): Promise<SelfTestStep[]> {
    this.running = true;
    this.steps = [];
    const record = (step: SelfTestStep) => (this.steps = [...this.steps, step]);
    try {
      record(await this.expectOk('Worker answers', () => this.client.call('ping', null)));
      record(
        await this.expectError('Error inside a call comes back readable', 'InputError', () =>
          this.client.call('failInCall', null),
        ),
      );
      record(
        await this.expectError('Uncaught worker crash is reported', 'WorkerCrashedError', () =>
          this.client.call('crash', null),
        ),
      );
      const before = this.client.crashes;
      const again = await this.expectOk('A new worker answers after the crash', () =>
        this.client.call('ping', null),
      );
      record({ ...again, detail: `${again.detail} (worker restarted ${before} time(s))` });
    } finally {
      this.running = false;
    }
    return this.steps;
  }

  /** A cancellable counted job in the worker, tracked by the jobs area. */
  startCountJob(jobs: JobsState, steps = 40, stepMs = 100): Promise<{ counted: number }> {
    const { result } = jobs.start('Self-test: count in a worker', ({ signal, onProgress }) =>
      this.client.call('count', { steps, stepMs }, { signal, onProgress }),
    );
    return result;
  }

  dispose(): void {
    this.client.terminate('Diagnostics closed');
  }

  private async expectOk(name: string, fn: () => Promise<unknown>): Promise<SelfTestStep> {
    try {
      const value = await fn();
      return { name, ok: true, detail: `answered ${JSON.stringify(value)}` };
    } catch (err) {
      return { name, ok: false, detail: describeError(err) };
    }
  }

  private async expectError(
    name: string,
    expected: string,
    fn: () => Promise<unknown>,
  ): Promise<SelfTestStep> {
    try {
      await fn();
      return { name, ok: false, detail: `expected ${expected}, but the call succeeded` };
    } catch (err) {
      const got = err instanceof Error ? err.name : typeof err;
      return { name, ok: got === expected, detail: describeError(err) };
    }
  }
}
