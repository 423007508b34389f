// The data-scaling sweep (issue 12 item 3) on the real store (fake-indexeddb) and FakeEngines:
// the plan (sizes capped at A_k, ablation arms), each arm's training request (seeded sample,
// uncurated pool, untagged), and the bookkeeping: a cancel mid-training and one mid-evaluation,
// each followed by a reopened store, finish the sweep with every arm trained once and every
// prompt judged once. The trainer is a stub that reads the pairs the real data loader picks
// (train/data.ts loadPairs); the real training service runs in the sweep e2e.
import { describe, expect, it } from 'vitest';
import { freshStore } from '../store/helpers';
import { newSweep as sweepRecord } from '../../helpers/sweep';
import { makeCandidate, paperRating } from '../../helpers/candidate';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { openStore, type Store } from '../../../src/lib/store';
import { loadPairs } from '../../../src/lib/train/data';
import { STARTER_PROMPTS } from '../../../src/lib/method';
import { CancelledError } from '../../../src/lib/protocol/errors';
import type { EvalModelChoice, SweepArm } from '../../../src/lib/domain';
import type { LoadedModel } from '../../../src/lib/pipeline/evaluate-stage';
import {
  countPairPools,
  parseSizes,
  planSweepArms,
  sweepCurve,
} from '../../../src/lib/pipeline/sweep-plan';
import {
  runSweep,
  deleteSweep,
  type ArmTrainRequest,
  type SweepPorts,
  type TrainSweep,
} from '../../../src/lib/pipeline/sweep-service';

const RULE = { iteration: 1, mode: 'paper' as const, k: 5 };

describe('sweep plan', () => {
  it('caps the sizes at what A_k holds, adds the ablations at the largest N, refuses too few', () => {
    const plan = planSweepArms(
      { ns: [16, 4, 8, 8, 64], curation: true, tagging: true },
      {
        curated: 10,
        all: 30,
      },
    );
    expect(plan.ok && plan.arms.map((a) => a.key)).toEqual([
      'curated-4',
      'curated-8',
      'uncurated-8',
      'untagged-8',
    ]);
    expect(plan.ok && plan.notes[0]).toMatch(/A_k holds 10 curated pairs: N = 16, 64 left out/);
    const small = planSweepArms(
      { ns: [8, 16], curation: false, tagging: false },
      {
        curated: 9,
        all: 9,
      },
    );
    expect(small).toEqual({
      ok: false,
      message: expect.stringMatching(
        /holds 9 curated pairs: a sweep needs at least two sizes N of at most 9/,
      ),
    });
    expect(
      planSweepArms({ ns: [3], curation: false, tagging: false }, { curated: 9, all: 9 }).ok,
    ).toBe(false);
    const noPool = planSweepArms(
      { ns: [2, 4], curation: true, tagging: false },
      { curated: 4, all: 3 },
    );
    expect(noPool.ok && noPool.arms.map((a) => a.key)).toEqual(['curated-2', 'curated-4']);
    expect(parseSizes('8, 16 32')).toEqual([8, 16, 32]);
    expect(parseSizes('8, x')).toBeNull();
  });

  it('fits the curve over done curated arms and pairs each ablation with its curated arm', () => {
    const arm = (kind: SweepArm['kind'], n: number, winRate?: number): SweepArm => ({
      key: `${kind}-${n}`,
      kind,
      n,
      status: winRate === undefined ? 'pending' : 'done',
      ...(winRate === undefined ? {} : { winRate, se: 2 }),
    });
    const c = sweepCurve([
      arm('curated', 2, 40),
      arm('curated', 4, 40 + Math.log(2) * 5),
      arm('curated', 8, 40 + Math.log(4) * 5),
      arm('uncurated', 8, 30),
      arm('untagged', 8),
    ]);
    expect(c.points.map((p) => p.n)).toEqual([2, 4, 8]);
    expect(c.fit!.alpha).toBeCloseTo(5, 9);
    expect(c.fit!.alphaSe).toBeCloseTo(0, 9);
    expect(c.ablations.map((a) => [a.kind, a.curated?.winRate])).toEqual([
      ['uncurated', 40 + Math.log(4) * 5],
      ['untagged', 40 + Math.log(4) * 5],
    ]);
    expect(sweepCurve([arm('curated', 2, 40), arm('curated', 4)]).fit).toBeNull();
  });
});

async function scene() {
  const { store, name } = await freshStore();
  const ws = await store.workspaces.create('w');
  await store.seeds.addMany(ws.id, [
    { instruction: 'Name a colour.', output: 'Blue.', source: 't' },
  ]);
  const run = await store.runs.create(ws.id, { name: 'r', config: {} });
  await store.candidates.putBatch(
    Array.from({ length: 12 }, (_, i) =>
      makeCandidate({
        id: `c${String(i).padStart(2, '0')}`,
        workspaceId: ws.id,
        runId: run.id,
        segmentId: `s${i}`,
        instruction: `Question ${i}?`,
        output: `Passage ${i}.`,
        // 6 curated (score 5), 6 not (score 3)
        ratings: [paperRating(1, i % 2 ? 3 : 5)],
      }),
    ),
  );
  return { store, name, ws, run };
}

