// @vitest-environment happy-dom
// The Review screen (issue 11 §1-3) over the real store (fake-indexeddb): loading a run in
// pages, overrides written through store.candidates.setOverride apart from the ratings, undo
// restoring the previous override exactly (none included), the changed and kept counts; and
// the table's keyboard (j/k/arrows, a, r, e, u, Enter) driving that state.
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { makeCandidate, paperRating } from '../../helpers/candidate';
import { ReviewState } from '../../../src/lib/state/review.svelte';
import { DEFAULT_KEEP_RULE } from '../../../src/lib/pipeline/method-service';
import type { Candidate } from '../../../src/lib/domain';
import ReviewTable from '../../../src/ui/components/review/ReviewTable.svelte';
import ReviewDetail from '../../../src/ui/components/review/ReviewDetail.svelte';

afterEach(cleanup);

/** n candidates of run r, paper-rated 1..5 in turn by M0; ids sort in write order. */
/** Pages of 4: loading many pages is what is tested, not a large run. */
const PAGE = 4;

async function setUp(n: number) {
  const { store } = await freshStore();
  const candidates: Candidate[] = Array.from({ length: n }, (_, i) =>
    makeCandidate({
      id: `c${String(i).padStart(5, '0')}`,
      workspaceId: 'w',
      runId: 'r',
      segmentId: `s${i}`,
      instruction: `Instruction number ${i}`,
      ratings: [paperRating(1, (i % 5) + 1)],
    }),
  );
  await store.candidates.putBatch(candidates);
  const review = new ReviewState(store, () => DEFAULT_KEEP_RULE, PAGE);
  await review.open('r');
  return { store, review, candidates };
}

describe('review state', () => {
  it('loads every page, then overrides, edits and undoes exactly', async () => {
    const n = 5 * PAGE + 3;
    const { store, review } = await setUp(n);
    expect(review.loaded).toBe(n);
    expect(review.view).toHaveLength(n);
    expect(review.columns).toEqual([{ iteration: 1, mode: 'paper' }]);
    // k = 5: every fifth candidate (score 5: i = 4, 9, ...) is kept.
    const kept = Math.floor((n + 1) / 5);
    expect(review.kept).toBe(kept);

    // c00000 is rated 1: accepting keeps it, and the cursor moves on.
    await review.decide('accept');
    expect(review.cursor).toBe(1);
    expect((await store.candidates.get('c00000'))?.override?.verdict).toBe('accept');
    expect((await store.candidates.get('c00000'))?.ratings).toHaveLength(1);
    expect(review.kept).toBe(kept + 1);
    expect(review.changed).toBe(1);
    expect(review.view[0].verdict).toBe('accept');

    // c00004 is rated 5: rejecting drops it.
    review.moveTo(4);
    await review.decide('reject');
    expect(review.kept).toBe(kept);
    const rejected = (await store.candidates.get('c00004'))!.override;

    // An edit on top of the rejection keeps the verdict; the row shows the edited text.
    review.moveTo(4);
    await review.openDetail(true);
    expect(review.editing).toBe(true);
    await review.saveEdit({ instruction: 'Better instruction', output: 'Passage of s4' });
    expect((await store.candidates.get('c00004'))?.override).toMatchObject({
      verdict: 'reject',
      instruction: 'Better instruction',
    });
    expect(review.view[4]).toMatchObject({ instruction: 'Better instruction', edited: true });
    expect(review.detail?.candidate.override?.instruction).toBe('Better instruction');
    review.query = 'better';
    review.apply();
    expect(review.view.map((r) => r.id)).toEqual(['c00004']);
    review.query = '';
    review.apply();

    // Undo: back to the exact earlier override, then to none at all.
    await review.undo();
    expect((await store.candidates.get('c00004'))?.override).toEqual(rejected);
    expect(review.view[4].instruction).toBe('Instruction number 4');
    await review.undo();
    expect((await store.candidates.get('c00004'))?.override).toBeUndefined();
    expect(review.kept).toBe(kept + 1);
    await review.undo();
    expect((await store.candidates.get('c00000'))?.override).toBeUndefined();
    expect(review.kept).toBe(kept);
    expect(review.changed).toBe(0);
    expect(review.undoDepth).toBe(0);
    expect(review.cursor).toBe(0);

    // Filter to the unread scores and clear an override from the detail view.
    review.filter.column = 0;
    review.filter.min = 2;
    review.filter.max = 2;
    review.apply();
    expect(review.view.every((r) => r.scores[0] === 2)).toBe(true);
    expect(review.view).toHaveLength(Math.floor((n - 2) / 5) + 1);
    await review.decide('reject');
    await review.openDetail();
    await review.clear();
    expect(review.changed).toBe(0);
    expect(review.undoDepth).toBe(2);
  });

  it('persists: a new state over the same store reads the overrides back', async () => {
    const { store, review } = await setUp(6);
    review.moveTo(2);
    await review.decide('reject');
    const again = new ReviewState(store, () => DEFAULT_KEEP_RULE);
    await again.open('r');
    expect(again.view[2].verdict).toBe('reject');
    expect(again.changed).toBe(1);
  });
});

