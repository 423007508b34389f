// Running the data-scaling sweep (issue 12 item 3; paper §3.3 and §8.3 of method.md) over the
// existing trainer and the pairwise evaluate stage. Arms run in order; each one
//   1. trains an adapter on the seed plus its N sampled pairs (unless it already has one),
//   2. creates its pairwise evaluation against the fixed reference (unless it has one), and
//   3. runs or resumes that evaluation's stage to the end,
// recording each step in the sweep record (sweeps-repo.ts) the moment it is done. So a reload or
// a cancel loses at most the training of the arm in flight; finished arms are never redone and
// a half-judged evaluation continues after its last committed prompt.
import {
  type EvalModelChoice,
  type Evaluation,
  type PairwiseSetup,
  type Sweep,
  type SweepArm,
} from '../domain';
import { CancelledError } from '../protocol/errors';
import type { Store } from '../store';
import { newId } from '../util/ids';
import type { StartTrainingRequest } from '../train/train-protocol';
import { createPairwiseEvaluation, runPairwiseEvaluation } from './evaluate-service';
import type { LoadedModel } from './evaluate-stage';
import type { StageRunProgress } from './stage-runner';

/** What a sweep's plan records of the training request (no model: it is picked on resume). */
export type SweepTrainTemplate = Omit<
  StartTrainingRequest,
  'model' | 'workspaceId' | 'name' | 'mode' | 'runId' | 'sample' | 'untagged'
>;

export type TrainSweep = Sweep<SweepTrainTemplate>;

/** One arm's training request, without the base model. */
export type ArmTrainRequest = Omit<StartTrainingRequest, 'model'>;

export interface SweepPorts {
  /** Trains an arm's adapter; resolves to the id of the adapter checkpoint it ends with. */
  train(
    req: ArmTrainRequest,
    opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void },
  ): Promise<string>;
  /** A compared model: a role's model, with an adapter when the choice names one. */
  loadModel(choice: EvalModelChoice): Promise<LoadedModel>;
}

export interface SweepProgress {
  /** Arms done, plus the fraction of the arm in flight. */
  done: number;
  total: number;
  arm: string | null;
  phase: 'train' | 'evaluate' | null;
}

export type SweepStore = Pick<
  Store,
  'sweeps' | 'evaluations' | 'evalAnswers' | 'runs' | 'stages' | 'checkpoints'
>;

export function armTrainRequest(sweep: TrainSweep, arm: SweepArm): ArmTrainRequest {
  return {
    ...sweep.plan.train,
    workspaceId: sweep.workspaceId,
    name: `Sweep ${arm.kind} N=${arm.n}`,
    mode: 'seed+curated',
    runId: sweep.plan.runId,
    sample: {
      n: arm.n,
      from: arm.kind === 'uncurated' ? 'all' : 'curated',
      seed: sweep.plan.sampleSeed,
    },
    ...(arm.kind === 'untagged' ? { untagged: true } : {}),
  };
}

/** The pairwise setup of an arm: its adapter (A) against the fixed reference (B). */
export function armSetup(sweep: Sweep, arm: SweepArm, adapterCheckpointId: string): PairwiseSetup {
  const p = sweep.plan;
  return {
    promptSetId: p.promptSetId,
    promptSetName: p.promptSetName,
    prompts: p.prompts,
    modelA: { role: p.candidateRole, adapterCheckpointId },
    modelB: p.reference,
    judge: p.judge,
    // The tagging ablation answers without a system sentence too (v1 Table 8, second row).
    tagging: arm.kind === 'untagged' ? 'none' : p.tagging,
    ...p.evaluation,
  };
}

