// @vitest-environment happy-dom
// The Data view's "Split long single-header sections" option (issue 13 item 7): off by
// default (the paper's rule), and once ticked it travels with the next import and resume
// as the ingest request's segment options.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  CorpusState,
  type CorpusPort,
  type CorpusStats,
} from '../../../src/lib/state/corpus.svelte';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import DataView from '../../../src/ui/views/DataView.svelte';

afterEach(cleanup);

const stats: CorpusStats = {
  workspaceId: 'w',
  documents: 1,
  segments: 1,
  kept: 0,
  issues: 0,
  dropped: { 'too-long': 1 },
  storedDropped: {},
  lengthHistogram: [],
  lengthBinChars: 100,
};

function corpus(): { state: CorpusState; call: ReturnType<typeof vi.fn> } {
  const port: CorpusPort = {
    stats: async () => stats,
    sourceFiles: async () => [],
    page: async () => ({ items: [], next: undefined }),
    search: async () => ({ items: [], complete: true }),
    samples: async () => [],
    seedCount: async () => 0,
  };
  const noWorker = () => {
    throw new Error('no worker in this test');
  };
  const state = new CorpusState(port, new JobsState(), noWorker, () => 'w');
  const call = vi.fn(async () => ({ files: [], counts: {} }));
  (state as unknown as { client: { call: typeof call } }).client.call = call;
  return { state, call };
}

describe('Data view, segmentation option', () => {
  it('is off by default and sends packLongSections once ticked', async () => {
    const { state, call } = corpus();
    render(DataView, { corpus: state, workspaceId: 'w' });
    const box = (await screen.findByTestId('split-long-sections')) as HTMLInputElement;
    expect(box.checked).toBe(false);

    const file = new File(['text'], 'a.txt');
    await state.importFiles([{ file }]);
    expect(call.mock.calls[0][1]).not.toHaveProperty('segment');

    await fireEvent.click(box);
    await waitFor(() => expect(state.splitLongSections).toBe(true));
    await state.importFiles([{ file }]);
    expect(call.mock.calls[1][1]).toMatchObject({ segment: { packLongSections: true } });
    await state.resume(['f1']);
    expect(call.mock.calls[2][1]).toMatchObject({
      sourceFileIds: ['f1'],
      segment: { packLongSections: true },
    });
  });
});
