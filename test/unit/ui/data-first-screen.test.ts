// @vitest-environment happy-dom
// The Data step of an empty workspace opens on the demo offer (one click to a segmented
// corpus); once the workspace holds a corpus the offer gives way to the corpus panels.
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

const stats = (over: Partial<CorpusStats> = {}): CorpusStats => ({
  workspaceId: 'w',
  documents: 0,
  segments: 0,
  kept: 0,
  issues: 0,
  dropped: {},
  storedDropped: {},
  lengthHistogram: [],
  lengthBinChars: 100,
  ...over,
});

function corpus(current: CorpusStats): CorpusState {
  const port: CorpusPort = {
    stats: async () => current,
    sourceFiles: async () => [],
    page: async () => ({ items: [], next: undefined }),
    search: async () => ({ items: [], complete: true }),
    samples: async () => [],
    seedCount: async () => 0,
  };
  const noWorker = () => {
    throw new Error('no worker in this test');
  };
  return new CorpusState(port, new JobsState(), noWorker, () => 'w');
}

describe('Data step, first screen', () => {
  it('offers the demo in an empty workspace, and one click loads it', async () => {
    const c = corpus(stats());
    const loadDemo = vi.spyOn(c, 'loadDemo').mockResolvedValue();
    render(DataView, { corpus: c, workspaceId: 'w' });
    const offer = await screen.findByTestId('demo-offer');
    expect(offer.textContent).toContain('Start with the demo');
    await fireEvent.click(screen.getByRole('button', { name: 'Try the demo data' }));
    expect(loadDemo).toHaveBeenCalledTimes(1);
  });

  it('shows the corpus, not the offer, once the workspace holds documents', async () => {
    // Nothing kept, so no length histogram (uPlot needs a canvas happy-dom does not have).
    const c = corpus(stats({ documents: 2, segments: 5, dropped: { 'too-short': 5 } }));
    render(DataView, { corpus: c, workspaceId: 'w' });
    await waitFor(() => expect(screen.getByTestId('count-documents').textContent).toBe('2'));
    expect(screen.queryByTestId('demo-offer')).toBeNull();
    expect(screen.queryByTestId('load-demo')).toBeNull();
  });
});
