// The dataset card (issue 11 item 5): a README.md with the YAML front matter the Hugging Face
// Hub reads (https://huggingface.co/docs/hub/datasets-cards): size category from the count,
// task category, language when known, and a `configs` section whose data_files are the
// exported files. The license is left for the user (a commented line): it depends on the
// corpus's and the models' licenses, which the app cannot know. The body describes the source,
// the method (Li et al. 2023, §2) and the run's lineage, stage by stage.
import type { StageLineage } from '../../domain/runs';
import { SEED_TAG, WEB_TAG } from '../tagging';
import type { SelectionRule } from './select';
import type { ExportFormat } from './types';
import { lineageTable } from './markdown';
import { toYaml, type YamlValue } from './yaml';

export interface CardFile {
  /** Path in the dataset repository, e.g. 'data/train.jsonl'. */
  path: string;
  format: ExportFormat;
  /** Config name (default: 'default', or the format when files of several formats are listed). */
  config?: string;
  split?: string;
}

export interface CardInput {
  prettyName: string;
  description?: string;
  /** ISO 639-1 codes of the data's language(s); omitted when unknown. */
  languages?: string[];
  source: { description: string; documents?: number; segments?: number };
  method: {
    rule: SelectionRule;
    /** Curation iteration whose rating selected the pairs. */
    iteration?: number;
    iterations?: number;
    systemTags: boolean;
  };
  lineage?: StageLineage[];
  counts: { seed: number; augmented: number; edited?: number };
  files: CardFile[];
}

/** The Hub's size buckets (n<1K, 1K<n<10K, …, n>1T). */
export function sizeCategory(n: number): string {
  const buckets = ['1K', '10K', '100K', '1M', '10M', '100M', '1B', '10B', '100B', '1T'];
  const limits = [1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12];
  const i = limits.findIndex((l) => n < l);
  if (i === -1) return 'n>1T';
  return i === 0 ? 'n<1K' : `${buckets[i - 1]}<n<${buckets[i]}`;
}

/** configs: one entry per config, its splits in order; several files of a split form a list. */
function configs(files: CardFile[]): YamlValue[] {
  const formats = new Set(files.map((f) => f.format));
  const byConfig = new Map<string, Map<string, string[]>>();
  for (const f of files) {
    const name = f.config ?? (formats.size > 1 ? f.format : 'default');
    const splits = byConfig.get(name) ?? new Map<string, string[]>();
    const split = f.split ?? 'train';
    splits.set(split, [...(splits.get(split) ?? []), f.path]);
    byConfig.set(name, splits);
  }
  return [...byConfig].map(([config_name, splits]) => ({
    config_name,
    data_files: [...splits].map(([split, paths]) => ({
      split,
      path: paths.length === 1 ? paths[0] : paths,
    })),
  }));
}

export function cardFrontMatter(input: CardInput): string {
  const total = input.counts.seed + input.counts.augmented;
  const meta: Record<string, YamlValue> = {
    pretty_name: input.prettyName,
    ...(input.languages?.length ? { language: input.languages } : {}),
    size_categories: [sizeCategory(total)],
    task_categories: ['text-generation'],
    tags: ['instruction-tuning', 'instruction-backtranslation', 'humpback', 'synthetic'],
    configs: configs(input.files),
  };
  return (
    '---\n' +
    '# license: fill in (e.g. cc-by-4.0); it depends on your corpus, seed set and models\n' +
    toYaml(meta) +
    '---\n'
  );
}

function ruleText(rule: SelectionRule, iteration?: number): string {
  const which = iteration === undefined ? 'its latest rating' : `iteration ${iteration}'s rating`;
  if (rule.by === 'score') return `augmented pairs scored at least ${rule.k} (of 5) by ${which}`;
  if (rule.by === 'expected')
    return `augmented pairs whose expected score (fast mode) in ${which} is at least ${rule.atLeast}`;
  return 'every augmented pair, whatever its rating';
}

