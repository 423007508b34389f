// The paper's data statistics table (v1 Table 2 = v3 Table 1) for the user's own run: for the
// seed, A_5, A_4 and all candidates, the count and the instruction and output lengths in
// characters (mean ± sd), each next to the paper's row, so a user sees at a glance whether
// their curated data looks like Humpback's (curated instructions were shorter than raw ones:
// 115 vs 352 characters).
import { isSelected, type Scored } from './selection';
import { PAPER_LENGTHS, lengthStats, type LengthStats } from './stats';

export interface Pair {
  instruction: string;
  output: string;
}

export type StatsRowId = 'seed' | 'a5' | 'a4' | 'all';

export interface StatsRow {
  id: StatsRowId;
  label: string;
  count: number;
  instruction: LengthStats;
  output: LengthStats;
  paper: {
    count: number;
    instruction: readonly [number, number];
    output: readonly [number, number];
  };
}

/** v1 Table 2 (method.md §7): counts here, lengths from PAPER_LENGTHS (stats.ts). */
export const PAPER_TABLE: Record<StatsRowId, StatsRow['paper'] & { label: string }> = {
  seed: { label: 'Seed data', count: 3200, ...PAPER_LENGTHS.seed },
  a5: { label: 'A₅ (score 5)', count: 41821, ...PAPER_LENGTHS.a5 },
  a4: { label: 'A₄ (score ≥ 4)', count: 195043, ...PAPER_LENGTHS.a4 },
  all: { label: 'Augmented, all candidates', count: 502133, ...PAPER_LENGTHS.augmentedAll },
};

function row(id: StatsRowId, pairs: Pair[]): StatsRow {
  const { label, ...paper } = PAPER_TABLE[id];
  return {
    id,
    label,
    count: pairs.length,
    instruction: lengthStats(pairs.map((p) => p.instruction)),
    output: lengthStats(pairs.map((p) => p.output)),
    paper,
  };
}

/**
 * The four rows for a run. Candidates carry the rating of the iteration being shown and the
 * user's override, which wins as everywhere else (selection.ts).
 */
export function statsTable(seed: Pair[], candidates: (Pair & Scored)[]): StatsRow[] {
  return [
    row('seed', seed),
    row(
      'a5',
      candidates.filter((c) => isSelected(c, 5)),
    ),
    row(
      'a4',
      candidates.filter((c) => isSelected(c, 4)),
    ),
    row('all', candidates),
  ];
}

/** Share of candidates kept at each threshold k = 1..5 (the keep-rate curve). */
export function keepRates(candidates: Scored[]): { k: number; kept: number; rate: number }[] {
  return [1, 2, 3, 4, 5].map((k) => {
    const kept = candidates.filter((c) => isSelected(c, k)).length;
    return { k, kept, rate: candidates.length ? kept / candidates.length : 0 };
  });
}
