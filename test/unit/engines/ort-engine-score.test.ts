// OrtEngine scoring and LoRA adapters on the wasm EP: shared-prefix scoring against plain
// scoring, adapters against the NumPy reference (test/reference/llama_ref.py), and the whole
// engine across a MessageChannel "worker" (WorkerEngine + engineHandlers).
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { engineHandlers } from '../../../src/lib/engines/engine-protocol';
import { loraTensorsToAdapter } from '../../../src/lib/engines/onnx/adapters';
import type { LoraModule } from '../../../src/lib/engines/onnx/llama-graph';
import { positionIdsFromMask } from '../../../src/lib/engines/onnx/llama-session';
import { OrtEngine, splitContinuation } from '../../../src/lib/engines/onnx/ort-engine';
import { commonPrefixLength, scoreRows, type ScoreRow } from '../../../src/lib/engines/onnx/scorer';
import { ModelService } from '../../../src/lib/engines/model-service';
import { WorkerEngine } from '../../../src/lib/engines/worker-engine';
import type { WorkerLike } from '../../../src/lib/protocol/client';
import { InputError } from '../../../src/lib/protocol/errors';
import { serve, type ServerPort } from '../../../src/lib/protocol/server';
import { findPythonWithNumpy, runReference } from '../../helpers/python-ref';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { writeCheckpointDir, writeLoraFile } from '../../helpers/tiny-checkpoint-fs';
import { loadTinyEngine, nodeOrt, tinyModel } from './ort-fixtures';

vi.setConfig({ testTimeout: 120_000, hookTimeout: 120_000 });

const HEAD =
  'Below is an instruction from an user and a candidate answer. Evaluate whether or not the ' +
  'answer is a good example of how AI Assistant should respond. Please assign a score:';
const PROMPTS = [
  `${HEAD}\nWhat is 2+2?\nFour.\nScore: `,
  `${HEAD}\nName a fruit.\nA banana is a long yellow fruit.\nScore: `,
  `${HEAD}\nWrite a haiku.\nOld pond, frog jumps in.\nScore: `,
];
// Llama-2 splits digits: 'Score: ' ends in the '▁' token and each digit is one token.
const DIGITS = ['1', '2', '3', '4', '5'];

function rowsOf(engine: OrtEngine, prompts: string[], continuations: string[]): ScoreRow[] {
  const { tokenizer } = engine.loaded;
  return prompts.flatMap((p) =>
    continuations.map((c) => splitContinuation(tokenizer.encode(p), tokenizer.encode(p + c))),
  );
}

function maxAbsDiff(a: number[], b: number[]): number {
  return Math.max(...a.map((x, i) => Math.abs(x - b[i])));
}

let engine: OrtEngine;
beforeAll(async () => {
  findPythonWithNumpy();
  engine = await loadTinyEngine('llama');
});
afterAll(() => engine.unload());

