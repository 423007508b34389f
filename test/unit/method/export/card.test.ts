// The dataset card's front matter parses as YAML (with the `yaml` package that is already in
// node_modules through eslint-plugin-svelte → postcss-load-config) into what the Hub expects.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { datasetCard, sizeCategory, type CardInput } from '../../../../src/lib/method/export/card';
import { toYaml } from '../../../../src/lib/method/export/yaml';
import { SEED_TAG, WEB_TAG } from '../../../../src/lib/method/tagging';

const requireFromPostcss = createRequire(
  createRequire(import.meta.url).resolve('postcss-load-config'),
);
const YAML = requireFromPostcss('yaml') as { parse(text: string): unknown };

function frontMatter(card: string): { yaml: string; body: string } {
  const m = /^---\n([\s\S]*?)\n---\n([\s\S]*)$/.exec(card);
  if (!m) throw new Error('no front matter');
  return { yaml: m[1], body: m[2] };
}

const INPUT: CardInput = {
  prettyName: 'My "curated": set\nwith a newline',
  description: 'Cooking notes turned into instructions.',
  languages: ['en'],
  source: { description: 'Personal cooking notes', documents: 40, segments: 1234 },
  method: { rule: { by: 'score', k: 5 }, iteration: 2, iterations: 2, systemTags: true },
  lineage: [
    { kind: 'train-backward', iteration: 0, model: { id: 'HuggingFaceTB/SmolLM2-135M' } },
    {
      kind: 'augment',
      iteration: 0,
      model: { id: 'HuggingFaceTB/SmolLM2-135M', dtype: 'fp32' },
      adapterCheckpointId: 'ckpt-myx',
      engine: 'onnx',
      promptVersion: 'v1',
      sampling: { temperature: 0.7, topP: 0.9 },
    },
  ],
  counts: { seed: 30, augmented: 1970, edited: 3 },
  files: [
    { path: 'data/train.jsonl', format: 'openai' },
    { path: 'data/train.parquet', format: 'parquet' },
  ],
};

describe('dataset card', () => {
  it('size categories follow the Hub buckets', () => {
    expect([0, 999, 1000, 9999, 10_000, 502_133, 1_000_000, 2e12].map(sizeCategory)).toEqual([
      'n<1K',
      'n<1K',
      '1K<n<10K',
      '1K<n<10K',
      '10K<n<100K',
      '100K<n<1M',
      '1M<n<10M',
      'n>1T',
    ]);
  });

  it('front matter parses as YAML into the Hub fields, with configs matching the files', () => {
    const { yaml } = frontMatter(datasetCard(INPUT));
    expect(yaml).toMatch(/^# license: /m);
    expect(YAML.parse(yaml)).toEqual({
      pretty_name: INPUT.prettyName,
      language: ['en'],
      size_categories: ['1K<n<10K'],
      task_categories: ['text-generation'],
      tags: ['instruction-tuning', 'instruction-backtranslation', 'humpback', 'synthetic'],
      configs: [
        { config_name: 'openai', data_files: [{ split: 'train', path: 'data/train.jsonl' }] },
        { config_name: 'parquet', data_files: [{ split: 'train', path: 'data/train.parquet' }] },
      ],
    });
  });

  it('one format gives the default config; several files of a split are a list; no language when unknown', () => {
    const { yaml } = frontMatter(
      datasetCard({
        ...INPUT,
        languages: undefined,
        files: [
          { path: 'data/a.jsonl', format: 'alpaca' },
          { path: 'data/b.jsonl', format: 'alpaca' },
          { path: 'data/test.jsonl', format: 'alpaca', split: 'test' },
        ],
      }),
    );
    const parsed = YAML.parse(yaml) as Record<string, unknown>;
    expect(parsed.language).toBeUndefined();
    expect(parsed.configs).toEqual([
      {
        config_name: 'default',
        data_files: [
          { split: 'train', path: ['data/a.jsonl', 'data/b.jsonl'] },
          { split: 'test', path: 'data/test.jsonl' },
        ],
      },
    ]);
  });

  it('the body names the source, the rule, the tags and the lineage', () => {
    const { body } = frontMatter(datasetCard(INPUT));
    expect(body).toContain('2,000 instruction–response pairs: 30 from the seed set and 1,970');
    expect(body).toContain('(3 corrected by hand)');
    expect(body).toContain('Personal cooking notes (40 documents, 1,234 passages).');
    expect(body).toContain("scored at least 5 (of 5) by iteration 2's rating");
    expect(body).toContain(SEED_TAG);
    expect(body).toContain(WEB_TAG);
    expect(body).toContain(
      '| augment | 0 | HuggingFaceTB/SmolLM2-135M | fp32 | ckpt-myx | onnx | v1 | {"temperature":0.7,"topP":0.9} |',
    );
    expect(body).toContain('load_dataset("json", data_files="data/train.jsonl"');
    expect(body).toContain('arXiv:2308.06259');
  });

  it('the YAML writer keeps awkward strings and nesting intact', () => {
    const value = {
      a: 'x: "y"\n- z # not a comment',
      b: [1, 'true', true, null, { c: [], d: { e: 'f' } }, ['g', 'h']],
      'weird key': {},
      null: 'a key, not null',
      Yes: 'a key, not true',
      n: { m: -1.5 },
    };
    expect(YAML.parse(toYaml(value))).toEqual(value);
  });
});
