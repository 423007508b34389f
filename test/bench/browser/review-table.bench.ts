// The Review table at 100,000 candidates in headless Chromium (issue 11 Tests: "a review table
// of 100,000 candidates stays responsive"). Generated candidates (instruction ~60-170 chars,
// mean ~115, and passages of 600-3,000 chars, the paper's A_5 means, v1 Table 2; paper ratings
// from two raters, M0 at iteration 1 and M1 at iteration 2; every 40th with a filter reason)
// are loaded by the real ReviewState from a store whose pages are generated on demand (so the
// text is dropped page by page as IndexedDB's would be), then the real ReviewTable (virtua) is
// mounted. Timed until the DOM shows the result and one animation frame has passed: the first
// paint of the table, a score filter, a two-word search, clearing them, and scrolling to the
// middle (the cursor moved there, as End/PageDown do). Median of 3 alternated runs for the
// interactions; the load (rows + word index, generation not counted) is timed once.
import { flushSync, mount, unmount } from 'svelte';
import { expect, it } from 'vitest';
import type { Candidate, Rating } from '../../../src/lib/domain';
import { ReviewModel } from '../../../src/lib/method/review-model';
import { anyFilter } from '../../../src/lib/method/review-rows';
import { ReviewState, type ReviewStore } from '../../../src/lib/state/review.svelte';
import ReviewTable from '../../../src/ui/components/review/ReviewTable.svelte';
import { heapMB, record } from '../record-browser';
import { measure, type BenchResult } from '../result';
import { generatedCandidate, rng, WORDS } from '../review-text';

const N = Number(import.meta.env.VITE_BENCH_REVIEW_ROWS ?? 100_000);
const PAINT_MS = 1000;
const INTERACT_MS = 100;

const paper = (rater: string, iteration: number, r: () => number): Rating => ({
  rater,
  iteration,
  mode: 'paper',
  score: 1 + Math.floor(r() * 5),
  reasoning: 'x'.repeat(300),
  ratedAt: 1,
});

function candidate(i: number): Candidate {
  const r = rng(1000 + i);
  const outputChars = 600 + Math.floor(r() * 2400);
  const reason = i % 40 === 0 ? (i % 80 === 0 ? 'too-short' : 'duplicate') : undefined;
  return generatedCandidate(
    i,
    r,
    outputChars,
    (r) => [paper('M0', 1, r), paper('M1', 2, r)],
    reason,
  );
}

/** A store whose pages are generated on demand; generation time is kept apart. */
function generatedStore(): { store: ReviewStore; genMs: () => number } {
  let gen = 0;
  const page = async (_run: string, limit: number, after?: string) => {
    const t = performance.now();
    const start = after === undefined ? 0 : Number(after.slice(1)) + 1;
    const items: Candidate[] = [];
    for (let i = start; i < Math.min(N, start + limit); i++) items.push(candidate(i));
    gen += performance.now() - t;
    const last = items.at(-1);
    return { items, next: last && start + limit < N ? last.id : null };
  };
  const store = {
    candidates: {
      page,
      countByRun: async () => N,
      get: async () => undefined,
      setOverride: async () => {},
    },
    documents: { get: async () => undefined },
  } as unknown as ReviewStore;
  return { store, genMs: () => gen };
}

const frame = () => new Promise<number>((res) => requestAnimationFrame(res));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Waits, frame by frame, until `shown()` holds, then one more frame; returns elapsed ms. */
async function untilShown(t0: number, shown: () => boolean, what: string): Promise<number> {
  for (let k = 0; !shown(); k++) {
    if (k > 600) throw new Error(`the table never showed ${what}`);
    await frame();
  }
  await frame();
  return performance.now() - t0;
}