describe('scoring', () => {
  it('shared-prefix scoring equals plain scoring (1e-4) and returns real log-probabilities', async () => {
    const rows = rowsOf(engine, PROMPTS, DIGITS);
    expect(commonPrefixLength(rows.map((r) => r.prompt))).toBeGreaterThan(20);
    const { runner, noAdapter } = engine.loaded;
    const plain = await scoreRows(runner, rows, noAdapter, { sharedPrefix: false, maxRows: 1 });
    const shared = await scoreRows(runner, rows, noAdapter, { maxRows: 4 });
    const diff = maxAbsDiff(shared, plain);
    console.log(`[score] shared vs plain: max |Δ logprob| ${diff.toExponential(2)}`);
    expect(diff).toBeLessThan(1e-4);
    const viaEngine = await engine.score({ prompts: PROMPTS, continuations: DIGITS });
    expect(maxAbsDiff(viaEngine.logprobs.flat(), plain)).toBeLessThan(1e-4);
    // Single-token continuations: probabilities are ≤ 1 and differ between prompts.
    for (const r of rows) expect(r.continuation.length).toBe(1);
    for (const lp of viaEngine.logprobs) {
      expect(lp.reduce((s, x) => s + Math.exp(x), 0)).toBeLessThanOrEqual(1);
    }
    expect(viaEngine.logprobs[0]).not.toEqual(viaEngine.logprobs[1]);
  });

  it('chunks by length: same scores in row order as unsorted chunks, less padding fed', async () => {
    // Short and long prompts alternate, so unsorted chunks of two each pad a short one to a
    // long one; sorted chunks pair equals.
    const prompts = [
      PROMPTS[0],
      `${HEAD}\nWrite a long story about a dragon.\nOnce upon a time a dragon lived in a cave by the sea and ate only bread.\nScore: `,
      PROMPTS[2],
      `${HEAD}\nDescribe the sea in detail.\nThe sea is wide and grey in winter, blue in summer, and always moving under the wind.\nScore: `,
    ];
    const rows = rowsOf(engine, prompts, DIGITS);
    const { runner, noAdapter } = engine.loaded;
    const fed = async (sortByLength: boolean) => {
      let tokens = 0;
      const run = runner.run.bind(runner);
      const spy = vi.spyOn(runner, 'run').mockImplementation((inputs) => {
        tokens += inputs.inputIds.length;
        return run(inputs);
      });
      try {
        return {
          scores: await scoreRows(runner, rows, noAdapter, { maxRows: 2, sortByLength }),
          tokens,
        };
      } finally {
        spy.mockRestore();
      }
    };
    const sorted = await fed(true);
    const unsorted = await fed(false);
    const plain = await scoreRows(runner, rows, noAdapter, { sharedPrefix: false, maxRows: 1 });
    expect(maxAbsDiff(sorted.scores, unsorted.scores)).toBeLessThan(1e-5);
    expect(maxAbsDiff(sorted.scores, plain)).toBeLessThan(1e-4);
    expect(sorted.tokens).toBeLessThan(unsorted.tokens);
  });

  it('multi-token continuations sum the log-probabilities of their tokens', async () => {
    const conts = [' the answer is good', ' bad'];
    const rows = rowsOf(engine, PROMPTS.slice(0, 2), conts);
    expect(rows[0].continuation.length).toBeGreaterThan(2);
    const { runner, noAdapter } = engine.loaded;
    const shared = await scoreRows(runner, rows, noAdapter);
    const plain = await scoreRows(runner, rows, noAdapter, { sharedPrefix: false });
    expect(maxAbsDiff(shared, plain)).toBeLessThan(1e-4);
    expect(shared[0]).toBeLessThan(shared[1]); // more tokens, more negative (random model)
    const empty = await engine.score({ prompts: [PROMPTS[0]], continuations: [''] });
    expect(empty.logprobs).toEqual([[0]]);
  });
});

