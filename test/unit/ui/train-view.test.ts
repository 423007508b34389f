// @vitest-environment happy-dom
// The Train step: TrainView + the real TrainState + RpcClient, talking to fake training
// handlers over a MessageChannel. Start streams data/metric/checkpoint events into the view,
// cancel reaches the handler's signal, bad input is said plainly, download returns the zip.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelledError, type CallContext } from '../../../src/lib/protocol';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { TrainState, type CheckpointInfo } from '../../../src/lib/state/train.svelte';
import type { Handlers } from '../../../src/lib/protocol';
import type {
  StartTrainingRequest,
  TrainEvent,
  TrainRpc,
} from '../../../src/lib/train/train-protocol';
import TrainView from '../../../src/ui/views/TrainView.svelte';
import { channelWorkers } from '../protocol/harness';

// uPlot draws on a canvas happy-dom does not have; the chart's data path is what matters here.
const plotted: unknown[] = [];
vi.mock('uplot', () => ({
  default: class {
    constructor(_opts: unknown, data: unknown) {
      plotted.push(data);
    }
    destroy() {}
  },
}));

afterEach(cleanup);

const checkpoint: CheckpointInfo = {
  id: 'ck1',
  workspaceId: 'ws',
  kind: 'adapter',
  name: 'M0 (seed) · step 2',
  step: 2,
  createdAt: 0,
  byteLength: 2_000_000,
  meta: { format: 'humpback-train-state/1', history: [{ kind: 'train', step: 2, loss: 1.5 }] },
};

function fakeHandlers(seen: {
  start?: StartTrainingRequest;
  aborted?: boolean;
}): Handlers<TrainRpc> {
  return {
    listRuns: async () => [{ id: 'r1', name: 'Run 1' }],
    listCheckpoints: async () => [],
    deleteCheckpoint: async () => undefined,
    exportAdapter: async () => ({ fileName: 'm0-peft.zip', zip: Uint8Array.of(80, 75, 5, 6) }),
    importAdapter: async () => {
      throw new Error('unused');
    },
    resume: async () => ({ trainingId: 't', step: 0, stoppedBy: 'max-steps', history: [] }),
    async start(req, ctx: CallContext<TrainEvent>) {
      seen.start = req;
      ctx.emit({
        kind: 'data',
        summary: {
          pairs: 30,
          examples: 30,
          truncated: 2,
          dropped: 0,
          trainExamples: 28,
          evalExamples: 2,
          buckets: [64, 128],
          microBatchesPerEpoch: 8,
        },
        totalSteps: 10,
        device: 'wasm',
        startStep: 0,
        history: [],
      });
      ctx.emit({ kind: 'metric', point: { kind: 'eval', step: 0, loss: 3.1 } });
      ctx.emit({
        kind: 'metric',
        point: { kind: 'train', step: 1, loss: 2.9, lr: 2e-4, gradNorm: 1.2, tokensPerSecond: 150 },
      });
      ctx.emit({ kind: 'checkpoint', info: checkpoint });
      ctx.progress({
        job: 'train',
        kind: 'train',
        phase: 'train',
        done: 1,
        total: 10,
        unit: 'steps',
        detail: 'loss 2.900',
      });
      await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      seen.aborted = true;
      throw new CancelledError();
    },
  };
}

describe('TrainView', () => {
  it('start streams curves and checkpoints; cancel stops the job; download gives the zip', async () => {
    const seen: { start?: StartTrainingRequest; aborted?: boolean } = {};
    const workers = channelWorkers<TrainRpc>(fakeHandlers(seen));
    const jobs = new JobsState();
    const train = new TrainState(jobs, workers.spawn, () => 'ws');
    render(TrainView, { train, workspaceId: 'ws' });

    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() =>
      expect(screen.getByTestId('train-metrics').textContent).toContain('train loss 2.900'),
    );
    expect(screen.getByTestId('train-metrics').textContent).toContain('eval loss 3.100');
    expect(screen.getByTestId('train-summary').textContent).toContain('2 truncated');
    expect(screen.getByTestId('train-status').textContent).toContain('the CPU (wasm)');
    await waitFor(() => expect(screen.getAllByTestId('checkpoint-row')).toHaveLength(1));
    expect(seen.start).toMatchObject({ mode: 'seed', model: { source: 'hf' }, device: 'webgpu' });
    expect(seen.start?.options.lora.targetModules).toHaveLength(7);
    expect(plotted.length).toBeGreaterThan(0);
    await waitFor(() => expect(jobs.jobs[0].progress?.detail).toBe('loss 2.900'));

    await fireEvent.click(screen.getByTestId('train-cancel'));
    await waitFor(() => expect(seen.aborted).toBe(true));
    await waitFor(() => expect(jobs.jobs[0].status).toBe('cancelled'));
    await waitFor(() => expect(screen.getByTestId('train-start')).toBeTruthy());
    expect(screen.queryByTestId('train-error')).toBeNull();

    const file = await train.downloadAdapter('ck1');
    expect(file?.fileName).toBe('m0-peft.zip');
    expect(file?.blob.size).toBe(4);
    workers.closeAll();
  });

  it('says plainly what is missing before it starts', async () => {
    const seen = {};
    const workers = channelWorkers<TrainRpc>(fakeHandlers(seen));
    const train = new TrainState(new JobsState(), workers.spawn, () => 'ws');
    train.form.modelId = 'not a repo id';
    render(TrainView, { train, workspaceId: 'ws' });
    await fireEvent.click(screen.getByTestId('train-start'));
    expect(screen.getByTestId('train-error').textContent).toContain('Hugging Face model id');
    train.form.modelId = 'owner/model';
    train.form.mode = 'seed+curated';
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() =>
      expect(screen.getByTestId('train-error').textContent).toContain('Pick the run'),
    );
    workers.closeAll();
  });
});
