// @vitest-environment happy-dom
// The Train form's rsLoRA checkbox (issue 8 item 7): found by its label, off by default, and
// when ticked the training request carries lora.useRslora = true (the trainer then feeds
// lora.scale = alpha/√r and the PEFT download says use_rslora: true).
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Handlers } from '../../../src/lib/protocol';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { TrainState } from '../../../src/lib/state/train.svelte';
import type { StartTrainingRequest, TrainRpc } from '../../../src/lib/train/train-protocol';
import TrainView from '../../../src/ui/views/TrainView.svelte';
import { channelWorkers } from '../protocol/harness';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

function handlers(seen: StartTrainingRequest[]): Handlers<TrainRpc> {
  return {
    listRuns: async () => [],
    listCheckpoints: async () => [],
    deleteCheckpoint: async () => undefined,
    exportAdapter: async () => ({ fileName: 'x.zip', zip: new Uint8Array() }),
    resume: async () => ({ trainingId: 't', step: 0, stoppedBy: 'max-steps', history: [] }),
    async start(req) {
      seen.push(req);
      return { trainingId: 't', step: 0, stoppedBy: 'max-steps', history: [] };
    },
  };
}

describe('Train form: rsLoRA scaling', () => {
  it.each([
    ['left off', false],
    ['ticked', true],
  ])('%s, the request says useRslora %s', async (_, tick) => {
    const seen: StartTrainingRequest[] = [];
    const workers = channelWorkers<TrainRpc>(handlers(seen));
    const train = new TrainState(new JobsState(), workers.spawn, () => 'ws');
    render(TrainView, { train, workspaceId: 'ws' });
    const box = screen.getByLabelText('rsLoRA scaling (α/√r)') as HTMLInputElement;
    expect(box.type).toBe('checkbox');
    expect(box.checked).toBe(false);
    if (tick) await fireEvent.click(box);
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0].options.lora.useRslora).toBe(tick);
    workers.closeAll();
  });
});