describe('LoRA adapters', () => {
  const modules: LoraModule[] = ['q_proj', 'v_proj', 'o_proj', 'down_proj'];
  const rank = 4;
  const alpha = 8;

  it('an adapter changes log-probs exactly as the NumPy reference with that LoRA; removal restores base', async () => {
    const { ckpt } = tinyModel('llama');
    const lora = makeTinyLora(ckpt.config, modules, rank);
    await engine.addAdapter(loraTensorsToAdapter('a1', ckpt.config, lora, modules, rank, alpha));
    const prompts = [PROMPTS[0]];
    const conts = [' 4', ' fine answer'];
    const base = await engine.score({ prompts, continuations: conts });
    const adapted = await engine.score({ prompts, continuations: conts, adapterId: 'a1' });

    // Reference: full logits of prompt+continuation rows (left-padded batch), LoRA in f64.
    const rows = rowsOf(engine, prompts, conts);
    const seqs = rows.map((r) => [...r.prompt, ...r.continuation]);
    const T = Math.max(...seqs.map((s) => s.length));
    const ids = seqs.map((s) => [...new Array(T - s.length).fill(0), ...s]);
    const mask = seqs.map((s) => [
      ...new Array(T - s.length).fill(0),
      ...new Array(s.length).fill(1),
    ]);
    const pos = positionIdsFromMask(Int32Array.from(mask.flat()), seqs.length, T);
    const positionIds = seqs.map((_, b) => Array.from(pos.slice(b * T, (b + 1) * T)));
    const dir = writeCheckpointDir(ckpt);
    const loraRef = { path: writeLoraFile(dir, lora), scale: alpha / rank };
    const ref = runReference(dir, {
      inputIds: ids,
      attentionMask: mask,
      positionIds,
      lora: loraRef,
    });
    const V = ckpt.config.vocabSize;
    const expected = rows.map((r, b) => {
      const pad = T - seqs[b].length;
      let sum = 0;
      for (let k = 0; k < r.continuation.length; k++) {
        const at = (b * T + pad + r.prompt.length - 1 + k) * V;
        const row = ref.logits.subarray(at, at + V);
        const max = Math.max(...row);
        const lse = max + Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
        sum += row[r.continuation[k]] - lse;
      }
      return sum;
    });
    const err = maxAbsDiff(adapted.logprobs[0], expected);
    console.log(`[lora] engine vs NumPy: max |Δ logprob| ${err.toExponential(2)}`);
    expect(err).toBeLessThan(1e-3);
    expect(maxAbsDiff(adapted.logprobs[0], base.logprobs[0])).toBeGreaterThan(1e-2);

    await engine.removeAdapter('a1');
    const after = await engine.score({ prompts, continuations: conts });
    expect(after.logprobs).toEqual(base.logprobs);
    await expect(engine.score({ prompts, continuations: conts, adapterId: 'a1' })).rejects.toThrow(
      InputError,
    );
  });

  it('several adapters are held at once and picked per request', async () => {
    const { ckpt } = tinyModel('llama');
    const a = loraTensorsToAdapter(
      'x',
      ckpt.config,
      makeTinyLora(ckpt.config, modules, rank, 1),
      modules,
      rank,
      alpha,
    );
    const b = loraTensorsToAdapter(
      'y',
      ckpt.config,
      makeTinyLora(ckpt.config, modules, rank, 2),
      modules,
      rank,
      alpha,
    );
    await engine.addAdapter(a);
    await engine.addAdapter(b);
    const req = { prompt: PROMPTS[1], maxTokens: 6, temperature: 0 };
    const [rx, ry, rx2] = await engine.generateBatch([
      { ...req, adapterId: 'x' },
      { ...req, adapterId: 'y' },
      { ...req, adapterId: 'x' },
    ]);
    expect(rx.tokenIds).toEqual(rx2.tokenIds);
    expect(rx.tokenIds).not.toEqual(ry.tokenIds);
    const [alone] = await engine.generateBatch([{ ...req, adapterId: 'y' }]);
    expect(alone.tokenIds).toEqual(ry.tokenIds);
    const broken = { ...a, id: 'z', tensors: { ...a.tensors } };
    delete broken.tensors['base_model.model.model.layers.1.mlp.down_proj.lora_B.weight'];
    await expect(engine.addAdapter(broken)).rejects.toThrow(/layers\.1\.mlp\.down_proj\.lora_B/);
    await engine.removeAdapter('x');
    await engine.removeAdapter('y');
  });
});

