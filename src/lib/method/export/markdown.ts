// Markdown pieces shared by the dataset card and the run report.
import type { StageLineage } from '../../domain/runs';

/** A table cell: '—' for nothing, pipes escaped, on one line. */
export const cell = (v: unknown) =>
  (v === undefined || v === null || v === '' ? '—' : String(v))
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');

export function table(head: string[], rows: unknown[][]): string[] {
  return [
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** Which model, weights, adapter, engine, prompt version and sampling each stage used. */
export function lineageTable(lineage: StageLineage[]): string[] {
  if (!lineage.length) return ['No stage lineage was recorded for this run.'];
  return table(
    ['stage', 'iteration', 'model', 'weights', 'adapter', 'engine', 'prompt', 'sampling'],
    lineage.map((s) => [
      s.kind,
      s.iteration,
      s.model ? `${s.model.id}${s.model.revision ? `@${s.model.revision}` : ''}` : undefined,
      s.model?.dtype,
      s.adapterCheckpointId,
      s.engine,
      s.promptVersion,
      s.sampling ? JSON.stringify(s.sampling) : undefined,
    ]),
  );
}
