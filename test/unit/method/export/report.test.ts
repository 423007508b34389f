// The run report's statistics, keep rates and histograms against values computed by hand
// (in the comments), and the Markdown/SVG renderings of them.
import { describe, expect, it } from 'vitest';
import { histogramSvg, BAR_AREA } from '../../../../src/lib/method/export/histogram-svg';
import { buildRunReport, reportJson } from '../../../../src/lib/method/export/report';
import { reportMarkdown } from '../../../../src/lib/method/export/report-markdown';
import type { ExportPair } from '../../../../src/lib/method/export/types';

const x = (n: number) => 'x'.repeat(n);
const y = (n: number) => 'y'.repeat(n);

const PAIRS: ExportPair[] = [
  { instruction: 'ab', output: 'abcd', origin: 'seed' },
  { instruction: 'abcdef', output: 'ab', origin: 'seed' },
  {
    instruction: x(10),
    output: y(100),
    origin: 'augmented',
    ratings: [
      { rater: 'M0', iteration: 1, score: 5, expected: 4.7 },
      { rater: 'M1', iteration: 2, score: 4, expected: 4.1 },
    ],
  },
  {
    instruction: x(20),
    output: y(200),
    origin: 'augmented',
    ratings: [
      { rater: 'M0', iteration: 1, score: 3, expected: 3.2 },
      { rater: 'M1', iteration: 2, score: 5, expected: 4.9 },
    ],
  },
  {
    instruction: x(30),
    output: y(300),
    origin: 'augmented',
    ratings: [
      { rater: 'M0', iteration: 1, score: null, expected: 2.0 },
      { rater: 'M1', iteration: 2, score: 2, expected: 1.0 },
    ],
  },
  {
    instruction: x(40),
    output: y(400),
    origin: 'augmented',
    ratings: [
      { rater: 'M0', iteration: 1, score: 1 },
      { rater: 'M1', iteration: 2, score: 1 },
    ],
    override: { verdict: 'accept', output: 'z'.repeat(500) },
  },
  {
    instruction: x(50),
    output: y(500),
    origin: 'augmented',
    ratings: [
      { rater: 'M0', iteration: 1, score: 5 },
      { rater: 'M1', iteration: 2, score: 5 },
    ],
    override: { verdict: 'reject' },
  },
];

async function* stream<T>(items: T[]) {
  yield* items;
}

