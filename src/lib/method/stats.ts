// Length statistics in characters, mean ± sd, as the paper reports them (v1 Table 2), so a
// user can compare their data with: seed 148 ± 322 / 1,072 ± 818; A_5 115 ± 175 / 1,663 ± 616.

export interface LengthStats {
  count: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

/** Running population statistics of text lengths, for data that is streamed, not held. */
export class LengthAccumulator {
  private count = 0;
  private sum = 0;
  private sumSq = 0;
  private min = Infinity;
  private max = -Infinity;

  add(text: string): void {
    const n = text.length;
    this.count++;
    this.sum += n;
    this.sumSq += n * n;
    if (n < this.min) this.min = n;
    if (n > this.max) this.max = n;
  }

  /** Population statistics; an empty input gives zeros. */
  stats(): LengthStats {
    const { count, sum, sumSq, min, max } = this;
    if (count === 0) return { count: 0, mean: 0, sd: 0, min: 0, max: 0 };
    const mean = sum / count;
    return { count, mean, sd: Math.sqrt(Math.max(0, sumSq / count - mean * mean)), min, max };
  }
}

/** Population statistics; an empty input gives zeros. */
export function lengthStats(texts: Iterable<string>): LengthStats {
  const acc = new LengthAccumulator();
  for (const t of texts) acc.add(t);
  return acc.stats();
}

/** Paper figures for side-by-side display (v1 Table 2). */
export const PAPER_LENGTHS = {
  seed: { instruction: [148, 322], output: [1072, 818] },
  a5: { instruction: [115, 175], output: [1663, 616] },
  a4: { instruction: [206, 298], output: [1985, 649] },
  augmentedAll: { instruction: [352, 134], output: [1722, 653] },
} as const;
