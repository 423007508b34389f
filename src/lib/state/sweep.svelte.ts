// State of the data-scaling sweep in miniature (issue 12 item 3; paper §3.3, method.md §8.2-8.3)
// on the Evaluate screen: the form (sizes N, ablations, the fixed reference, judge, prompts and
// small training settings), the sweep in flight as one tracked job (progress per arm, cancel),
// and the workspace's sweeps with their curve, fitted alpha and ablation rows. Training runs in
// the Train step's worker on the Train form's base model; evaluation goes through the pipeline's
// evaluate stage with the models the Evaluate step loads. A sweep resumes after a reload at its
// first arm not done (pipeline/sweep-service.ts).
import type { ModelRole, RoleAssignments } from '../domain';
import { STARTER_PROMPT_SET_NAME, STARTER_PROMPTS } from '../method';
import { PAPER_ALPHAS } from '../method/scaling';
import {
  countPairPools,
  DEFAULT_SWEEP_NS,
  parseSizes,
  planSweepArms,
  sweepCurve,
  type SweepCurve,
} from '../pipeline/sweep-plan';
import {
  deleteSweep,
  runSweep,
  type SweepProgress,
  type SweepStore,
  type TrainSweep,
} from '../pipeline/sweep-service';
import { CancelledError } from '../protocol/errors';
import type { Store } from '../store';
import type { EvaluateState } from './evaluate.svelte';
import { STARTER_SET_ID } from './evaluate.svelte';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';
import { curationFromForm } from './train-form';
import { optionsFromForm, type TrainState } from './train.svelte';

export type { SweepCurve };
/** The paper's alphas (v1 Table 3), shown beside a sweep's own. */
export { PAPER_ALPHAS };

export type SweepStateStore = SweepStore & Pick<Store, 'candidates' | 'promptSets'>;

export interface SweepForm {
  /** The run whose A_k is sampled ('' = the run picked on the Augment / Curate screens). */
  runId: string;
  sizes: string;
  curation: boolean;
  tagging: boolean;
  /** The role whose base the adapters apply to: it must hold the Train form's base model. */
  candidateRole: ModelRole;
  referenceRole: ModelRole;
  /** An adapter on the reference (e.g. M0), or '' for the base model. */
  referenceAdapter: string;
  judgeRole: ModelRole;
  promptSetId: string;
  /** First prompts only (0 = all). */
  limit: number;
  /** Training steps per arm (the paper keeps steps fixed per N; here one small budget). */
  steps: number;
  sampleSeed: number;
}

export const defaultSweepForm = (): SweepForm => ({
  runId: '',
  sizes: DEFAULT_SWEEP_NS.join(', '),
  curation: true,
  tagging: true,
  candidateRole: 'rater',
  referenceRole: 'rater',
  referenceAdapter: '',
  judgeRole: 'judge',
  promptSetId: STARTER_SET_ID,
  limit: 16,
  steps: 30,
  sampleSeed: 1,
});

export class SweepState {
  form = $state<SweepForm>(defaultSweepForm());
  sweeps = $state<TrainSweep[]>([]);
  selectedId = $state<string | null>(null);
  active = $state<string | null>(null);
  progress = $state<SweepProgress | null>(null);
  error = $state<string | null>(null);
  notes = $state<string[]>([]);
  private cancelJob: (() => void) | null = null;

  selected: TrainSweep | null = $derived(
    this.sweeps.find((s) => s.id === this.selectedId) ?? this.sweeps[0] ?? null,
  );
  curve: SweepCurve | null = $derived(this.selected ? sweepCurve(this.selected.arms) : null);

  constructor(
    private readonly store: SweepStateStore,
    private readonly jobs: JobsState,
    private readonly workspaceId: () => string | null,
    private readonly roles: () => RoleAssignments | undefined,
    private readonly pickedRun: () => string | null,
    /** The workspace's runs, for the form's run choice. */
    readonly runs: () => { id: string; name: string }[],
    private readonly train: () => TrainState | null,
    private readonly evaluate: () => EvaluateState | null,
    private readonly onChanged?: () => void,
  ) {}

  /** A sweep stopped before its end (cancelled, failed, or left by a reload). */
  unfinished(sweep: TrainSweep): boolean {
    return sweep.id !== this.active && sweep.arms.some((a) => a.status !== 'done');
  }

