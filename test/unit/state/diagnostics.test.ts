import { afterEach, describe, expect, it } from 'vitest';
import { serializeError, type WorkerLike } from '../../../src/lib/protocol';
import { CapabilityState } from '../../../src/lib/state/capabilities.svelte';
import { DiagnosticsState } from '../../../src/lib/state/diagnostics.svelte';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { CRASH_MESSAGE, selfTestHandlers, type SelfTestRpc } from '../../../src/lib/util/self-test';
import { probeCapabilities, type CapabilityRpc } from '../../../src/lib/util/capabilities';
import { channelWorkers, sleep, type Spawner } from '../protocol/harness';

let workers: Spawner | null = null;
afterEach(() => workers?.closeAll());

/** Self-test workers whose uncaught errors reach the client as 'fatal', as reportFatalErrors does. */
function selfTestWorkers() {
  return channelWorkers<SelfTestRpc>((port) =>
    selfTestHandlers((fn) =>
      setTimeout(() => {
        try {
          fn();
        } catch (err) {
          port.postMessage({ kind: 'fatal', error: serializeError(err) });
        }
      }, 0),
    ),
  );
}

describe('DiagnosticsState self-test', () => {
  it('reports a readable in-call error, a crash, and recovery by a new worker', async () => {
    const w = selfTestWorkers();
    workers = w;
    const diag = new DiagnosticsState(w.spawn);
    const steps = await diag.runSelfTest();
    expect(steps.map((s) => s.ok)).toEqual([true, true, true, true]);
    expect(steps[1].detail).toBe(
      'InputError: self-test.jsonl, line 3, field "instruction": deliberate bad record for the self-test',
    );
    expect(steps[2].detail).toBe(`WorkerCrashedError: Worker crashed: Error: ${CRASH_MESSAGE}`);
    expect(steps[3].detail).toContain('worker restarted 1 time(s)');
    expect(diag.lastCrash).toContain(CRASH_MESSAGE);
    expect(w.spawned()).toBe(2);
    expect(diag.running).toBe(false);
    diag.dispose();
  });

  it('runs a counted job in the worker that the jobs area can cancel', async () => {
    const w = selfTestWorkers();
    workers = w;
    const diag = new DiagnosticsState(w.spawn);
    const jobs = new JobsState();
    const done = await diag.startCountJob(jobs, 3, 1);
    expect(done).toEqual({ counted: 3 });
    expect(jobs.jobs[0].status).toBe('done');
    expect(jobs.jobs[0].progress).toMatchObject({ done: 3, total: 3, unit: 'steps' });

    const pending = diag.startCountJob(jobs, 1000, 5);
    await sleep(30);
    jobs.cancel(jobs.jobs[0].id);
    await expect(pending).rejects.toMatchObject({ name: 'CancelledError' });
    expect(jobs.jobs[0].status).toBe('cancelled');
    expect(w.spawned()).toBe(1); // cooperative cancel: the worker lives on
    diag.dispose();
  });
});

describe('capability probe', () => {
  const adapter = {
    info: {
      vendor: 'google',
      architecture: 'swiftshader',
      description: '',
      isFallbackAdapter: true,
    },
    features: new Set(['timestamp-query']),
    limits: {
      maxBufferSize: 1 << 30,
      maxStorageBufferBindingSize: 1 << 30,
      maxComputeWorkgroupStorageSize: 32768,
    },
  } as unknown as GPUAdapter;
  const storage = { estimate: async () => ({ usage: 10, quota: 100 }) };

  it('describes the adapter, its f16 support and limits', async () => {
    const r = await probeCapabilities({
      navigator: { gpu: { requestAdapter: async () => adapter }, storage, hardwareConcurrency: 2 },
      crossOriginIsolated: true,
      scope: 'worker',
    });
    expect(r.gpu).toEqual({
      vendor: 'google',
      architecture: 'swiftshader',
      description: '',
      isFallbackAdapter: true,
      shaderF16: false,
      maxBufferSize: 1 << 30,
      maxStorageBufferBindingSize: 1 << 30,
      maxComputeWorkgroupStorageSize: 32768,
    });
    expect(r).toMatchObject({
      webgpuApi: true,
      gpuProblem: null,
      storage: { usage: 10, quota: 100 },
      hardwareConcurrency: 2,
      crossOriginIsolated: true,
    });
  });

  it('says why there is no adapter', async () => {
    const none = await probeCapabilities({ navigator: {}, scope: 'worker' });
    expect(none.gpu).toBeNull();
    expect(none.gpuProblem).toMatch(/no WebGPU/);
    expect(none.storage).toBeNull();
    const denied = await probeCapabilities({
      navigator: { gpu: { requestAdapter: async () => null } },
      scope: 'worker',
    });
    expect(denied.gpuProblem).toMatch(/no GPU adapter was granted/);
    const thrown = await probeCapabilities({
      navigator: {
        gpu: {
          requestAdapter: async () => {
            throw new Error('GPU process lost');
          },
        },
      },
      scope: 'worker',
    });
    expect(thrown.gpuProblem).toBe('Requesting a WebGPU adapter failed: GPU process lost');
  });

  it('CapabilityState runs the probe in a worker and stops the worker after', async () => {
    const w = channelWorkers<CapabilityRpc>({
      probe: () =>
        probeCapabilities({
          navigator: { gpu: { requestAdapter: async () => adapter } },
          scope: 'worker',
        }),
    });
    workers = w;
    const state = new CapabilityState(w.spawn);
    await state.check();
    expect(state.status).toBe('done');
    expect(state.webgpu).toBe(true);
    expect(state.report?.gpu?.architecture).toBe('swiftshader');
    expect(w.terminated()).toBe(true);
  });

  it('CapabilityState reports a worker that cannot start, and can retry', async () => {
    let attempts = 0;
    const failing = (): WorkerLike => {
      attempts++;
      throw new Error('Failed to construct Worker');
    };
    const state = new CapabilityState(failing);
    await state.check();
    expect(state.status).toBe('failed');
    expect(state.error).toBe(
      'The capability check failed: WorkerCrashedError: Worker could not start: Failed to construct Worker',
    );
    await state.check();
    expect(attempts).toBe(2);
  });

  it('CapabilityState gives up on a probe that hangs, with a readable message', async () => {
    const w = channelWorkers<CapabilityRpc>({ probe: () => new Promise<never>(() => {}) });
    workers = w;
    const state = new CapabilityState(w.spawn);
    await state.check(50);
    expect(state.status).toBe('failed');
    expect(state.error).toBe(
      'The capability check did not answer within 0.05 s (the GPU may be busy or hung).',
    );
    expect(w.terminated()).toBe(true);
  });
});