describe('run report', async () => {
  const report = await buildRunReport(
    {
      runName: 'Run <1>',
      createdAt: Date.UTC(2026, 11, 4),
      config: {
        iterations: 2,
        threshold: 5,
        seeds: { count: 2, source: 'seed.jsonl' },
        lineage: [
          { kind: 'curate', iteration: 2, model: { id: 'tiny' }, adapterCheckpointId: 'm1' },
        ],
      },
      stageCounts: [
        { stage: 'passages', count: 7 },
        { stage: 'rated', count: 5 },
      ],
      exported: [{ path: 'data/train.jsonl', format: 'alpaca', rows: 4 }],
    },
    stream(PAIRS),
  );

  it('statistics table rows (latest iteration decides: scores 4, 5, 2, 1+accept, 5+reject)', () => {
    const [seed, a5, a4, all] = report.statistics;
    // Seed: instructions 2, 6 → 4 ± 2; outputs 4, 2 → 3 ± 1.
    expect(seed).toMatchObject({
      count: 2,
      instruction: { mean: 4, sd: 2 },
      output: { mean: 3, sd: 1 },
    });
    expect(seed.paper.count).toBe(3200);
    // A5: the 5 and the accepted pair (edited output 500): 20, 40 → 30 ± 10; 200, 500 → 350 ± 150.
    expect(a5).toMatchObject({
      count: 2,
      instruction: { mean: 30, sd: 10 },
      output: { mean: 350, sd: 150 },
    });
    // A4: 10, 20, 40 → 70/3 ± √(1400/9).
    expect(a4.count).toBe(3);
    expect(a4.instruction.mean).toBeCloseTo(70 / 3, 10);
    expect(a4.instruction.sd).toBeCloseTo(Math.sqrt(1400 / 9), 10);
    // All five: 10..50 → 30 ± √200; outputs 100, 200, 300, 500, 500 → 320 ± 160.
    expect(all.count).toBe(5);
    expect(all.instruction.sd).toBeCloseTo(Math.sqrt(200), 10);
    expect(all.output).toMatchObject({ mean: 320, sd: 160, min: 100, max: 500 });
  });

  it('keep rate at each k (the rejected 5 is never kept, the accepted 1 always)', () => {
    expect(report.keepRates).toEqual([
      { k: 1, kept: 4, rate: 0.8 },
      { k: 2, kept: 4, rate: 0.8 },
      { k: 3, kept: 3, rate: 0.6 },
      { k: 4, kept: 3, rate: 0.6 },
      { k: 5, kept: 2, rate: 0.4 },
    ]);
  });

  it('histograms per rater and iteration, paper scores and fast-mode expected scores', () => {
    expect(report.histograms.map(({ svg: _svg, ...h }) => h)).toEqual([
      // M0: 5, 3, unparsed, 1, 5; expected 4.7 → [4.5,5], 3.2 → [3,3.5), 2.0 → [2,2.5).
      {
        rater: 'M0',
        iteration: 1,
        counts: [1, 0, 1, 0, 2],
        unscored: 1,
        expected: [0, 0, 1, 0, 1, 0, 0, 1],
      },
      // M1: 4, 5, 2, 1, 5; expected 4.1 → [4,4.5), 4.9 → [4.5,5], 1.0 → [1,1.5).
      {
        rater: 'M1',
        iteration: 2,
        counts: [1, 1, 0, 1, 2],
        unscored: 0,
        expected: [1, 0, 0, 0, 0, 0, 1, 1],
      },
    ]);
    expect(report.overrides).toEqual({ accepted: 1, rejected: 1, edited: 1 });
  });

  it('an earlier iteration can decide instead', async () => {
    const r = await buildRunReport(
      { runName: 'r', config: {}, selection: { iteration: 1 } },
      PAIRS,
    );
    // Iteration 1: 5, 3, null, 1+accept, 5+reject → A5 = first and accepted.
    expect(r.keepRates.map((k) => k.kept)).toEqual([3, 3, 3, 2, 2]);
  });

  it('the SVG bars are proportional to the counts, the tallest BAR_AREA high', () => {
    const heights = [...report.histograms[0].svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map(
      (m) => Number(m[1]),
    );
    // counts 1, 0, 1, 0, 2 and 1 unparsed; max 2.
    expect(heights).toEqual([0.5, 0, 0.5, 0, 1, 0.5].map((f) => f * BAR_AREA));
    const svg = histogramSvg('Scores <by> Mü & co', ['a'], [3]);
    expect(svg).toContain('Scores &lt;by&gt; M&#xfc; &amp; co');
    expect(svg).toMatch(/^[\x20-\x7e]*$/);
  });

  it('Markdown has the paper-format table, keep rates, images and counts', () => {
    const md = reportMarkdown(report);
    expect(md).toContain('# Run report: Run <1>');
    expect(md).toContain('| Seed data | 2 | 3,200 | 4 ± 2 | 148 ± 322 | 3 ± 1 | 1,072 ± 818 |');
    expect(md).toContain(
      '| Augmented, all candidates | 5 | 502,133 | 30 ± 14 | 352 ± 134 | 320 ± 160 | 1,722 ± 653 |',
    );
    expect(md).toContain('| ≥ 5 | 2 | 40.0% |');
    expect(md).toContain('| curate | 2 | tiny | — | m1 | — | — | — |');
    expect(md).toContain('| passages | 7 |');
    expect(md).toContain('| 1 | 0 | 1 | 0 | 2 | 1 |');
    expect(md).toContain('1 accepted, 1 rejected and 1 edited by hand');
    expect(md).toContain('| data/train.jsonl | alpaca | 4 |');
    const uris = [...md.matchAll(/!\[[^\]]*\]\(data:image\/svg\+xml;base64,([A-Za-z0-9+/=]+)\)/g)];
    expect(uris).toHaveLength(4); // two paper-score and two expected-score histograms
    expect(atob(uris[0][1])).toBe(report.histograms[0].svg);
  });

  it('JSON is the same report, parseable', () => {
    expect(JSON.parse(reportJson(report))).toEqual(JSON.parse(JSON.stringify(report)));
  });
});