  async load(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    try {
      this.sweeps = ((await this.store.sweeps.list(ws)) as TrainSweep[]).reverse();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  select(id: string): void {
    this.selectedId = id;
  }

  /** Plans a sweep from the form on the picked run and runs it. */
  async start(): Promise<void> {
    const ws = this.workspaceId();
    const runId = this.form.runId || this.pickedRun();
    const train = this.train();
    const evaluate = this.evaluate();
    if (!ws || !train || !evaluate) return this.fail('Create or pick a workspace first.');
    if (!runId) return this.fail('Pick the run whose curated pairs to sample.');
    const f = $state.snapshot(this.form) as SweepForm;
    const ns = parseSizes(f.sizes);
    if (!ns)
      return this.fail(`Sizes N: "${f.sizes}" is not a list of whole numbers like 8, 16, 32.`);
    const model = train.modelChoice();
    if (typeof model === 'string') return this.fail(`Train step: ${model}`);
    for (const role of [f.candidateRole, f.referenceRole, f.judgeRole]) {
      const missing = evaluate.missingRole(role);
      if (missing) return this.fail(missing);
    }
    const set =
      f.promptSetId === STARTER_SET_ID
        ? { id: STARTER_SET_ID, name: STARTER_PROMPT_SET_NAME, prompts: [...STARTER_PROMPTS] }
        : evaluate.promptSets.find((s) => s.id === f.promptSetId);
    if (!set) return this.fail('Pick a prompt set.');
    const tf = $state.snapshot(train.form) as TrainState['form'];
    const curation = { ...curationFromForm(tf), k: tf.k };
    const pools = await countPairPools(this.store, runId, curation);
    const plan = planSweepArms({ ns, curation: f.curation, tagging: f.tagging }, pools);
    if (!plan.ok) return this.fail(plan.message);
    this.notes = plan.notes;
    const options = { ...optionsFromForm(tf), maxSteps: f.steps };
    // One checkpoint per arm: the adapter at its last step (deleting the sweep removes it).
    options.checkpointEvery = f.steps;
    const sweep = (await this.store.sweeps.add({
      workspaceId: ws,
      runId,
      name: `N = ${plan.arms
        .filter((a) => a.kind === 'curated')
        .map((a) => a.n)
        .join(', ')}`,
      plan: {
        runId,
        ns: plan.arms.filter((a) => a.kind === 'curated').map((a) => a.n),
        sampleSeed: f.sampleSeed,
        candidateRole: f.candidateRole,
        baseLabel: model.id,
        baseSource: model.source,
        reference: {
          role: f.referenceRole,
          ...(f.referenceAdapter ? { adapterCheckpointId: f.referenceAdapter } : {}),
        },
        judge: { role: f.judgeRole },
        promptSetId: set.id,
        promptSetName: set.name,
        prompts: (f.limit > 0 ? set.prompts.slice(0, f.limit) : set.prompts).map((p) => ({ ...p })),
        tagging: 'both',
        evaluation: {
          temperature: evaluate.form.temperature,
          topP: 0.9,
          maxTokens: evaluate.form.maxTokens,
          judgeMaxTokens: evaluate.form.judgeMaxTokens,
          seed: 1,
          batchSize: evaluate.form.batchSize,
        },
        train: {
          k: tf.k,
          curation: curationFromForm(tf),
          maxLength: tf.maxLength,
          evalFraction: 0.05,
          device: tf.device,
          options,
        },
      },
      arms: plan.arms,
    })) as TrainSweep;
    this.selectedId = sweep.id;
    await this.load();
    return this.execute(sweep);
  }

  resume(id: string): Promise<void> {
    const sweep = this.sweeps.find((s) => s.id === id);
    if (!sweep) return this.fail('No such sweep.');
    return this.execute(sweep);
  }

  cancel(): void {
    this.cancelJob?.();
  }

  /** Removes a sweep with its evaluations and adapters. */
  async remove(id: string): Promise<void> {
    if (this.active === id) return this.fail('Cancel the sweep before deleting it.');
    try {
      await deleteSweep(this.store, id);
      if (this.selectedId === id) this.selectedId = null;
      await this.load();
      this.onChanged?.();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  private async execute(sweep: TrainSweep): Promise<void> {
    const train = this.train();
    const evaluate = this.evaluate();
    if (!train || !evaluate) return;
    if (this.active) return this.fail('A sweep is running; cancel it first.');
    this.error = null;
    this.progress = null;
    this.active = sweep.id;
    const { job, result } = this.jobs.start(`Sweep · ${sweep.name}`, async (ctx) => {
      await runSweep(
        this.store,
        sweep.id,
        {
          train: (req, opts) =>
            train.trainArm(req, { source: sweep.plan.baseSource, id: sweep.plan.baseLabel }, opts),
          loadModel: (choice) => evaluate.load1(choice),
        },
        {
          signal: ctx.signal,
          onProgress: (p) => {
            this.progress = p;
            ctx.onProgress({
              job: `sweep:${sweep.id}`,
              kind: 'stage',
              phase: 'run',
              unit: 'items',
              stage: 'sweep',
              done: p.done,
              total: p.total,
              ...(p.arm ? { detail: `${p.arm}: ${p.phase}` } : {}),
            });
            if (Number.isInteger(p.done)) void this.load();
          },
        },
      );
    });
    this.cancelJob = () => job.cancel();
    try {
      await result;
    } catch (err) {
      if (!job.signal.aborted && !(err instanceof CancelledError)) this.error = describeError(err);
    } finally {
      this.cancelJob = null;
      await this.load();
      this.active = null;
      await evaluate.load();
      this.onChanged?.();
    }
  }

  /** The role assignment the adapters are applied to (shown next to the base they train on). */
  candidateModel(): string | null {
    return this.roles()?.[this.form.candidateRole]?.modelId ?? null;
  }

  private async fail(message: string): Promise<void> {
    this.error = message;
  }
}
