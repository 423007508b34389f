// Workshop mode's numbers (issue 12 §4) against values computed by hand on a small run: keep
// rate at k = 5 and k ≥ 4 (with a person's accept winning), the statistics table (edited text
// wins), M0 vs M1 as raters (Spearman, kappa, kept counts), what each slide says is missing,
// and the state reading a real store (fake-indexeddb): newest run, seeds, adapters, walk keys.
import { newSweep } from '../../helpers/sweep';
import { describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import type { Candidate, Rating, RatingMode, Run, SeedPair } from '../../../src/lib/domain';
import { slideMissing, WorkshopState } from '../../../src/lib/state/workshop.svelte';
import { workshopNumbers, type WorkshopInput } from '../../../src/lib/state/workshop-numbers';
import { WORKSHOP_SLIDES } from '../../../src/lib/state/workshop-slides';
import { emptyTotals } from '../../../src/lib/state/ports';

const rating = (iteration: number, score: number | null, mode: RatingMode = 'paper'): Rating => ({
  rater: iteration === 1 ? 'm0' : 'm1',
  iteration,
  mode,
  score,
  ...(score === null ? { failure: 'no-score' as const } : {}),
  ratedAt: iteration,
});

function candidate(n: number, ratings: Rating[], extra: Partial<Candidate> = {}): Candidate {
  return {
    id: `c${n}`,
    workspaceId: 'w',
    runId: 'r',
    segmentId: `s${n}`,
    documentId: 'd',
    headerPath: [],
    output: 'o'.repeat(100),
    rawInstruction: 'i'.repeat(10 * n),
    instruction: 'i'.repeat(10 * n),
    producedBy: 'backward',
    ratings,
    ...extra,
  };
}

/**
 * Iteration 1 (M0): 5, 4, 3, no score, 5; iteration 2 (M1): 5, 5, 2, 4, 3. A person accepts
 * c3 and rewrites its instruction (60 characters). c6's instruction was filtered out.
 */
const candidates: Candidate[] = [
  candidate(1, [rating(1, 5), rating(2, 5)]),
  candidate(2, [rating(1, 4), rating(2, 5)]),
  candidate(3, [rating(1, 3), rating(2, 2)], {
    override: { verdict: 'accept', instruction: 'e'.repeat(60), at: 1 },
  }),
  candidate(4, [rating(1, null), rating(2, 4)]),
  candidate(5, [rating(1, 5), rating(2, 3)]),
  candidate(6, [], { filterReason: 'empty', instruction: 'x'.repeat(5) }),
];

const seeds: SeedPair[] = [
  { id: 's1', workspaceId: 'w', instruction: 'q'.repeat(10), output: 'a'.repeat(100), source: 't' },
  { id: 's2', workspaceId: 'w', instruction: 'q'.repeat(30), output: 'a'.repeat(300), source: 't' },
];

const run: Run = {
  id: 'r',
  workspaceId: 'w',
  name: 'main',
  createdAt: 1,
  stages: {},
  config: {
    threshold: 5,
    seeds: { count: 2 },
    corpus: { keptSegments: 6, documents: 0, takenAt: 1 },
    lineage: [
      { kind: 'augment', iteration: 0, model: { id: 'fake-backward' }, engine: 'fake' },
      { kind: 'curate', iteration: 1, model: { id: 'fake-rater' }, engine: 'fake' },
    ],
  },
};

const input = (over: Partial<WorkshopInput> = {}): WorkshopInput => ({
  corpus: { documents: 3, segments: 10, kept: 6 },
  seeds,
  run,
  candidates,
  adapters: 0,
  evaluations: [],
  ...over,
});

describe('workshopNumbers', () => {
  const n = workshopNumbers(input());

  it('counts the keep rate at k = 5 and k ≥ 4 of iteration 1, a person’s accept included', () => {
    expect(n.curation).toMatchObject({
      iteration: 1,
      mode: 'paper',
      rater: 'm0',
      rated: 5,
      failures: 1,
      histogram: [0, 0, 1, 1, 2],
      keptAt5: 3,
      keptAt4: 4,
    });
    expect(n.curation!.rateAt5).toBeCloseTo(0.6);
    expect(n.curation!.rateAt4).toBeCloseTo(0.8);
  });

  it('builds the statistics table at the latest iteration, with edited text', () => {
    expect(n.stats?.iteration).toBe(2);
    const [seed, a5, a4, all] = n.stats!.rows;
    expect(seed).toMatchObject({ count: 2, instruction: { mean: 20, sd: 10 } });
    expect(seed.output).toMatchObject({ mean: 200, sd: 100 });
    // A5 at iteration 2: c1, c2 (rated 5) and c3 (accepted, instruction edited to 60 chars).
    expect(a5.count).toBe(3);
    expect(a5.instruction.mean).toBeCloseTo(30);
    expect(a5.instruction.sd).toBeCloseTo(Math.sqrt(1400 / 3));
    expect(a4.count).toBe(4);
    expect(all.count).toBe(5);
    expect(a5.paper.count).toBe(41821);
  });

  it('compares M0 and M1 as raters on the pairs both scored', () => {
    // c4 has no M0 score, so 4 pairs: (5,5) (4,5) (3,2) (5,3). Ranks give rho = 2.25 / 4.5;
    // kept at 5: M0 {c1, c5}, M1 {c1, c2}: observed agreement 0.5 = chance, kappa 0.
    expect(n.raters).toMatchObject({
      mode: 'paper',
      m0: 'm0',
      m1: 'm1',
      pairs: 4,
      keptByM0: 2,
      keptByM1: 2,
      keptByBoth: 1,
    });
    expect(n.raters!.spearman).toBeCloseTo(0.5);
    expect(n.raters!.kappa).toBeCloseTo(0);
  });

  it('counts augmentation over all candidates and lengths over the usable ones', () => {
    expect(n.augmentation).toMatchObject({ candidates: 6, usable: 5, filtered: { empty: 1 } });
    expect(n.augmentation!.instruction.mean).toBeCloseTo(30);
    expect(n.augmentation!.instruction.sd).toBeCloseTo(Math.sqrt(200));
    expect(n.backward.augmentedBy?.model?.id).toBe('fake-backward');
    expect(n.engines).toEqual(['fake']);
  });

  it('prefers paper mode and falls back to fast mode for curation and raters', () => {
    const fastOnly = candidates.map((c) => ({
      ...c,
      ratings: c.ratings.map((r) => ({ ...r, mode: 'fast' as const })),
    }));
    const f = workshopNumbers(input({ candidates: fastOnly }));
    expect(f.curation?.mode).toBe('fast');
    expect(f.raters?.mode).toBe('fast');
    const mixed = candidates.map((c, i) =>
      i === 0 ? { ...c, ratings: [...c.ratings, rating(1, 1, 'fast')] } : c,
    );
    expect(workshopNumbers(input({ candidates: mixed })).curation?.mode).toBe('paper');
  });

  it('has no M0/M1 comparison with a single iteration', () => {
    const one = candidates.map((c) => ({ ...c, ratings: c.ratings.slice(0, 1) }));
    const m = workshopNumbers(input({ candidates: one }));
    expect(m.raters).toBeNull();
    expect(slideMissing('iterate', m)).toMatch(/Only iteration 1 is rated/);
  });
});

describe('slideMissing', () => {
  it('names what is missing on every slide of an empty workspace, and nothing once it exists', () => {
    const empty = workshopNumbers(
      input({
        corpus: { documents: 0, segments: 0, kept: 0 },
        seeds: [],
        run: null,
        candidates: [],
      }),
    );
    for (const s of WORKSHOP_SLIDES) {
      if (s.id === 'overview') expect(slideMissing(s.id, empty)).toBeNull();
      else expect(slideMissing(s.id, empty), s.id).toMatch(/\w/);
    }
    expect(slideMissing('evaluate', empty)).toMatch(/Evaluate step/);
    const full = workshopNumbers(input());
    for (const id of [
      'corpus',
      'seed',
      'backward',
      'augment',
      'curate',
      'stats',
      'iterate',
    ] as const)
      expect(slideMissing(id, full), id).toBeNull();
    expect(slideMissing('finetune', full)).toMatch(/Train step/);
  });

  it("shows the newest sweep's alpha on the evaluation slide (issue 12 item 3)", () => {
    const arm = (n: number, winRate: number, createdBy = 'curated' as const) => ({
      key: `${createdBy}-${n}`,
      kind: createdBy,
      n,
      status: 'done' as const,
      winRate,
      se: 3,
    });
    const sweep = (id: string, createdAt: number, arms: ReturnType<typeof arm>[]) => ({
      ...newSweep('w', 'r'),
      id,
      createdAt,
      name: id,
      arms,
    });
    const n = workshopNumbers(
      input({
        sweeps: [
          sweep('old', 1, [arm(2, 40), arm(4, 50)]),
          sweep('new', 2, [arm(2, 40), arm(4, 40 + 3 * Math.log(2)), arm(8, 40 + 3 * Math.log(4))]),
          sweep('unfit', 3, [arm(2, 40)]),
        ],
      }),
    );
    expect(n.sweep?.name).toBe('new');
    expect(n.sweep?.alpha).toBeCloseTo(3, 9);
    expect(n.sweep?.ns).toEqual([2, 4, 8]);
    expect(slideMissing('evaluate', n)).toBeNull();
    expect(workshopNumbers(input()).sweep).toBeNull();
  });
});

describe('WorkshopState', () => {
  it('reads the newest run of a real store and walks with the keys', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.seeds.addMany(
      ws.id,
      seeds.map(({ instruction, output, source }) => ({ instruction, output, source })),
    );
    const config = { ...run.config, lineage: [] };
    await store.runs.create(ws.id, { name: 'old', config });
    await new Promise((r) => setTimeout(r, 5));
    const newest = await store.runs.create(ws.id, { name: 'new', config });
    await store.candidates.putBatch(
      candidates.map((c) => ({ ...c, workspaceId: ws.id, runId: newest.id })),
    );
    const totals = { ...emptyTotals(), documents: 3, segments: 10, kept: 6 };
    const state = new WorkshopState(
      store,
      () => ws.id,
      () => totals,
    );
    await state.load();
    expect(state.error).toBeNull();
    expect(state.numbers?.run?.name).toBe('new');
    expect(state.numbers?.seed.count).toBe(2);
    expect(state.numbers?.curation?.keptAt5).toBe(3);
    expect(state.missing('corpus')).toBeNull();

    expect(state.progress).toBe(`1 / ${WORKSHOP_SLIDES.length}`);
    expect(state.key('ArrowRight')).toBe(true);
    expect(state.key('PageDown')).toBe(true);
    expect(state.progress).toBe(`3 / ${WORKSHOP_SLIDES.length}`);
    state.key('End');
    expect(state.current.id).toBe('evaluate');
    state.key('ArrowDown');
    expect(state.index).toBe(WORKSHOP_SLIDES.length - 1);
    state.key('PageUp');
    state.key('Home');
    state.key('ArrowLeft');
    expect(state.index).toBe(0);
    expect(state.key('x')).toBe(false);
    store.close();
  });
});

describe('workshop evaluations', () => {
  it('lists evaluations newest first and the evaluation slide then has its numbers', () => {
    const pairwise = (id: string, createdAt: number, rate: number) => ({
      id,
      workspaceId: 'w',
      createdAt,
      results: {
        kind: 'pairwise' as const,
        model: 'M1',
        baseline: 'M0',
        judge: 'judge',
        n: 10,
        wins: 6,
        losses: 3,
        ties: 1,
        rate,
        se: 0.1,
      },
    });
    const n = workshopNumbers(
      input({ evaluations: [pairwise('old', 1, 0.5), pairwise('new', 2, 0.65)] }),
    );
    expect(n.evaluations.map((e) => e.id)).toEqual(['new', 'old']);
    expect(slideMissing('evaluate', n)).toBeNull();
  });
});
