// Issue 13 items 4-6 for seed files: content given as a list of parts, duplicate pairs
// reported and skippable, CSV rows with broken quoting, and files without an extension.
import { describe, expect, it } from 'vitest';
import { importSeeds } from '../../../src/lib/corpus/seeds/seed-import';
import { file } from './helpers';

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('seed formats in the wild', () => {
  it('reads message content given as parts with text or value, ignoring non-text parts', async () => {
    const r = await importSeeds(
      file(
        'chat.jsonl',
        jsonl([
          {
            messages: [
              {
                role: 'user',
                content: [
                  { type: 'text', text: 'Describe this.' },
                  { type: 'image_url', image_url: { url: 'x' } },
                  { type: 'text', text: 'Briefly.' },
                ],
              },
              { role: 'assistant', content: [{ type: 'text', text: 'A cat.' }] },
            ],
          },
          {
            messages: [
              { role: 'user', content: [{ type: 'text', value: 'Name a colour.' }] },
              { role: 'assistant', content: [{ type: 'output_text', value: 'Blue.' }] },
            ],
          },
        ]),
      ),
    );
    expect(r.errors).toEqual([]);
    expect(r.pairs.map((p) => [p.instruction, p.output])).toEqual([
      ['Describe this.\nBriefly.', 'A cat.'],
      ['Name a colour.', 'Blue.'],
    ]);
  });

  it('reads ShareGPT turns whose value is a list of parts', async () => {
    const r = await importSeeds(
      file(
        'sg.json',
        JSON.stringify([
          {
            conversations: [
              { from: 'human', value: [{ type: 'text', text: 'Hi?' }] },
              { from: 'gpt', value: 'Hello.' },
            ],
          },
        ]),
      ),
    );
    expect(r.pairs.map((p) => [p.instruction, p.output])).toEqual([['Hi?', 'Hello.']]);
  });

  it('reports duplicate pairs with both lines and skips them unless told not to', async () => {
    const rows = [
      { instruction: 'A?', output: 'a' },
      { instruction: 'B?', output: 'b' },
      { instruction: 'A?', output: 'a' },
      { instruction: 'A?', output: 'different' },
      { instruction: 'B?', output: 'b' },
    ];
    const skipped = await importSeeds(file('dup.jsonl', jsonl(rows)));
    expect(skipped.duplicates).toEqual([
      { line: 3, firstLine: 1 },
      { line: 5, firstLine: 2 },
    ]);
    expect(skipped.pairs.map((p) => p.output)).toEqual(['a', 'b', 'different']);
    const kept = await importSeeds(file('dup.jsonl', jsonl(rows)), { skipDuplicates: false });
    expect(kept.duplicates).toHaveLength(2);
    expect(kept.pairs).toHaveLength(5);
  });

  it('reports a CSV row with an unclosed quote and keeps the rows after it', async () => {
    const csv =
      'instruction,output\nFirst?,One\n"Second?,Two\nThird?,Three\nFourth?,"Four, quoted"\n';
    const r = await importSeeds(file('q.csv', csv));
    expect(r.pairs.map((p) => p.instruction)).toEqual(['First?', 'Third?', 'Fourth?']);
    expect(r.errors).toEqual([
      {
        line: 3,
        message: expect.stringMatching(/^CSV: row skipped, unbalanced or misplaced quote/),
      },
    ]);
  });

  it('reads a file without extension that holds JSON, and names the problem otherwise', async () => {
    const r = await importSeeds(file('seeds', jsonl([{ instruction: 'Q?', output: 'A' }])));
    expect(r.pairs).toHaveLength(1);
    await expect(importSeeds(file('folder/README', 'just some words'))).rejects.toThrow(
      /folder\/README: has no file extension and does not start like JSON/,
    );
  });
});
