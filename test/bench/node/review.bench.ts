// The Review table's in-memory model at 100,000 candidates (issue 11 §1, "thousands must be
// smooth"): build the rows and the word index from generated candidates (instruction ~115 and
// output ~1,660 characters, the paper's A_5 means, v1 Table 2; paper ratings of iterations 1
// and 2 and a fast rating of iteration 1), then time each operation the screen runs on a
// key press or a filter change: filter by score, sort by score and by instruction, a two-word
// search, all three together, and the kept count. Median of 5 runs each, all in one process so
// the figures compare side by side. Memory: heap after a forced GC, above the empty model; the
// candidates are generated one at a time and dropped, as the store's pages are.
import { loadavg } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import type { Candidate, Rating } from '../../../src/lib/domain';
import { ReviewModel } from '../../../src/lib/method/review-model';
import { anyFilter } from '../../../src/lib/method/review-rows';
import { measure, type BenchResult } from '../result';
import { generatedCandidate, rng, WORDS } from '../review-text';
import { record } from '../record-node';

const N = 100_000;
const MB = 1_000_000;
const TARGET_MS = 100;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const rating = (iteration: number, mode: 'paper' | 'fast', r: () => number): Rating => {
  if (mode === 'paper')
    return {
      rater: `M${iteration - 1}`,
      iteration,
      mode,
      score: 1 + Math.floor(r() * 5),
      reasoning: 'x'.repeat(300),
      rawOutput: 'y'.repeat(400),
      ratedAt: 1,
    };
  const d = [r(), r(), r(), r(), r()];
  const sum = d.reduce((a, b) => a + b);
  const distribution = d.map((p) => p / sum);
  return {
    rater: 'M0',
    iteration,
    mode,
    score: 1 + distribution.indexOf(Math.max(...distribution)),
    distribution,
    expected: distribution.reduce((a, p, i) => a + p * (i + 1), 0),
    ratedAt: 1,
  };
};

function candidate(i: number): Candidate {
  const r = rng(1000 + i);
  const outputChars = 1000 + Math.floor(r() * 1300);
  return generatedCandidate(
    i,
    r,
    outputChars,
    (r) => [rating(1, 'paper', r), rating(1, 'fast', r), rating(2, 'paper', r)],
    i % 50 === 0 ? 'too-short' : undefined,
  );
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time<T>(fn: () => T, runs = 5): { ms: number; value: T } {
  const times: number[] = [];
  let value!: T;
  for (let k = 0; k < runs; k++) {
    const t = performance.now();
    value = fn();
    times.push(performance.now() - t);
  }
  return { ms: median(times), value };
}

it('review model: build, filter, sort and search at 100k candidates', () => {
  gc();
  const heap0 = process.memoryUsage().heapUsed;
  const model = new ReviewModel();
  let textChars = 0;
  let buildMs = 0;
  for (let i = 0; i < N; i++) {
    const c = candidate(i);
    textChars += c.instruction.length + c.output.length;
    const t = performance.now();
    model.add(c);
    buildMs += performance.now() - t;
  }
  model.compact();
  gc();
  const heapMb = (process.memoryUsage().heapUsed - heap0) / MB;
  expect(model.rows).toHaveLength(N);

  const seq = { key: 'seq' as const, descending: false };
  const byScore = { ...anyFilter(), column: 0, min: 4, max: 5 };
  // A common word and a rarer one, as a person would type them.
  const query = `${WORDS[3].slice(0, 4)} ${WORDS[400]}`;
  const rule = { k: 5, fast: { by: 'expected' as const, atLeast: 4.5 } };
  const ops = {
    'filter (score 4-5 of M0)': () => model.select(byScore, '', seq).length,
    'sort by score': () => model.select(anyFilter(), '', { key: 'col:0', descending: true }).length,
    'sort by instruction': () =>
      model.select(anyFilter(), '', { key: 'instruction', descending: false }).length,
    'search (two words)': () => model.select(anyFilter(), query, seq).length,
    'filter + search + sort': () =>
      model.select(byScore, query, { key: 'col:2', descending: true }).length,
    'kept count': () => model.kept(0, rule),
  };
  // The first sort by text computes the order; later ones (any filter) walk it.
  const firstSort = time(
    () => model.select(anyFilter(), '', { key: 'instruction', descending: true }),
    1,
  );
  const load = `load avg ${loadavg()[0].toFixed(1)} on 2 cores`;
  const results: BenchResult[] = [
    measure(
      'review: build 100k rows + index',
      buildMs,
      'ms',
      undefined,
      `${load}; adding rows only (generating the candidates not counted)`,
    ),
    measure(
      'review: heap of 100k rows + index',
      heapMb,
      'MB',
      undefined,
      `after GC; the candidates' text is ${(textChars / MB).toFixed(0)} M characters (not held)`,
    ),
    measure(
      'review: first sort by instruction at 100k',
      firstSort.ms,
      'ms',
      undefined,
      `computes and caches the order (sorting 100k lower-cased strings); ${load}`,
    ),
  ];
  model.compact();
  for (const [name, op] of Object.entries(ops)) {
    const { ms, value } = time(op);
    expect(value).toBeGreaterThan(0);
    results.push(
      measure(
        `review: ${name} at 100k`,
        ms,
        'ms',
        { atMost: TARGET_MS },
        `${value} rows; median of 5; ${load}`,
      ),
    );
  }
  record('review', results);
});
