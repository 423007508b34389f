// Issue 11 items 4–6 through the store: a run's seed pairs and candidates are paged out of
// IndexedDB (fake-indexeddb) into the statistics, the preview and every format's writer. The
// statistics are checked against values worked out by hand; every format parses back (seed
// import; Parquet also with hyparquet) to exactly the selected pairs, edits applied, the
// tagging sentences stripped.
import { parquetReadObjects } from 'hyparquet';
import { beforeAll, describe, expect, it } from 'vitest';
import { importSeeds } from '../../../src/lib/corpus/seeds/seed-import';
import type { Candidate, Rating, Run } from '../../../src/lib/domain';
import type { ExportFormat, ExportOptions } from '../../../src/lib/method/export';
import { SEED_TAG, WEB_TAG } from '../../../src/lib/method/tagging';
import {
  exportFileName,
  exportPreview,
  exportRunChunks,
  runDatasetCard,
  runPairs,
  runStatistics,
} from '../../../src/lib/pipeline/export-service';
import type { Store } from '../../../src/lib/store';
import { newId } from '../../../src/lib/util/ids';
import { freshStore } from '../store/helpers';

const paper = (score: number | null): Rating => ({
  rater: 'model-a+M0',
  iteration: 1,
  mode: 'paper',
  score,
  ratedAt: 1,
});
const fast = (expected: number): Rating => ({
  rater: 'model-a+M0',
  iteration: 1,
  mode: 'fast',
  score: Math.round(expected),
  expected,
  distribution: [0, 0, 0, 0.4, 0.6],
  ratedAt: 2,
});
const text = (c: string, n: number) => c.repeat(n);

let store: Store;
let run: Run;
let ws: string;

/** c5 is filtered out; c6 rejected; c7 rated 1 but accepted with an edited instruction. */
const CANDIDATES: Partial<Candidate>[] = [
  { instruction: text('a', 10), output: text('A', 100), ratings: [paper(5), fast(4.6)] },
  { instruction: text('b', 20), output: text('B', 200), ratings: [paper(4)] },
  { instruction: text('c', 30), output: text('C', 300), ratings: [paper(2)] },
  { instruction: text('d', 40), output: text('D', 400), ratings: [paper(null)] },
  { instruction: text('e', 50), output: text('E', 500), ratings: [paper(5)], filterReason: 'x' },
  {
    instruction: text('f', 60),
    output: text('F', 600),
    ratings: [paper(3)],
    override: { verdict: 'reject', at: 1 },
  },
  {
    instruction: text('g', 70),
    output: text('G', 700),
    ratings: [paper(1)],
    override: { verdict: 'accept', instruction: 'fixed', at: 1 },
  },
];

beforeAll(async () => {
  ({ store } = await freshStore());
  ws = (await store.workspaces.create('w')).id;
  await store.seeds.addMany(ws, [
    { instruction: 'ab', output: 'abcd', source: 'seed.jsonl' },
    { instruction: 'abcdef', input: 'ctx', output: 'ab', source: 'seed.jsonl' },
  ]);
  run = await store.runs.create(ws, { name: 'My run #1', config: { iterations: 1 } });
  await store.candidates.putBatch(
    CANDIDATES.map((c, i) => ({
      id: newId(1000 + i),
      workspaceId: ws,
      runId: run.id,
      segmentId: `s${i}`,
      documentId: 'd',
      headerPath: ['Doc'],
      rawInstruction: c.instruction!,
      producedBy: 'model-a+Myx',
      ratings: [],
      ...c,
    })) as Candidate[],
  );
});

describe('runPairs', () => {
  it('pages through the store: seeds first, then usable or accepted candidates in order', async () => {
    const pairs = [];
    for await (const p of runPairs(store, run, { pageSize: 2 })) pairs.push(p);
    expect(pairs.map((p) => p.instruction)).toEqual([
      'ab',
      'abcdef',
      ...['a', 'b', 'c', 'd', 'f', 'g'].map((c, i) => c.repeat([10, 20, 30, 40, 60, 70][i])),
    ]);
    expect(pairs[1].input).toBe('ctx');
    // The fast rating is named apart from the paper rating of the same iteration.
    expect(pairs[2].ratings).toEqual([
      { rater: 'M0', iteration: 1, score: 5 },
      { rater: 'M0 fast', iteration: 1, score: 5, expected: 4.6 },
    ]);
    expect(pairs.at(-1)?.override).toEqual({ verdict: 'accept', instruction: 'fixed' });
  });
});