function loadSnippet(files: CardFile[]): string[] {
  const f = files[0];
  if (!f) return [];
  const builder = f.format === 'parquet' ? 'parquet' : 'json';
  return [
    '```python',
    'from datasets import load_dataset',
    `ds = load_dataset("${builder}", data_files=${JSON.stringify(f.path)}, split="train")`,
    '```',
  ];
}

const FORMAT_TEXT: Record<ExportFormat, string> = {
  alpaca: 'JSONL with Alpaca fields `instruction`, `input`, `output`',
  openai: 'JSONL with OpenAI chat `messages` (`system`, `user`, `assistant`)',
  sharegpt: 'JSONL with ShareGPT `conversations` (`system`, `human`, `gpt`)',
  parquet:
    'Parquet with `instruction`, `input`, `output`, and the review columns `origin`, `rater`, ' +
    '`iteration`, `score`, `expected_score`, `verdict`, `edited`, `source`',
};

/** The whole README.md: front matter, then the card's sections. */
export function datasetCard(input: CardInput): string {
  const { counts, method } = input;
  const total = counts.seed + counts.augmented;
  const source = input.source;
  const sourceCounts = [
    source.documents !== undefined ? `${source.documents.toLocaleString('en')} documents` : '',
    source.segments !== undefined ? `${source.segments.toLocaleString('en')} passages` : '',
  ].filter(Boolean);
  const body = [
    `# ${input.prettyName}`,
    '',
    input.description ?? '',
    '',
    '## Contents',
    '',
    `${total.toLocaleString('en')} instruction–response pairs: ${counts.seed.toLocaleString('en')} from the ` +
      `seed set and ${counts.augmented.toLocaleString('en')} made from the corpus` +
      (counts.edited ? ` (${counts.edited.toLocaleString('en')} corrected by hand).` : '.'),
    '',
    ...input.files.map((f) => `- \`${f.path}\`: ${FORMAT_TEXT[f.format]}.`),
    '',
    '## Source',
    '',
    source.description + (sourceCounts.length ? ` (${sourceCounts.join(', ')}).` : ''),
    '',
    '## How it was made',
    '',
    'With instruction backtranslation (Li et al. 2023, "Self-Alignment with Instruction ' +
      'Backtranslation", the Humpback method), in the browser with Humpback Studio: a backward ' +
      'model trained on the seed pairs reversed wrote an instruction for each passage of the ' +
      'corpus (self-augmentation, §2.2); a model trained on the seed rated each pair from 1 to 5 ' +
      "with the paper's prompt (self-curation, §2.3)" +
      (method.iterations ? `, over ${method.iterations} iteration(s)` : '') +
      `. This set keeps ${ruleText(method.rule, method.iteration)}; a person's accept or reject ` +
      'overrides the rating.',
    '',
    ...(method.systemTags
      ? [
          "Each record carries the paper's tagging sentence as its system message (§2.3): " +
            `"${SEED_TAG}" for seed pairs and "${WEB_TAG}" for pairs made from the corpus.`,
          '',
        ]
      : []),
    '## Lineage',
    '',
    ...lineageTable(input.lineage ?? []),
    '',
    '## Loading',
    '',
    ...loadSnippet(input.files),
    '',
    '## License',
    '',
    'Not set: choose one in the front matter. The pairs quote the corpus passages (as outputs) ' +
      'and the seed set, and were written by the models listed above, so their licenses apply.',
    '',
    '## Citation',
    '',
    '```bibtex',
    '@article{li2023humpback,',
    '  title   = {Self-Alignment with Instruction Backtranslation},',
    '  author  = {Li, Xian and Yu, Ping and Zhou, Chunting and Schick, Timo and Levy, Omer and',
    '             Zettlemoyer, Luke and Weston, Jason and Lewis, Mike},',
    '  journal = {arXiv preprint arXiv:2308.06259},',
    '  year    = {2023}',
    '}',
    '```',
    '',
  ];
  return cardFrontMatter(input) + '\n' + body.join('\n').replace(/\n{3,}/g, '\n\n');
}