/** Runs (or resumes) every arm not done; throws CancelledError when cancelled. */
export async function runSweep(
  store: SweepStore,
  sweepId: string,
  ports: SweepPorts,
  opts: { signal?: AbortSignal; onProgress?: (p: SweepProgress) => void } = {},
): Promise<TrainSweep> {
  let sweep = (await store.sweeps.get(sweepId)) as TrainSweep | undefined;
  if (!sweep) throw new Error(`No sweep ${sweepId}`);
  const total = sweep.arms.length;
  const report = (done: number, arm: SweepArm | null, phase: SweepProgress['phase']) =>
    opts.onProgress?.({ done, total, arm: arm?.key ?? null, phase });
  for (let i = 0; i < total; i++) {
    const arm = sweep.arms[i];
    if (arm.status === 'done') continue;
    if (opts.signal?.aborted) throw new CancelledError();
    const update = async (patch: Partial<SweepArm>) =>
      (sweep = (await store.sweeps.updateArm(sweepId, arm.key, patch)) as TrainSweep);
    try {
      let adapter = arm.adapterCheckpointId;
      if (!adapter) {
        report(i, arm, 'train');
        adapter = await ports.train(armTrainRequest(sweep, arm), {
          signal: opts.signal,
          onProgress: (f) => report(i + f / 2, arm, 'train'),
        });
        await update({ status: 'trained', adapterCheckpointId: adapter, error: undefined });
      }
      report(i + 0.5, arm, 'evaluate');
      // The arm names its evaluation before the record exists, so a reload in between resumes
      // that id instead of leaving an evaluation no arm points to.
      const evaluationId = arm.evaluationId ?? newId();
      if (arm.evaluationId !== evaluationId || arm.status !== 'evaluating')
        await update({ status: 'evaluating', evaluationId });
      const evaluation = await evaluateArm(store, sweep, arm, evaluationId, adapter, ports);
      const { outcome, evaluation: judged } = await runPairwiseEvaluation(
        store,
        evaluation,
        await loadArmModels(ports, evaluation.setup!),
        {
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (p: StageRunProgress) =>
            report(i + 0.5 + (p.total ? p.done / p.total : 0) / 2, arm, 'evaluate'),
        },
      );
      if (outcome.status !== 'done') throw new CancelledError();
      const r = judged.results;
      if (r.kind !== 'pairwise') throw new Error(`Evaluation ${judged.id} is not pairwise`);
      await update({
        status: 'done',
        winRate: r.rate * 100,
        se: r.se * 100,
        judged: r.n,
        error: undefined,
      });
    } catch (err) {
      if (err instanceof CancelledError || opts.signal?.aborted) throw new CancelledError();
      await update({ status: 'failed', error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  }
  report(total, null, null);
  return sweep;
}

/** The arm's evaluation `id`: the one it began (resumed), else a new one in the sweep's run. */
async function evaluateArm(
  store: SweepStore,
  sweep: Sweep,
  arm: SweepArm,
  id: string,
  adapter: string,
  ports: SweepPorts,
): Promise<Evaluation> {
  const found = await store.evaluations.get(id);
  if (found?.setup) return found;
  const setup = armSetup(sweep, arm, adapter);
  const models = await loadArmModels(ports, setup);
  const labelled: PairwiseSetup = {
    ...setup,
    modelA: { ...setup.modelA, label: `${models.a.model.label} (${arm.kind}, N = ${arm.n})` },
    modelB: { ...setup.modelB, label: models.b.model.label },
    judge: { ...setup.judge, label: models.judge.model.label },
  };
  return createPairwiseEvaluation(
    store,
    { workspaceId: sweep.workspaceId, runId: sweep.plan.runId },
    labelled,
    id,
  );
}

async function loadArmModels(ports: SweepPorts, setup: PairwiseSetup) {
  const [a, b, judge] = await Promise.all(
    [setup.modelA, setup.modelB, setup.judge].map((c) => ports.loadModel(c)),
  );
  return { a, b, judge };
}

/**
 * Removes a sweep with what only it owns: its arms' evaluations (answers and stage entries
 * included) and the adapters it trained.
 */
export async function deleteSweep(store: SweepStore, sweepId: string): Promise<void> {
  const sweep = await store.sweeps.get(sweepId);
  if (!sweep) return;
  for (const arm of sweep.arms) {
    if (arm.evaluationId) {
      await store.evaluations.delete(arm.evaluationId);
    }
    if (arm.adapterCheckpointId)
      await store.checkpoints.delete(arm.adapterCheckpointId).catch(() => undefined);
  }
  await store.sweeps.delete(sweepId);
}