describe('review table keyboard', () => {
  it('j/k/arrows move, a/r decide, u undoes, Enter opens details, e edits', async () => {
    const { store, review } = await setUp(12);
    render(ReviewTable, { review });
    const list = screen.getByRole('listbox');
    const key = (k: string) => fireEvent.keyDown(list, { key: k });
    await key('j');
    await key('ArrowDown');
    expect(review.cursor).toBe(2);
    await key('k');
    expect(review.cursor).toBe(1);
    await key('ArrowUp');
    await key('ArrowUp');
    expect(review.cursor).toBe(0);
    await key('End');
    expect(review.cursor).toBe(11);
    await key('Home');

    // Pressed without waiting for the store: each key acts on its own row, in order.
    void key('a');
    void key('r');
    expect(review.cursor).toBe(2);
    await review.idle();
    expect((await store.candidates.get('c00000'))?.override?.verdict).toBe('accept');
    expect((await store.candidates.get('c00001'))?.override?.verdict).toBe('reject');
    await key('u');
    await review.idle();
    expect(review.cursor).toBe(1);
    expect(review.undoDepth).toBe(1);
    expect((await store.candidates.get('c00001'))?.override).toBeUndefined();

    // A key with a modifier is the browser's (Ctrl+R reloads), not the table's.
    await fireEvent.keyDown(list, { key: 'r', ctrlKey: true });
    expect(review.undoDepth).toBe(1);

    await key('Enter');
    await waitFor(() => expect(review.detail?.candidate.id).toBe('c00001'));
    expect(review.editing).toBe(false);
    await key('e');
    await waitFor(() => expect(review.editing).toBe(true));
    // The current row is announced to assistive technology.
    expect(list.getAttribute('aria-activedescendant')).toBe('review-row-c00001');
  });
});

describe('review detail', () => {
  it('shows text as text, every rating with reasoning and raw output, the distribution, the source', async () => {
    const { store } = await freshStore();
    await store.candidates.putBatch([
      makeCandidate({
        id: 'c1',
        workspaceId: 'w',
        runId: 'r',
        segmentId: 's1',
        instruction: '<img src=x onerror=alert(1)> Why?',
        output: '<b>not bold</b>',
        headerPath: ['Guide', 'Chains'],
        ratings: [
          {
            ...paperRating(1, 4),
            reasoning: 'Mostly relevant.',
            rawOutput: 'Mostly relevant.\nScore: 4',
          },
          {
            rater: 'm0',
            iteration: 1,
            mode: 'fast',
            score: 5,
            distribution: [0, 0.1, 0.1, 0.1, 0.7],
            expected: 4.4,
            ratedAt: 2,
          },
        ],
      }),
    ]);
    const review = new ReviewState(store, () => DEFAULT_KEEP_RULE);
    await review.open('r');
    await review.openDetail();
    const { container } = render(ReviewDetail, { review });
    expect(container.querySelector('img, b')).toBeNull();
    expect(screen.getByTestId('review-detail-instruction').textContent).toBe(
      '<img src=x onerror=alert(1)> Why?',
    );
    expect(container.textContent).toContain('<b>not bold</b>');
    expect(screen.getAllByTestId('review-rating')).toHaveLength(2);
    expect(container.textContent).toContain('Score: 4');
    expect(container.textContent).toContain('expected 4.40');
    expect(screen.getByTestId('review-distribution').getAttribute('aria-label')).toContain(
      'P(5) = 0.70',
    );
    expect(screen.getByTestId('review-distribution').querySelectorAll('rect')).toHaveLength(5);
    expect(screen.getByTestId('review-source').textContent).toContain('Guide › Chains');
  });
});