/** The shared sweep record on this scene's pools: four arms, three starter prompts, k = 5. */
async function newSweep(store: Store, ws: string, runId: string): Promise<TrainSweep> {
  const pools = await countPairPools(store, runId, RULE);
  expect(pools).toEqual({ curated: 6, all: 12 });
  const plan = planSweepArms({ ns: [2, 4], curation: true, tagging: true }, pools);
  if (!plan.ok) throw new Error(plan.message);
  const record = sweepRecord(
    ws,
    runId,
    {
      sampleSeed: 7,
      reference: { role: 'backward' },
      prompts: STARTER_PROMPTS.slice(0, 3).map((p) => ({ ...p })),
      evaluation: { ...sweepRecord(ws, runId).plan.evaluation, maxTokens: 12, judgeMaxTokens: 24 },
      train: {
        k: 5,
        curation: { iteration: 1, mode: 'paper' },
        maxLength: 64,
        evalFraction: 0,
        device: 'wasm',
        options: {} as never,
      },
    },
    plan.arms,
  );
  return (await store.sweeps.add(record)) as TrainSweep;
}

/** Ports over FakeEngines; the trainer stub records which pairs each arm's request selects. */
function ports(store: Store, ws: string, hooks: { onTrain?: (req: ArmTrainRequest) => void } = {}) {
  const trained: { name: string; augmented: string[]; untagged: boolean }[] = [];
  const engines = new Map<string, FakeEngine>();
  const p: SweepPorts = {
    async train(req, { signal }) {
      hooks.onTrain?.(req);
      if (signal?.aborted) throw new CancelledError();
      const pairs = await loadPairs(store, { ...req, workspaceId: ws });
      trained.push({
        name: req.name,
        augmented: pairs.filter((x) => x.origin === 'augmented').map((x) => x.id),
        untagged: !!req.untagged,
      });
      return `ck-${req.name}`;
    },
    async loadModel(choice: EvalModelChoice): Promise<LoadedModel> {
      let engine = engines.get(choice.role);
      if (!engine) {
        engine = new FakeEngine();
        await engine.load({ id: `fake-${choice.role}`, source: 'fake' });
        engines.set(choice.role, engine);
      }
      const id = choice.adapterCheckpointId;
      if (id) await engine.addAdapter({ id, rank: 0, alpha: 0, targetModules: [], tensors: {} });
      return {
        engine,
        model: {
          label: `fake-${choice.role}`,
          contextTokens: 4096,
          ...(id ? { adapterId: id } : {}),
          lineage: { engine: 'fake' },
        },
      };
    },
  };
  return { ports: p, trained };
}

