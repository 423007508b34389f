// Training data from the store: the three modes' prompts/targets, loss spans on the assistant
// tokens only, truncation counts, a deterministic eval split and length-bucketed micro-batches.
import { makeCandidate, paperRating } from '../../helpers/candidate';
import { describe, expect, it } from 'vitest';
import { ChatTemplate } from '../../../src/lib/engines/hf/chat-template';
import { backtranslationPrompt, SEED_TAG, WEB_TAG } from '../../../src/lib/method';
import {
  bucketOf,
  bucketsFor,
  chatFor,
  loadPairs,
  packBatch,
  samplePairs,
  planEpoch,
  splitTrainEval,
  tokenizeExamples,
  type SourcePair,
} from '../../../src/lib/train/data';
import { freshStore } from '../store/helpers';
import { ingestDocs, keptDoc } from '../pipeline/ingest-helper';
import { LLAMA2_TEMPLATE, llamaFiles, llamaTokenizer } from '../engines/hf-fixtures';

const tokenizer = llamaTokenizer();
const template = new ChatTemplate(LLAMA2_TEMPLATE, '<s>', '</s>');

async function storeWithData() {
  const { store } = await freshStore();
  const ws = await store.workspaces.create('w');
  await store.seeds.addMany(ws.id, [
    { instruction: 'Name a colour.', output: 'Blue.', source: 'test' },
    { instruction: 'Translate', input: 'bonjour', output: 'Hello.', source: 'test' },
  ]);
  await ingestDocs(store, ws.id, [keptDoc(1, 3)]);
  const segments = (await store.segments.page(ws.id, 10, { bucket: 'kept' })).items;
  const run = await store.runs.create(ws.id, { name: 'r', config: {} });
  const scores = [5, 4, null];
  await store.candidates.putBatch(
    segments.map((s, i) =>
      makeCandidate({
        id: `c${i}`,
        workspaceId: ws.id,
        runId: run.id,
        segmentId: s.id,
        instruction: `Question ${i}?`,
        output: s.text,
        ratings: [paperRating(1, scores[i])],
        ...(i === 2
          ? { override: { verdict: 'accept' as const, instruction: 'Edited 2?', at: 1 } }
          : {}),
      }),
    ),
  );
  return { store, ws, run, segments };
}

describe('loadPairs', () => {
  it('seed and backward read the seeds (input joined after the instruction)', async () => {
    const { store, ws } = await storeWithData();
    for (const mode of ['seed', 'backward'] as const) {
      const pairs = await loadPairs(store, { workspaceId: ws.id, mode });
      expect(pairs.map((p) => [p.instruction, p.output, p.origin]).sort()).toEqual([
        ['Name a colour.', 'Blue.', 'seed'],
        ['Translate\n\nbonjour', 'Hello.', 'seed'],
      ]);
    }
    store.close();
  });

  it('seed+curated adds candidates with score ≥ k or accepted by a person (edits applied), output = segment text', async () => {
    const { store, ws, run, segments } = await storeWithData();
    const pairs = await loadPairs(store, {
      workspaceId: ws.id,
      mode: 'seed+curated',
      runId: run.id,
      k: 5,
    });
    const curated = pairs.filter((p) => p.origin === 'augmented');
    expect(curated.map((p) => p.instruction).sort()).toEqual(['Edited 2?', 'Question 0?']);
    expect(curated.find((p) => p.instruction === 'Question 0?')?.output).toBe(segments[0].text);
    const k4 = await loadPairs(store, {
      workspaceId: ws.id,
      mode: 'seed+curated',
      runId: run.id,
      k: 4,
    });
    expect(k4.filter((p) => p.origin === 'augmented')).toHaveLength(3);
    await expect(loadPairs(store, { workspaceId: ws.id, mode: 'seed+curated' })).rejects.toThrow(
      /run/,
    );
    store.close();
  });
});

