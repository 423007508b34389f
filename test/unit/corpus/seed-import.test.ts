import { describe, expect, it } from 'vitest';
import { importSeeds } from '../../../src/lib/corpus/seeds/seed-import';
import { InputError } from '../../../src/lib/protocol/errors';
import { file } from './helpers';

const jsonl = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n');

describe('seed import', () => {
  it('reads Alpaca JSONL with input, trims text and reports bad lines', async () => {
    const text = [
      JSON.stringify({ instruction: '  Add the numbers. ', input: '2 and 3', output: ' 5 ' }),
      JSON.stringify({ instruction: 'Say hi', input: '', output: 'Hi!' }),
      '{"instruction": "broken',
      JSON.stringify({ instruction: '   ', output: 'x' }),
      JSON.stringify({ instruction: 'No output' }),
      JSON.stringify({ instruction: 'Number', output: 7 }),
    ].join('\n');
    const r = await importSeeds(file('alpaca.jsonl', text));
    expect(r.shape).toBe('alpaca');
    expect(r.pairs).toEqual([
      { instruction: 'Add the numbers.', input: '2 and 3', output: '5', source: 'alpaca.jsonl' },
      { instruction: 'Say hi', output: 'Hi!', source: 'alpaca.jsonl' },
    ]);
    expect(r.errors.map((e) => [e.line, e.field, e.message])).toEqual([
      [3, undefined, expect.stringMatching(/^malformed JSON/)],
      [4, 'instruction', 'empty instruction (field "instruction")'],
      [5, 'output', 'missing field "output"'],
      [6, 'output', 'field "output" should be text, got number'],
    ]);
    expect(r.preview).toHaveLength(2);
  });

  it('takes the first user turn and the first assistant reply after it from OpenAI messages', async () => {
    const rows = [
      {
        messages: [
          { role: 'system', content: 'Be nice.' },
          { role: 'assistant', content: 'Greeting before the user' },
          { role: 'user', content: 'What is 2+2?' },
          { role: 'assistant', content: [{ type: 'text', text: '4' }] },
          { role: 'user', content: 'And 3+3?' },
          { role: 'assistant', content: '6' },
        ],
      },
      { messages: [{ role: 'user', content: 'Unanswered' }] },
    ];
    const r = await importSeeds(file('chat.json', JSON.stringify(rows, null, 1)));
    expect(r.shape).toBe('openai-messages');
    expect(r.pairs).toEqual([{ instruction: 'What is 2+2?', output: '4', source: 'chat.json' }]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({
      field: 'messages',
      message: expect.stringMatching(/no assistant reply/),
    });
    expect(r.errors[0].line).toBeGreaterThan(2);
  });

  it('reads ShareGPT conversations inside {data:[...]}', async () => {
    const data = {
      data: [
        {
          conversations: [
            { from: 'human', value: 'Hello?' },
            { from: 'gpt', value: 'Hi there.' },
            { from: 'human', value: 'More' },
          ],
        },
        { conversations: [{ from: 'gpt', value: 'No question' }] },
      ],
    };
    const r = await importSeeds(file('sg.json', JSON.stringify(data)));
    expect(r.shape).toBe('sharegpt');
    expect(r.pairs).toEqual([{ instruction: 'Hello?', output: 'Hi there.', source: 'sg.json' }]);
    expect(r.errors[0].message).toBe('no user turn in "conversations"');
  });

  it('reads prompt/completion, question/answer and Dolly shapes', async () => {
    const pc = await importSeeds(file('pc.jsonl', jsonl([{ prompt: 'P', completion: 'C' }])));
    expect([pc.shape, pc.pairs[0].instruction, pc.pairs[0].output]).toEqual([
      'prompt-response',
      'P',
      'C',
    ]);
    const qa = await importSeeds(
      file('qa.csv', 'question,answer\n"Why, though?","Because\nreasons."\n'),
    );
    expect(qa.pairs).toEqual([
      { instruction: 'Why, though?', output: 'Because\nreasons.', source: 'qa.csv' },
    ]);
    const dolly = await importSeeds(
      file(
        'dolly.jsonl',
        jsonl([
          {
            instruction: 'Summarise',
            context: 'Long text',
            response: 'Short',
            category: 'summarization',
          },
        ]),
      ),
    );
    expect(dolly.shape).toBe('dolly');
    expect(dolly.pairs[0]).toEqual({
      instruction: 'Summarise',
      input: 'Long text',
      output: 'Short',
      source: 'dolly.jsonl',
    });
  });

  it('uses an explicit field mapping and reports CSV rows by line', async () => {
    const csv = 'q,a,notes\nFirst?,One,x\n,Two,y\nThird?,,z\n';
    const r = await importSeeds(file('custom.csv', csv), {
      mapping: { instruction: 'q', output: 'a' },
    });
    expect(r.shape).toBe('custom');
    expect(r.pairs.map((p) => p.instruction)).toEqual(['First?']);
    expect(r.errors).toEqual([
      { line: 3, field: 'q', message: 'empty instruction (field "q")' },
      { line: 4, field: 'a', message: 'empty output (field "a")' },
    ]);
  });

  it('fails clearly when the shape cannot be recognised or the file is unusable', async () => {
    const err = await importSeeds(file('odd.jsonl', jsonl([{ foo: 'a', bar: 'b' }]))).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toMatch(
      /odd\.jsonl: could not recognise the seed format.*fields found: "foo", "bar"/,
    );
    await expect(importSeeds(file('empty.jsonl', ''))).rejects.toThrow(
      'empty.jsonl: file is empty',
    );
    await expect(importSeeds(file('seeds.txt', 'x'))).rejects.toThrow(
      /unsupported seed file type "\.txt"/,
    );
  });

  it('keeps the majority shape when the first records disagree', async () => {
    const rows = [
      { prompt: 'p', response: 'r' },
      ...Array.from({ length: 3 }, (_, i) => ({ instruction: `i${i}`, output: `o${i}` })),
    ];
    const r = await importSeeds(file('mix.jsonl', jsonl(rows)));
    expect(r.shape).toBe('alpaca');
    expect(r.pairs).toHaveLength(3);
    expect(r.errors[0]).toMatchObject({
      line: 1,
      field: 'instruction',
      message: 'missing field "instruction"',
    });
  });
});