describe('sweep runner', () => {
  it('samples per arm kind, survives a cancel in training and one in evaluation, and finishes', async () => {
    const { store, name, ws, run } = await scene();
    const sweep = await newSweep(store, ws.id, run.id);
    expect(sweep.arms.map((a) => a.key)).toEqual([
      'curated-2',
      'curated-4',
      'uncurated-4',
      'untagged-4',
    ]);

    // 1) cancelled while the second arm trains: the first arm is done, the second untouched.
    const stop1 = new AbortController();
    const first = ports(store, ws.id, { onTrain: (r) => r.name.includes('N=4') && stop1.abort() });
    await expect(
      runSweep(store, sweep.id, first.ports, { signal: stop1.signal }),
    ).rejects.toBeInstanceOf(CancelledError);
    let stored = (await store.sweeps.get(sweep.id))!;
    expect(stored.arms.map((a) => a.status)).toEqual(['done', 'pending', 'pending', 'pending']);
    expect(stored.arms[0]).toMatchObject({
      adapterCheckpointId: 'ck-Sweep curated N=2',
      judged: expect.any(Number),
    });
    expect(await store.evalAnswers.count(stored.arms[0].evaluationId!)).toBe(3);

    // 2) a reload, then cancelled after the first judged prompt of the second arm.
    store.close();
    const again = await openStore(name);
    const stop2 = new AbortController();
    const second = ports(again, ws.id);
    await expect(
      runSweep(again, sweep.id, second.ports, {
        signal: stop2.signal,
        onProgress: (p) =>
          p.arm === 'curated-4' && p.phase === 'evaluate' && p.done > 1.5 && stop2.abort(),
      }),
    ).rejects.toBeInstanceOf(CancelledError);
    stored = (await again.sweeps.get(sweep.id))!;
    expect(stored.arms[1]).toMatchObject({
      status: 'evaluating',
      adapterCheckpointId: 'ck-Sweep curated N=4',
    });
    const partial = await again.evalAnswers.count(stored.arms[1].evaluationId!);
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(3);

    // 3) a reload, then to the end: no arm trained twice, the evaluation continued, not redone.
    again.close();
    const last = await openStore(name);
    const third = ports(last, ws.id);
    const done = await runSweep(last, sweep.id, third.ports);
    expect(done.arms.every((a) => a.status === 'done')).toBe(true);
    const names = [...first.trained, ...second.trained, ...third.trained].map((t) => t.name);
    expect(names).toEqual([
      'Sweep curated N=2',
      'Sweep curated N=4',
      'Sweep uncurated N=4',
      'Sweep untagged N=4',
    ]);
    expect(done.arms[1].evaluationId).toBe(stored.arms[1].evaluationId);
    for (const arm of done.arms) expect(await last.evalAnswers.count(arm.evaluationId!)).toBe(3);
    expect((await last.evaluations.list({ runId: run.id })).length).toBe(4);

    // Sampling: N = 2 is a prefix of N = 4, both from A_k; the ablation draws from all 12;
    // the tagging arm trains on the curve's pairs without tags and answers without them too.
    const [c2, c4] = [first.trained[0].augmented, second.trained[0].augmented];
    const curatedIds = ['c00', 'c02', 'c04', 'c06', 'c08', 'c10'];
    expect(c4.slice(0, 2)).toEqual(c2);
    expect(c4.every((id) => curatedIds.includes(id))).toBe(true);
    const untagged = third.trained.find((t) => t.name.includes('untagged'))!;
    expect(untagged).toMatchObject({ untagged: true, augmented: c4 });
    const uncurated = third.trained.find((t) => t.name.includes('uncurated'))!;
    expect(uncurated.augmented).toHaveLength(4);
    expect(uncurated.augmented).not.toEqual(c4);
    const untaggedEval = await last.evaluations.get(done.arms[3].evaluationId!);
    expect(untaggedEval?.setup?.tagging).toBe('none');
    expect((await last.evaluations.get(done.arms[0].evaluationId!))?.setup?.tagging).toBe('both');

    // The curve: two curated sizes give alpha; deleting removes the sweep's evaluations.
    expect(sweepCurve(done.arms).fit).not.toBeNull();
    await deleteSweep(last, sweep.id);
    expect(await last.sweeps.get(sweep.id)).toBeUndefined();
    expect(await last.evaluations.list({ runId: run.id })).toEqual([]);
    // ... and their stage entries (state and lineage) in the run.
    const left = (await last.runs.get(run.id))!;
    expect(Object.keys(left.stages)).toEqual([]);
    expect((left.config.lineage ?? []).filter((l) => l.kind === 'evaluate')).toEqual([]);
    last.close();
  });

  it('records a failed training on its arm and retries it on the next run', async () => {
    const { store, ws, run } = await scene();
    const sweep = await newSweep(store, ws.id, run.id);
    const failing = ports(store, ws.id);
    failing.ports.train = async () => {
      throw new Error('out of memory');
    };
    await expect(runSweep(store, sweep.id, failing.ports)).rejects.toThrow('out of memory');
    expect((await store.sweeps.get(sweep.id))!.arms[0]).toMatchObject({
      status: 'failed',
      error: 'out of memory',
    });
    const ok = ports(store, ws.id);
    const done = await runSweep(store, sweep.id, ok.ports);
    expect(done.arms[0].error).toBeUndefined();
    expect(done.arms.every((a) => a.status === 'done')).toBe(true);
    store.close();
  });

  it("a stop between naming an arm's evaluation and creating it leaves no evaluation behind", async () => {
    // Either write of the pair may be the one a reload cuts off: the arm's record, or the
    // evaluation's. Each failure stands for the tab closing at that point.
    for (const cut of ['arm', 'evaluation'] as const) {
      const { store, ws, run } = await scene();
      const sweep = await newSweep(store, ws.id, run.id);
      const gone = new Error('tab closed');
      const interrupted: Store = {
        ...store,
        sweeps: {
          ...store.sweeps,
          updateArm: async (id, key, patch) => {
            if (cut === 'arm' && patch.status === 'evaluating') throw gone;
            return store.sweeps.updateArm(id, key, patch);
          },
        },
        evaluations: {
          ...store.evaluations,
          add: async () => {
            throw gone;
          },
        },
      };
      if (cut === 'arm') interrupted.evaluations = store.evaluations;
      await expect(runSweep(interrupted, sweep.id, ports(store, ws.id).ports)).rejects.toBe(gone);
      const done = await runSweep(store, sweep.id, ports(store, ws.id).ports);
      const evaluations = await store.evaluations.list({ runId: run.id });
      expect(evaluations.map((e) => e.id).sort()).toEqual(
        done.arms.map((a) => a.evaluationId).sort(),
      );
      store.close();
    }
  });
});
