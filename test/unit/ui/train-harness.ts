// A Train view over TrainRpc handlers that only record the start requests, behind a real
// RpcClient/serve pair (channelWorkers): what the form sends is what the model worker would get.
import { render } from '@testing-library/svelte';
import type { Handlers } from '../../../src/lib/protocol';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { TrainState } from '../../../src/lib/state/train.svelte';
import type { StartTrainingRequest, TrainRpc } from '../../../src/lib/train/train-protocol';
import TrainView from '../../../src/ui/views/TrainView.svelte';
import { channelWorkers } from '../protocol/harness';

function recordingHandlers(seen: StartTrainingRequest[]): Handlers<TrainRpc> {
  const done = { trainingId: 't', step: 0, stoppedBy: 'max-steps' as const, history: [] };
  return {
    listRuns: async () => [],
    listCheckpoints: async () => [],
    deleteCheckpoint: async () => undefined,
    exportAdapter: async () => ({ fileName: 'x.zip', zip: new Uint8Array() }),
    importAdapter: async () => {
      throw new Error('unused');
    },
    resume: async () => done,
    async start(req) {
      seen.push(req);
      return done;
    },
  };
}

/**
 * Renders the Train view; `seen` collects every start request; `kept` are the local copies in
 * the model cache; call `close` at the end.
 */
export function renderTrainView(kept: string[] = []): {
  seen: StartTrainingRequest[];
  train: TrainState;
  close: () => void;
} {
  const seen: StartTrainingRequest[] = [];
  const workers = channelWorkers<TrainRpc>(recordingHandlers(seen));
  const train = new TrainState(
    new JobsState(),
    workers.spawn,
    () => 'ws',
    undefined,
    async () => [...kept],
  );
  render(TrainView, { train, workspaceId: 'ws' });
  return { seen, train, close: () => workers.closeAll() };
}
