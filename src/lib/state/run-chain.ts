// The run page's chain M0 → A(1) → M1 → A(2) → M2 (§2.3, §3), built from the run's summary
// (curated sets per iteration) and lineage (which model rated, which was trained).
import type { StageLineage } from '../domain';
import type { RunSummary } from '../pipeline/method-service';

/** One link of the run's chain M0 → A(1) → M1 → A(2) → M2 (§2.3, §3). */
export interface ChainLink {
  id: string;
  label: string;
  detail: string;
  done: boolean;
}

const modelName = (l: StageLineage | undefined) =>
  l?.model
    ? `${l.model.id}${l.adapterCheckpointId ? ` + adapter ${l.adapterCheckpointId}` : ''}`
    : null;

/**
 * The chain as far as the run has gone, one model and one curated set per iteration, plus the
 * next model to train. M_t is the model trained on seed + A(t) (its train lineage), or, for
 * rating, the rater recorded by iteration t+1's curation.
 */
export function chainOf(summary: RunSummary | null, lineage: StageLineage[] = []): ChainLink[] {
  const iterations = Math.max(1, ...(summary?.curations.map((c) => c.iteration) ?? [1]));
  const links: ChainLink[] = [];
  for (let t = 1; t <= iterations + 1; t++) {
    const m = t - 1;
    const trained = lineage.find((l) => l.kind === 'train' && l.iteration === m);
    const rater = lineage.find((l) => l.kind === 'curate' && l.iteration === t);
    const name = modelName(trained) ?? modelName(rater);
    const pairs = trained?.settings?.pairs as { seed?: number; augmented?: number } | undefined;
    // M_t with the data it was trained on: the seed pairs plus A(t) (paper §3, iteration).
    const count =
      pairs && typeof pairs.seed === 'number'
        ? `, trained on ${pairs.seed} seed${m > 0 ? ` + ${pairs.augmented ?? 0} A(${m})` : ''} pairs`
        : '';
    links.push({
      id: `M${m}`,
      label: `M${m}`,
      detail: name
        ? `${name}${count}`
        : m === 0
          ? 'the rater role (seed-tuned M0)'
          : `train on seed + A(${m})`,
      done: name !== null,
    });
    if (t > iterations) break;
    const sets = summary?.curations.filter((c) => c.iteration === t) ?? [];
    links.push({
      id: `A${t}`,
      label: `A(${t})`,
      detail: sets.length
        ? sets.map((c) => `${c.kept} kept of ${c.rated} (${c.mode})`).join(', ')
        : `rate with M${m} in Curate`,
      done: sets.length > 0,
    });
  }
  return links;
}