describe('runStatistics against hand-computed values', () => {
  it('table, keep rates, histograms and overrides', async () => {
    const r = await runStatistics(store, run, { rater: 'M0', iteration: 1 });
    const [seed, a5, a4, all] = r.statistics;
    // Seeds: instructions 2, 6 → 4 ± 2; outputs 4, 2 → 3 ± 1.
    expect(seed).toMatchObject({ id: 'seed', count: 2 });
    expect([seed.instruction.mean, seed.instruction.sd]).toEqual([4, 2]);
    expect([seed.output.mean, seed.output.sd]).toEqual([3, 1]);
    // All usable candidates (c5 filtered out), c7 with its edited 5-character instruction:
    // instructions 10 20 30 40 60 5 → 27.5 ± 18.6525; outputs 100 … 700 → 383.33 ± 211.4763.
    expect(all.count).toBe(6);
    expect(all.instruction.mean).toBeCloseTo(27.5, 6);
    expect(all.instruction.sd).toBeCloseTo(18.652524, 5);
    expect(all.output.mean).toBeCloseTo(383.3333, 3);
    expect(all.output.sd).toBeCloseTo(211.476292, 5);
    // A5: c1 (5) and c7 (accepted); A4 adds c2. The paper's rows ride along (v1 Table 2).
    expect([a5.count, a4.count]).toEqual([2, 3]);
    expect(a5.output.mean).toBe(400); // (100 + 700) / 2
    expect(a5.paper).toEqual({ count: 41821, instruction: [115, 175], output: [1663, 616] });
    expect(seed.paper.count).toBe(3200);
    // Kept at k = 1..5: c1 c2 c3 c7 | same | c1 c2 c7 | same | c1 c7 (c4 unscored, c6 rejected).
    expect(r.keepRates.map((k) => k.kept)).toEqual([4, 4, 3, 3, 2]);
    expect(r.keepRates[4].rate).toBeCloseTo(2 / 6, 9);
    // One histogram per rater and iteration; the filtered c5 (rated 5) is not counted.
    expect(r.histograms.map((h) => [h.rater, h.iteration, h.counts, h.unscored])).toEqual([
      ['M0', 1, [1, 1, 1, 1, 1], 1],
      ['M0 fast', 1, [0, 0, 0, 0, 1], 0],
    ]);
    expect(r.histograms[1].expected).toEqual([0, 0, 0, 0, 0, 0, 0, 1]); // 4.6 in [4.5, 5]
    expect(r.overrides).toEqual({ accepted: 1, rejected: 1, edited: 1 });
  });
});

const OPTS: ExportOptions = {
  format: 'alpaca',
  selection: { rule: { by: 'score', k: 4 }, rater: 'M0', iteration: 1 },
  systemTags: true,
};
/** Seeds, c1, c2 and the accepted, edited c7. */
const KEPT = [
  { instruction: 'ab', output: 'abcd', origin: 'seed' },
  { instruction: 'abcdef', input: 'ctx', output: 'ab', origin: 'seed' },
  { instruction: text('a', 10), output: text('A', 100), origin: 'augmented' },
  { instruction: text('b', 20), output: text('B', 200), origin: 'augmented' },
  { instruction: 'fixed', output: text('G', 700), origin: 'augmented' },
] as const;

async function bytesOf(format: ExportFormat): Promise<Uint8Array<ArrayBuffer>> {
  const parts: Uint8Array[] = [];
  for await (const c of exportRunChunks(store, run, { ...OPTS, format })) parts.push(c);
  return new Uint8Array(await new Blob(parts as BlobPart[]).arrayBuffer());
}

describe('export through the store: every format parses back to the selected pairs', () => {
  it('preview and count', async () => {
    const p = await exportPreview(store, run, OPTS.selection, 3);
    expect(p.counts).toEqual({ seed: 2, augmented: 3, edited: 1 });
    expect(p.rows.map((r) => r.instruction)).toEqual(KEPT.slice(0, 3).map((k) => k.instruction));
    const noSeed = await exportPreview(store, run, { ...OPTS.selection, origins: ['augmented'] });
    expect(noSeed.counts).toEqual({ seed: 0, augmented: 3, edited: 1 });
  });

  for (const format of ['alpaca', 'openai', 'sharegpt', 'parquet'] as const) {
    it(`${format}, tagged: imports back as seeds, tags stripped`, async () => {
      const bytes = await bytesOf(format);
      const name = exportFileName(run.name, format);
      const imported = await importSeeds(new File([bytes], name));
      expect(imported.errors).toEqual([]);
      const flat = format === 'alpaca' || format === 'parquet';
      expect(imported.pairs).toEqual(
        KEPT.map((k) => {
          const input = 'input' in k ? k.input : undefined;
          if (flat)
            return {
              instruction: k.instruction,
              output: k.output,
              source: name,
              ...(input ? { input } : {}),
            };
          return {
            instruction: input ? `${k.instruction}\n\n${input}` : k.instruction,
            output: k.output,
            source: name,
          };
        }),
      );
      if (format === 'parquet') {
        const rows = await parquetReadObjects({ file: bytes.buffer });
        expect(rows.map((r) => [r.system, r.origin, r.edited, r.verdict])).toEqual(
          KEPT.map((k, i) => [
            k.origin === 'seed' ? SEED_TAG : WEB_TAG,
            k.origin,
            i === 4,
            i === 4 ? 'accept' : null,
          ]),
        );
      }
    });
  }

  it('the dataset card names the file and counts what was exported', async () => {
    const p = await exportPreview(store, run, OPTS.selection);
    const card = runDatasetCard(run, OPTS, p.counts, exportFileName(run.name, 'alpaca'));
    expect(exportFileName(run.name, 'alpaca')).toBe('my-run-1-alpaca.jsonl');
    expect(card).toContain('path: "my-run-1-alpaca.jsonl"');
    expect(card).toContain('5 instruction–response pairs: 2 from the seed set and 3 made');
    expect(card).toContain('(1 corrected by hand)');
  });
});