describe('sampled pairs (data-scaling sweep)', () => {
  const pool = Array.from({ length: 20 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}` }));

  it('draws the same pairs for the same seed whatever the pool order; smaller N is a prefix', () => {
    const a = samplePairs(pool, 8, 3).map((p) => p.id);
    const b = samplePairs([...pool].reverse(), 8, 3).map((p) => p.id);
    expect(a).toEqual(b);
    expect(new Set(a).size).toBe(8);
    expect(samplePairs(pool, 4, 3).map((p) => p.id)).toEqual(a.slice(0, 4));
    expect(samplePairs(pool, 8, 4).map((p) => p.id)).not.toEqual(a);
    expect(a).not.toEqual(pool.slice(0, 8).map((p) => p.id));
  });

  it('curated samples come from A_k, uncurated ones from every candidate; too few is an error', async () => {
    const { store, ws, run } = await storeWithData();
    const q = { workspaceId: ws.id, mode: 'seed+curated' as const, runId: run.id, k: 5 };
    const aug = async (sample: { n: number; from: 'curated' | 'all'; seed: number }) =>
      (await loadPairs(store, { ...q, sample }))
        .filter((p) => p.origin === 'augmented')
        .map((p) => p.id);
    const curated = await aug({ n: 1, from: 'curated', seed: 1 });
    expect(curated).toHaveLength(1);
    expect(['c0', 'c2']).toContain(curated[0]);
    expect((await aug({ n: 3, from: 'all', seed: 1 })).sort()).toEqual(['c0', 'c1', 'c2']);
    expect(await aug({ n: 2, from: 'all', seed: 9 })).toEqual(
      await aug({ n: 2, from: 'all', seed: 9 }),
    );
    await expect(aug({ n: 3, from: 'curated', seed: 1 })).rejects.toThrow(
      /Only 2 curated pairs in this run; 3 were asked for/,
    );
    store.close();
  });

  it('untagged training renders no system sentence', () => {
    const pair: SourcePair = { id: 'x', instruction: 'Hi?', output: 'Hello.', origin: 'augmented' };
    expect(chatFor(pair, 'seed+curated', true).prompt).toEqual([{ role: 'user', content: 'Hi?' }]);
    const tagged = tokenizeExamples([pair], 'seed+curated', tokenizer, template, 512);
    const plain = tokenizeExamples([pair], 'seed+curated', tokenizer, template, 512, true);
    expect(plain.examples[0].ids.length).toBeLessThan(tagged.examples[0].ids.length);
  });
});

describe('prompts, targets and loss spans', () => {
  const seed: SourcePair = {
    id: 's',
    instruction: 'Name a colour.',
    output: 'Blue is a colour.',
    origin: 'seed',
  };
  const web: SourcePair = { ...seed, id: 'w', origin: 'augmented' };

  it('forward modes tag seed with S_a and augmented with S_w; backward reverses the pair', () => {
    expect(chatFor(seed, 'seed')).toEqual({
      prompt: [
        { role: 'system', content: SEED_TAG },
        { role: 'user', content: 'Name a colour.' },
      ],
      completion: 'Blue is a colour.',
    });
    expect(chatFor(web, 'seed+curated').prompt[0].content).toBe(WEB_TAG);
    expect(chatFor(seed, 'backward')).toEqual({
      prompt: [{ role: 'user', content: backtranslationPrompt('Blue is a colour.') }],
      completion: 'Name a colour.',
    });
  });

  it('the loss span decodes to the target + EOS and nothing of the prompt', () => {
    for (const mode of ['seed', 'backward'] as const) {
      const { examples } = tokenizeExamples([seed], mode, tokenizer, template, 512);
      const ex = examples[0];
      const target = tokenizer.decode(ex.ids.slice(ex.lossStart, ex.lossEnd));
      const expected = mode === 'backward' ? 'Name a colour.' : 'Blue is a colour.';
      expect(target.trim()).toBe(`${expected} </s>`);
      const prompt = tokenizer.decode(ex.ids.slice(0, ex.lossStart));
      expect(prompt).toContain('[/INST]');
      expect(prompt).not.toContain(expected);
      const batch = packBatch(examples, { seq: 128, rows: [0] }, 2, 0);
      const ones = Array.from(batch.lossMask).reduce((a, b) => a + b, 0);
      expect(ones).toBe(ex.lossEnd - ex.lossStart);
      expect(Array.from(batch.attentionMask).reduce((a, b) => a + b, 0)).toBe(ex.ids.length);
      expect(Array.from(batch.attentionMask.subarray(128))).toEqual(new Array(128).fill(0));
    }
  });

  it('truncates to maxLength with counts, and drops examples whose prompt fills it', () => {
    const long: SourcePair = { ...seed, id: 'long', output: 'word '.repeat(200) };
    const full = tokenizeExamples([seed], 'seed', tokenizer, template, 512).examples[0];
    const { examples, stats } = tokenizeExamples([seed, long], 'seed', tokenizer, template, 64);
    expect(stats).toEqual({ pairs: 2, examples: 2, truncated: 1, dropped: 0 });
    expect(examples[1].ids.length).toBe(64);
    expect(examples[1].lossEnd).toBe(64);
    const tiny = tokenizeExamples([seed, long], 'seed', tokenizer, template, full.lossStart);
    expect(tiny.stats.dropped).toBe(2);
    expect(tiny.examples).toHaveLength(0);
  });
});

describe('eval split and buckets', () => {
  const items = Array.from({ length: 40 }, (_, i) => i);

  it('the eval split is deterministic by seed, 5 % with at least one', () => {
    const a = splitTrainEval(items, 0.05, 7);
    expect(a.eval).toHaveLength(2);
    expect(a.train).toHaveLength(38);
    expect(splitTrainEval(items, 0.05, 7)).toEqual(a);
    expect(splitTrainEval(items, 0.05, 8).eval).not.toEqual(a.eval);
    expect(splitTrainEval(items.slice(0, 5), 0.05, 1).eval).toHaveLength(1);
    expect(splitTrainEval([1], 0.05, 1).eval).toHaveLength(0);
  });

  it('micro-batches come from one bucket each and cover every example once per epoch', () => {
    const buckets = bucketsFor(200);
    expect(buckets).toEqual([64, 128, 200]);
    expect(bucketOf(65, buckets)).toBe(128);
    expect(() => bucketOf(201, buckets)).toThrow(RangeError);
    const lengths = items.map((i) => 10 + ((i * 37) % 190));
    const plan = planEpoch(lengths, buckets, 4, 3, 0);
    for (const mb of plan) {
      expect(mb.rows.length).toBeLessThanOrEqual(4);
      for (const r of mb.rows) expect(bucketOf(lengths[r], buckets)).toBe(mb.seq);
    }
    expect(plan.flatMap((mb) => mb.rows).sort((x, y) => x - y)).toEqual(items);
    expect(planEpoch(lengths, buckets, 4, 3, 0)).toEqual(plan);
    expect(planEpoch(lengths, buckets, 4, 3, 1)).not.toEqual(plan);
    expect(planEpoch(lengths, buckets, 4, 3, 1)).toHaveLength(plan.length);
  });
});

// The fixture files exist (guards against a package layout change making the test vacuous).
it('uses the real Llama-2 tokenizer', () => {
  expect(Object.keys(llamaFiles().tokenizerJson)).toContain('model');
});
