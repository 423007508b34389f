// Issue 11 items 5 and 6: every export format parses back to the same pairs, through the
// app's own seed import (the JSONL shapes' readers, and Parquet) and, for Parquet, hyparquet.
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { importSeeds } from '../../../../src/lib/corpus/seeds/seed-import';
import { exportChunks, FORMAT_FILES } from '../../../../src/lib/method/export';
import { jsonlChunks, userText } from '../../../../src/lib/method/export/jsonl';
import { parquetChunks } from '../../../../src/lib/method/export/parquet';
import type {
  Chunk,
  ExportPair,
  ExportRow,
  JsonlShape,
} from '../../../../src/lib/method/export/types';
import { SEED_TAG, WEB_TAG } from '../../../../src/lib/method/tagging';
import { InputError } from '../../../../src/lib/protocol/errors';

async function collect(chunks: AsyncIterable<Chunk>): Promise<Chunk> {
  const parts: Chunk[] = [];
  for await (const c of chunks) parts.push(c);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Text that breaks naive writers: quotes, backslashes, newlines, tabs, non-BMP and RTL. */
const ROWS: ExportRow[] = [
  { instruction: 'Say "hi" in 3 languages', output: 'Hi\nHola\n你好 👋', origin: 'seed' },
  {
    instruction: 'Explain C:\\path and a\ttab',
    input: 'Context with "quotes"\nand a second line',
    output: "It's a Windows path; \\n is not a newline.",
    origin: 'seed',
  },
  {
    instruction: 'Résumé of שלום and Ωmega — with a line\r\nbreak',
    output: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🧪 e\u0301 {"json": [1, 2]}',
    origin: 'augmented',
    rater: 'M0',
    iteration: 1,
    score: 5,
    expected: 4.62,
    source: 'web/page-1.html',
  },
  {
    instruction: 'Edited by a person',
    output: 'Kept although rated 2',
    origin: 'augmented',
    rater: 'M1',
    iteration: 2,
    score: 2,
    verdict: 'accept',
    edited: true,
  },
];

const SHAPES: JsonlShape[] = ['alpaca', 'openai', 'sharegpt'];
const EXT = { alpaca: 'alpaca.jsonl', openai: 'chat.jsonl', sharegpt: 'sharegpt.jsonl' };

/** What the seed import should give back for a row in a shape. */
function expectedPair(row: ExportRow, shape: JsonlShape, source: string) {
  if (shape === 'alpaca') {
    return row.input
      ? { instruction: row.instruction, input: row.input, output: row.output, source }
      : { instruction: row.instruction, output: row.output, source };
  }
  // Chat shapes have one user turn: the input sits under the instruction.
  return { instruction: userText(row), output: row.output, source };
}

describe('JSONL export round trip through seed import', () => {
  for (const shape of SHAPES) {
    for (const systemTags of [false, true]) {
      it(`${shape}${systemTags ? ' with tagging sentences' : ''}`, async () => {
        const bytes = await collect(jsonlChunks(ROWS, shape, { systemTags, chunkBytes: 256 }));
        const text = new TextDecoder().decode(bytes);
        const lines = text.split('\n');
        expect(lines.pop()).toBe(''); // every record ends with a newline
        expect(lines).toHaveLength(ROWS.length);
        const records = lines.map((l) => JSON.parse(l));

        const name = EXT[shape];
        const result = await importSeeds(new File([bytes], name));
        expect(result.errors).toEqual([]);
        expect(result.shape).toBe(shape === 'openai' ? 'openai-messages' : shape);
        expect(result.pairs).toEqual(ROWS.map((r) => expectedPair(r, shape, name)));

        // The system message is S_a for seed pairs and S_w for augmented ones (§2.3), first.
        const systems = records.map((r) =>
          shape === 'alpaca'
            ? r.system
            : shape === 'openai'
              ? r.messages.find((m: { role: string }) => m.role === 'system')?.content
              : r.conversations.find((m: { from: string }) => m.from === 'system')?.value,
        );
        const tags = ROWS.map((r) => (r.origin === 'seed' ? SEED_TAG : WEB_TAG));
        expect(systems).toEqual(systemTags ? tags : ROWS.map(() => undefined));
        if (shape === 'openai') {
          expect(records[0].messages.map((m: { role: string }) => m.role)).toEqual(
            systemTags ? ['system', 'user', 'assistant'] : ['user', 'assistant'],
          );
        }
        if (shape === 'sharegpt') {
          expect(records[0].conversations.map((m: { from: string }) => m.from)).toEqual(
            systemTags ? ['system', 'human', 'gpt'] : ['human', 'gpt'],
          );
        }
        if (shape === 'alpaca') expect(records[0].input).toBe('');
      });
    }
  }

  it('an empty selection gives an empty file, which seed import refuses by name', async () => {
    const bytes = await collect(jsonlChunks([], 'alpaca'));
    expect(bytes.length).toBe(0);
    await expect(importSeeds(new File([bytes], 'none.jsonl'))).rejects.toThrow(InputError);
  });
});

describe('Parquet export round trip', () => {
  for (const systemTags of [false, true]) {
    it(`reads back with hyparquet and imports as seeds${systemTags ? ' (tagged)' : ''}`, async () => {
      // Two rows per group: the file has several row groups, as a large export would.
      const bytes = await collect(parquetChunks(ROWS, { systemTags, rowGroupRows: 2 }));
      const buffer = bytes.buffer as ArrayBuffer;
      const metadata = parquetMetadata(buffer);
      expect(metadata.row_groups).toHaveLength(2);
      expect(metadata.created_by).toBe('Humpback Studio');
      const rows = await parquetReadObjects({ file: buffer });
      expect(rows).toEqual(
        ROWS.map((r) => ({
          instruction: r.instruction,
          input: r.input ?? '',
          output: r.output,
          ...(systemTags ? { system: r.origin === 'seed' ? SEED_TAG : WEB_TAG } : {}),
          origin: r.origin,
          rater: r.rater ?? null,
          iteration: r.iteration ?? null,
          score: r.score ?? null,
          expected_score: r.expected ?? null,
          verdict: r.verdict ?? null,
          edited: r.edited === true,
          source: r.source ?? null,
        })),
      );

      const result = await importSeeds(new File([bytes], 'curated.parquet'));
      expect(result.shape).toBe('alpaca');
      expect(result.errors).toEqual([]);
      expect(result.pairs).toEqual(ROWS.map((r) => expectedPair(r, 'alpaca', 'curated.parquet')));
    });
  }

  it('an empty selection is a valid Parquet file with no rows; seed import says it is empty', async () => {
    const bytes = await collect(parquetChunks([]));
    const buffer = bytes.buffer as ArrayBuffer;
    expect(Number(parquetMetadata(buffer).num_rows)).toBe(0);
    expect(await parquetReadObjects({ file: buffer })).toEqual([]);
    await expect(importSeeds(new File([bytes], 'none.parquet'))).rejects.toThrow(/file is empty/);
  });

  it('a file that is not Parquet is refused with its name', async () => {
    const err = await importSeeds(new File(['not parquet at all'], 'fake.parquet')).catch((e) => e);
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(/not a readable Parquet file/);
    expect(err.file).toBe('fake.parquet');
  });
});

describe('exportChunks: selection, overrides and edits reach the file', () => {
  const pairs: ExportPair[] = [
    { instruction: 'Seed question', output: 'Seed answer', origin: 'seed' },
    {
      instruction: 'Rated five',
      output: 'Kept',
      origin: 'augmented',
      ratings: [{ rater: 'M0', iteration: 1, score: 5 }],
    },
    {
      instruction: 'Rated three',
      output: 'Dropped by k',
      origin: 'augmented',
      ratings: [{ rater: 'M0', iteration: 1, score: 3 }],
    },
    {
      instruction: 'Rated two',
      output: 'wrong',
      origin: 'augmented',
      ratings: [{ rater: 'M0', iteration: 1, score: 2 }],
      override: { verdict: 'accept', instruction: 'Edited instruction', output: 'Edited output' },
    },
    {
      instruction: 'Rated five, rejected',
      output: 'Rejected',
      origin: 'augmented',
      ratings: [{ rater: 'M0', iteration: 1, score: 5 }],
      override: { verdict: 'reject' },
    },
  ];
  const expected = [
    ['Seed question', 'Seed answer'],
    ['Rated five', 'Kept'],
    ['Edited instruction', 'Edited output'],
  ];
  for (const format of ['alpaca', 'openai', 'sharegpt', 'parquet'] as const) {
    it(format, async () => {
      const bytes = await collect(
        exportChunks(pairs, {
          format,
          selection: { rule: { by: 'score', k: 5 } },
          systemTags: true,
        }),
      );
      const name = `curated${FORMAT_FILES[format].extension}`;
      const result = await importSeeds(new File([bytes], name));
      expect(result.pairs.map((p) => [p.instruction, p.output])).toEqual(expected);
    });
  }
});