/** A MessageChannel "worker" serving an OrtEngine on the tiny Llama; its engines are listed. */
function spawnOrtWorker(engines: OrtEngine[] = []) {
  return (): WorkerLike => {
    const { port1, port2 } = new MessageChannel();
    const models = new ModelService({
      source: () => ({ modelId: 'tiny-llama', load: async () => tinyModel('llama').files }),
    });
    const remoteEngine = new OrtEngine({ ort: nodeOrt, models });
    engines.push(remoteEngine);
    const server: ServerPort = {
      postMessage: (m, t) => port2.postMessage(m, t as never),
      addEventListener: (_type, fn) => port2.on('message', (data) => fn({ data } as MessageEvent)),
    };
    serve(server, engineHandlers(remoteEngine));
    return {
      postMessage: (m, t) => port1.postMessage(m, t as never),
      addEventListener: (type, fn) => {
        if (type === 'message') port1.on('message', (data) => fn({ data } as MessageEvent));
      },
      terminate: () => {
        port1.close();
        port2.close();
      },
    };
  };
}

describe('across a worker boundary', () => {
  it('WorkerEngine + engineHandlers give the same generation, stream and scores', async () => {
    const spawn = spawnOrtWorker();
    const remote = new WorkerEngine('onnx', spawn);
    const info = await remote.load({ id: 'tiny-llama', source: 'hf', device: 'wasm' });
    expect(info.engine).toBe('onnx');
    const req = { prompt: PROMPTS[2], maxTokens: 8, temperature: 0.8, topP: 0.9, seed: 11 };
    const pieces: string[] = [];
    const r = await remote.generate(req, { onToken: (p) => pieces.push(p) });
    expect(r).toEqual(await engine.generate(req));
    expect(pieces.join('')).toBe(r.text);
    // A batch streams each request's pieces under its index.
    const batchReqs = [req, { ...req, prompt: PROMPTS[0], seed: 3 }];
    const batchPieces: string[][] = [[], []];
    const batch = await remote.generateBatch(batchReqs, {
      onBatchToken: (i, p) => batchPieces[i].push(p),
    });
    expect(batch).toEqual(await engine.generateBatch(batchReqs));
    for (const [i, b] of batch.entries()) expect(batchPieces[i].join('')).toBe(b.text);
    const scoreReq = { prompts: PROMPTS.slice(0, 2), continuations: DIGITS };
    expect((await remote.score(scoreReq)).logprobs).toEqual(
      (await engine.score(scoreReq)).logprobs,
    );
    await remote.unload();
    remote.terminate();
  });

  it('the worker-side engine runs adapters the way the load (or the WorkerEngine default) says', async () => {
    const engines: OrtEngine[] = [];
    const spec = { id: 'tiny-llama', source: 'hf' as const, device: 'wasm' as const };
    const remote = new WorkerEngine('onnx', spawnOrtWorker(engines), undefined, {
      adapterMode: 'merged',
    });
    const config = tinyModel('llama').ckpt.config;
    const modules: LoraModule[] = ['q_proj', 'v_proj'];
    const lora = makeTinyLora(config, modules, 4, 9);
    await remote.addAdapter(loraTensorsToAdapter('x', config, lora, modules, 4, 8));
    const twice = async () => {
      for (let i = 0; i < 2; i++)
        await remote.generate({ prompt: PROMPTS[0], maxTokens: 1, temperature: 0, adapterId: 'x' });
    };
    try {
      // The WorkerEngine's default reaches the worker: the adapter is folded in.
      await remote.load(spec);
      expect(engines[0].adapterMode).toBe('merged');
      await twice();
      expect(engines[0].loaded.runner.mergedAdapter).not.toBeNull();
      // The load's own mode wins: kept unmerged however often it runs ('auto' merges it).
      await remote.load({ ...spec, adapterMode: 'unmerged' });
      expect(engines[0].adapterMode).toBe('unmerged');
      await twice();
      expect(engines[0].loaded.runner.mergedAdapter).toBeNull();
      await expect(
        remote.load({ ...spec, adapterMode: 'folded' as unknown as 'merged' }),
      ).rejects.toMatchObject({ name: 'InputError', field: 'adapterMode' });
    } finally {
      await remote.unload();
      remote.terminate();
    }
  });
});
