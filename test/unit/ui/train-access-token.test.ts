// @vitest-environment happy-dom
// The Train form's access-token field (issue 8 item 1): a gated Hugging Face model's token goes
// with the model choice to the model worker, which sends it to the Hub only; without one the
// request carries none, and a local folder never carries it.
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
  const done = { trainingId: 't', step: 0, stoppedBy: 'max-steps' as const, history: [] };
  return {
    listRuns: async () => [],
    listCheckpoints: async () => [],
    deleteCheckpoint: async () => undefined,
    exportAdapter: async () => ({ fileName: 'x.zip', zip: new Uint8Array() }),
    resume: async () => done,
    async start(req) {
      seen.push(req);
      return done;
    },
  };
}

describe('Train form: Hugging Face access token', () => {
  it.each([
    ['', undefined],
    ['  hf_secret123  ', 'hf_secret123'],
  ])('token %j reaches the request as %j', async (typed, sent) => {
    const seen: StartTrainingRequest[] = [];
    const workers = channelWorkers<TrainRpc>(handlers(seen));
    const train = new TrainState(new JobsState(), workers.spawn, () => 'ws');
    render(TrainView, { train, workspaceId: 'ws' });
    const field = screen.getByLabelText('Access token') as HTMLInputElement;
    expect(field.type).toBe('password');
    if (typed) await fireEvent.input(field, { target: { value: typed } });
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0].model).toEqual(
      sent
        ? { source: 'hf', id: 'HuggingFaceTB/SmolLM2-135M-Instruct', accessToken: sent }
        : { source: 'hf', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' },
    );
    workers.closeAll();
  });

  it('is offered only for Hugging Face models', async () => {
    const workers = channelWorkers<TrainRpc>(handlers([]));
    const train = new TrainState(new JobsState(), workers.spawn, () => 'ws');
    render(TrainView, { train, workspaceId: 'ws' });
    await fireEvent.click(screen.getByLabelText('Local folder'));
    expect(screen.queryByLabelText('Access token')).toBeNull();
    workers.closeAll();
  });
});
