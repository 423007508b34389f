// The run report as Markdown: the same content as the JSON (report.ts), laid out as the
// paper lays out its data statistics (v1 Table 2: count, instruction and output length in
// characters, mean ± sd), the user's value first and the paper's beside it.
import { lineageTable, table } from './markdown';
import { EXPECTED_BIN_LABELS, SCORE_LABELS, type RunReport } from './report';
import { histogramSvg, svgDataUri } from './histogram-svg';

const int = (n: number) => Math.round(n).toLocaleString('en');
const pct = (r: number) => `${(r * 100).toFixed(1)}%`;
const meanSd = (mean: number, sd: number) => `${int(mean)} ± ${int(sd)}`;

function configLines(r: RunReport): string[] {
  const c = r.config;
  return table(
    ['setting', 'value'],
    [
      ['curation iterations', c.iterations],
      ['threshold k', c.threshold],
      [
        'seed pairs',
        c.seeds
          ? `${int(c.seeds.count)}${c.seeds.source ? ` (${c.seeds.source})` : ''}`
          : undefined,
      ],
      [
        'corpus',
        c.corpus
          ? `${int(c.corpus.keptSegments)} passages from ${int(c.corpus.documents)} documents`
          : undefined,
      ],
    ],
  );
}

function statisticsLines(r: RunReport): string[] {
  return table(
    ['data', 'count', 'paper', 'instruction length', 'paper', 'output length', 'paper'],
    r.statistics.map((s) => [
      s.label,
      int(s.count),
      int(s.paper.count),
      meanSd(s.instruction.mean, s.instruction.sd),
      meanSd(...s.paper.instruction),
      meanSd(s.output.mean, s.output.sd),
      meanSd(...s.paper.output),
    ]),
  );
}

function histogramLines(r: RunReport): string[] {
  if (!r.histograms.length) return ['No ratings yet.'];
  return r.histograms.flatMap((h) => {
    const title = `Scores by ${h.rater}, iteration ${h.iteration}`;
    const lines = [
      `### ${title}`,
      '',
      `![${title}](${svgDataUri(h.svg)})`,
      '',
      ...table(SCORE_LABELS, [[...h.counts, h.unscored]]),
      '',
    ];
    if (h.expected) {
      const fast = `Expected scores (fast mode) by ${h.rater}, iteration ${h.iteration}`;
      lines.push(
        `![${fast}](${svgDataUri(histogramSvg(fast, EXPECTED_BIN_LABELS, h.expected))})`,
        '',
        ...table(
          EXPECTED_BIN_LABELS.map((l) => `≥ ${l}`),
          [h.expected],
        ),
        '',
      );
    }
    return lines;
  });
}

export function reportMarkdown(r: RunReport): string {
  const created = r.run.createdAt ? ` (created ${new Date(r.run.createdAt).toISOString()})` : '';
  const lines = [
    `# Run report: ${r.run.name}`,
    '',
    `Humpback Studio, instruction backtranslation (Li et al. 2023)${created}.`,
    '',
    '## Configuration',
    '',
    ...configLines(r),
    '',
    '## Models and adapters (lineage)',
    '',
    ...lineageTable(r.config.lineage ?? []),
    '',
    '## Counts at each stage',
    '',
    ...(r.stageCounts.length
      ? table(
          ['stage', 'count'],
          r.stageCounts.map((s) => [s.stage, int(s.count)]),
        )
      : ['No stage counts recorded.']),
    '',
    '## Data statistics (paper v1 Table 2: lengths in characters, mean ± sd)',
    '',
    ...statisticsLines(r),
    '',
    '## Keep rate at each threshold k',
    '',
    ...table(
      ['k', 'kept', 'rate'],
      r.keepRates.map((k) => [`≥ ${k.k}`, int(k.kept), pct(k.rate)]),
    ),
    '',
    '## Score histograms',
    '',
    ...histogramLines(r),
    '## Review',
    '',
    `${int(r.overrides.accepted)} accepted, ${int(r.overrides.rejected)} rejected and ` +
      `${int(r.overrides.edited)} edited by hand; a person's verdict wins over the rating.`,
    '',
  ];
  if (r.exported.length) {
    lines.push(
      '## Exported files',
      '',
      ...table(
        ['file', 'format', 'pairs'],
        r.exported.map((e) => [e.path, e.format, int(e.rows)]),
      ),
      '',
    );
  }
  return lines.join('\n');
}