it('review table: first paint, filter, search and scroll at 100k candidates', async () => {
  const { store, genMs } = generatedStore();
  const review = new ReviewState(store, () => ({
    k: 5,
    fast: { by: 'expected', atLeast: 4.5 },
  }));
  const t0 = performance.now();
  await review.open('r');
  const loadMs = performance.now() - t0 - genMs();
  expect(review.view).toHaveLength(N);
  // Collect the dropped pages first (the runner starts Chromium with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const heap = heapMB();
  // The same rows added to a bare model (no re-filtering per page): what the load costs
  // beyond building rows and index.
  const bare = new ReviewModel();
  let bareMs = 0;
  for (let start = 0; start < N; start += 500) {
    const page = Array.from({ length: Math.min(500, N - start) }, (_, k) => candidate(start + k));
    const t = performance.now();
    for (const c of page) bare.add(c);
    bareMs += performance.now() - t;
  }
  bare.compact();
  expect(bare.rows).toHaveLength(N);

  const target = document.createElement('div');
  target.style.width = '1200px';
  document.body.append(target);
  const rows = () => target.querySelectorAll('[data-testid="review-row"]');
  const firstRowIs = (id: string) => rows()[0]?.id === `review-row-${id}`;

  const m0 = performance.now();
  const app = mount(ReviewTable, { target, props: { review } });
  const paintMs = await untilShown(m0, () => rows().length > 0, 'its first rows');
  const rendered = rows().length;

  const common = WORDS[2].slice(0, 4);
  const query = `${common} ${WORDS[300]}`;
  const times: Record<string, number[]> = {};
  const counts: Record<string, number> = {};
  async function step(name: string, change: () => void, shown: () => boolean) {
    const t = performance.now();
    change();
    flushSync();
    (times[name] ??= []).push(await untilShown(t, shown, name));
    counts[name] = review.view.length;
  }
  const expectFirst = () => firstRowIs(review.view[0].id);
  for (let round = 0; round < 3; round++) {
    await step(
      'filter (score 4-5 of M0)',
      () => {
        review.filter = { ...anyFilter(), column: 0, min: 4, max: 5 };
        review.apply();
      },
      expectFirst,
    );
    await step(
      'search (two words, on the filter)',
      () => {
        review.query = query;
        review.apply();
      },
      expectFirst,
    );
    await step(
      'clear filter and search',
      () => {
        review.filter = anyFilter();
        review.query = '';
        review.apply();
      },
      () => review.view.length === N && expectFirst(),
    );
    const middle = Math.floor(N / 2);
    await step(
      'scroll to the middle',
      () => review.moveTo(middle),
      () => target.querySelector(`#review-row-${review.view[middle].id}`) !== null,
    );
    review.moveTo(0);
    flushSync();
    await untilShown(0, expectFirst, 'the top again');
  }
  unmount(app);
  target.remove();

  const detail = (name: string) =>
    `${counts[name]} rows shown; median of 3 alternated; until the DOM shows it + 1 frame`;
  const results: BenchResult[] = [
    measure(
      'review table: load 100k rows + index (ReviewState.open)',
      loadMs,
      'ms',
      undefined,
      `pages of 500 as the state reads them; generating the candidates not counted (${genMs().toFixed(0)} ms)`,
    ),
    measure(
      'review table: rows + index alone (ReviewModel.add)',
      bareMs,
      'ms',
      undefined,
      'the same candidates, no publish per page; load / this = what re-publishing costs',
    ),
    measure(
      'review table: JS heap after load',
      heap,
      'MB',
      undefined,
      'after GC: rows + word index held, the pages dropped',
    ),
    measure(
      'review table: first paint at 100k',
      paintMs,
      'ms',
      { atMost: PAINT_MS },
      `mount until ${rendered} rows are in the DOM + 1 frame`,
    ),
    ...Object.keys(times).map((name) =>
      measure(
        `review table: ${name} at 100k`,
        median(times[name]),
        'ms',
        name.startsWith('scroll') ? undefined : { atMost: INTERACT_MS },
        detail(name),
      ),
    ),
  ];
  await record('review-table', results);
});
