// Where an unmerged LoRA's time goes in a decode step (issue 14 item 2): ONNX Runtime's
// profiler on the 50M random Llama's last-logits graph (weights embedded, as the runner's wasm
// decode variant) with no LoRA, a rank-8 adapter on all seven projections in the separate
// layout (x·A·B·s + base per projection) and in the fused one (llama-graph.ts loraLayout).
// onnxruntime-web's wasm build writes its profile into Emscripten's in-memory file system and
// frees the file name without reading it, so the per-node profile comes from onnxruntime-node
// (the same ORT release, native CPU EP, 1 thread): per node, the minimum over 40 decode steps
// (on this shared machine a node's time is otherwise mostly who else ran), summed by op type.
// The wasm figures (main-thread CPU time of the same three sessions in onnxruntime-web,
// interleaved) show what the per-node profile cannot: the cost of FEEDING the LoRA inputs,
// which onnxruntime-web copies into the wasm heap on every run.
import { readdirSync, readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web/webgpu';
import { fusedLoraTensors, type LoraInputs } from '../../../src/lib/engines/onnx/adapters';
import { parseDecoderConfig, ropeTables } from '../../../src/lib/engines/onnx/config';
import { embedWeights } from '../../../src/lib/engines/onnx/embed-weights';
import {
  buildLlamaGraph,
  LORA_MODULES,
  LORA_SCALE_INPUT,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LoraLayout,
} from '../../../src/lib/engines/onnx/llama-graph';
import type { F32Tensor } from '../../../src/lib/engines/onnx/safetensors';
import { makeTinyLora } from '../../helpers/tiny-checkpoint';
import { record } from '../record-node';
import { measure, type BenchResult } from '../result';
import { RANDOM_50M_CONFIG } from '../random-model';
import { randomWeights } from '../transformers-js';

const PREFILL = 128;
const STEPS = 40;
const ROUNDS = 5;

type AnyTensor = ortNode.Tensor | ortWeb.Tensor;
type Feeds = Record<string, AnyTensor>;
type TensorCtor = new (
  type: 'float32' | 'int32',
  data: Float32Array | Int32Array,
  dims: number[],
) => AnyTensor;
interface Session {
  run(feeds: Feeds): Promise<Record<string, AnyTensor>>;
}

/** Main-thread CPU ms (onnxruntime-web runs single-threaded on it; 10 ms ticks). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

it('LoRA profile: per-node cost of the unmerged branch, separate vs fused layout', async () => {
  const c = parseDecoderConfig(RANDOM_50M_CONFIG);
  const weights = randomWeights(c) as Map<string, F32Tensor>;
  const lora: LoraInputs = {
    scale: 2,
    rank: 8,
    modules: LORA_MODULES,
    tensors: makeTinyLora(c, LORA_MODULES, 8, 5),
  };
  const rope = ropeTables(c, 1024);
  const cases: { label: string; layout?: LoraLayout; lora: Record<string, F32Tensor> }[] = [
    { label: 'no LoRA', lora: {} },
    {
      label: 'seven r8 separate',
      layout: 'separate',
      lora: { ...lora.tensors, [LORA_SCALE_INPUT]: { shape: [1], data: Float32Array.of(2) } },
    },
    { label: 'seven r8 fused', layout: 'fused', lora: fusedLoraTensors(lora, c.numLayers) },
  ];
  const models = cases.map(({ layout }) => {
    const g = buildLlamaGraph(c, {
      loraModules: layout ? LORA_MODULES : [],
      loraLayout: layout,
      lastLogitsOnly: true,
      weightsEmbedded: true,
    });
    return { model: embedWeights(g.model, g.weightNames, weights), nodes: g.nodeCount };
  });
  const ids = Array.from({ length: PREFILL }, (_, i) => 3 + ((i * 37) % 31000));
  const feedsFor = (T: TensorCtor, extra: Record<string, F32Tensor>) => {
    const fixed: Feeds = {
      [ROPE_COS_INPUT]: new T('float32', rope.cos, [1024, c.headDim / 2]),
      [ROPE_SIN_INPUT]: new T('float32', rope.sin, [1024, c.headDim / 2]),
    };
    for (const [n, t] of Object.entries(extra)) fixed[n] = new T('float32', t.data, t.shape);
    return (tokens: number[], past: number, prev?: Record<string, AnyTensor>): Feeds => {
      const f: Feeds = {
        ...fixed,
        input_ids: new T('int32', Int32Array.from(tokens), [1, tokens.length]),
        attention_mask: new T('int32', new Int32Array(past + tokens.length).fill(1), [
          1,
          past + tokens.length,
        ]),
        position_ids: new T(
          'int32',
          Int32Array.from(tokens, (_, i) => past + i),
          [1, tokens.length],
        ),
      };
      const empty = () => new T('float32', new Float32Array(0), [1, c.numKvHeads, 0, c.headDim]);
      for (let i = 0; i < c.numLayers; i++) {
        f[pastKeyName(i)] = prev?.[presentKeyName(i)] ?? empty();
        f[pastValueName(i)] = prev?.[presentValueName(i)] ?? empty();
      }
      return f;
    };
  };
  /** Prefill, then `STEPS` decode steps; returns main-thread CPU ms per decode step. */
  const decode = async (session: Session, feeds: ReturnType<typeof feedsFor>) => {
    let past = await session.run(feeds(ids, 0));
    const t = mainThreadCpuMs();
    for (let s = 0; s < STEPS; s++) past = await session.run(feeds([5], PREFILL + s, past));
    return (mainThreadCpuMs() - t) / STEPS;
  };

  const results: BenchResult[] = [];
  const loadBefore = loadavg()[0];
  // 1. onnxruntime-node's profiler: per-op sums of per-node minima over the decode steps.
  const dir = mkdtempSync(join(tmpdir(), 'lora-profile-'));
  const perNode: number[] = [];
  for (const [k, { label, lora: extra }] of cases.entries()) {
    const session = await ortNode.InferenceSession.create(models[k].model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      enableProfiling: true,
      profileFilePrefix: join(dir, `case${k}`),
    });
    await decode(session as Session, feedsFor(ortNode.Tensor as TensorCtor, extra));
    session.endProfiling();
    await session.release();
    const file = readdirSync(dir).find((f) => f.startsWith(`case${k}`));
    const events = JSON.parse(readFileSync(join(dir, file!), 'utf8')) as {
      cat: string;
      name: string;
      dur: number;
      args?: { op_name?: string };
    }[];
    const min = new Map<string, { op: string; us: number }>();
    for (const e of events) {
      if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
      const m = min.get(e.name);
      if (!m || e.dur < m.us) min.set(e.name, { op: e.args?.op_name ?? '?', us: e.dur });
    }
    const byOp = new Map<string, { us: number; n: number }>();
    for (const { op, us } of min.values()) {
      const s = byOp.get(op) ?? { us: 0, n: 0 };
      s.us += us;
      s.n++;
      byOp.set(op, s);
    }
    const total = [...min.values()].reduce((a, m) => a + m.us, 0);
    perNode.push(total);
    const ops = [...byOp]
      .sort((a, b) => b[1].us - a[1].us)
      .map(([op, s]) => `${op} ${s.n}: ${(s.us / 1000).toFixed(2)}`)
      .join(', ');
    results.push(
      measure(
        `lora profile (onnxruntime-node, per-node minima): ${label}, decode step`,
        total / 1000,
        'ms',
        undefined,
        `${min.size} nodes (graph ${models[k].nodes}); by op, nodes: ms — ${ops}`,
      ),
    );
  }
  rmSync(dir, { recursive: true, force: true });
  expect(perNode[1]).toBeGreaterThan(0);
  for (const k of [1, 2]) {
    const extraNodes = models[k].nodes - models[0].nodes;
    results.push(
      measure(
        `lora profile (onnxruntime-node): ${cases[k].label}, LoRA branch per decode step`,
        (perNode[k] - perNode[0]) / 1000,
        'ms',
        undefined,
        `${extraNodes} extra nodes, ${((perNode[k] - perNode[0]) / extraNodes).toFixed(1)} µs each`,
      ),
    );
  }

  // 2. onnxruntime-web wasm, 1 thread: main-thread CPU per decode step, interleaved rounds.
  ortWeb.env.wasm.numThreads = 1;
  const web = await Promise.all(
    models.map((m) => ortWeb.InferenceSession.create(m.model, { executionProviders: ['wasm'] })),
  );
  const webFeeds = cases.map((k) => feedsFor(ortWeb.Tensor as TensorCtor, k.lora));
  const cpu: number[][] = cases.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const k of cases.keys()) cpu[k].push(await decode(web[k] as Session, webFeeds[k]));
  }
  for (const s of web) await s.release();
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const load = `load ${loadBefore.toFixed(1)} → ${loadavg()[0].toFixed(1)} on 2 cores`;
  for (const k of cases.keys()) {
    results.push(
      measure(
        `lora profile (onnxruntime-web wasm): ${cases[k].label}, decode step main-thread CPU`,
        median(cpu[k]),
        'ms',
        undefined,
        `median of ${ROUNDS} interleaved rounds of ${STEPS} steps (min ${Math.min(...cpu[k]).toFixed(2)}); ${load}`,
      ),
    );
  }
  record('lora-profile', results);
});
