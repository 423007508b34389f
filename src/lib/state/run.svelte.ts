// State of the method's run page, Augment and Curate steps (issue 10; paper §2.2–§2.3): the
// workspace's runs, the chosen run's chain M0 → A(1) → M1 → A(2) → M2 with counts, the forms
// (sampling, paper/fast mode, k or fast threshold), the stage in flight with live progress
// (items, items/s, ETA, failures) and pause / cancel / continue. Stages run on the page's
// StageRunner through the role's engine (a worker, or the fake with ?engine=fake); every batch
// is committed to IndexedDB, so after a reload a stage left running or paused is offered to
// continue, with the settings it started with (its lineage entry).
import type { Engine } from '../engines/engine';
import { augmentLineage, augmentStage, type AugmentSettings } from '../pipeline/augment-stage';
import {
  curateLineage,
  curateStage,
  DEFAULT_CURATE_SAMPLING,
  type CurateSettings,
} from '../pipeline/curate-stage';
import type { MethodModel } from '../pipeline/method-model';
import {
  runMethodStage,
  summarizeRun,
  type KeepRule,
  type RunSummary,
} from '../pipeline/method-service';
import type { StageRunProgress } from '../pipeline/stage-runner';
import { seedInstruction } from '../train/data';
import {
  curateStageName,
  type ModelRole,
  type RoleAssignment,
  type RoleAssignments,
  type Run,
  type StageName,
  type StageState,
} from '../domain';
import type { Store } from '../store';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';
import { chainOf, type ChainLink } from './run-chain';
import {
  defaultAugmentForm,
  defaultCurateForm,
  type AugmentForm,
  type CurateForm,
} from './run-forms';
import {
  backwardOptions,
  chosenBackward,
  chosenRater,
  raterOptions,
  ROLE_RATER_ID,
  type RaterOption,
} from './rater-choice';
import { CancelledError } from '../protocol/errors';

/** The store verbs this state uses (src/lib/store satisfies it). */
export type RunStore = Pick<
  Store,
  'runs' | 'stages' | 'candidates' | 'segments' | 'seeds' | 'settings'
>;

/** The settings key remembering the run open in a workspace (a reload reopens it). */
export const openRunKey = (workspaceId: string) => `openRun:${workspaceId}`;

/** A role's model, loaded and ready: what the state's wiring (open.ts) provides. */
export type LoadRoleModel = (
  role: ModelRole,
  assignment: RoleAssignment | undefined,
) => Promise<{ engine: Engine; model: MethodModel }>;

/** The model a stage recorded in its settings (lineage), so a resume uses it again. */
interface ModelRecord {
  id: string;
  label: string;
  /** null: the rater role as assigned when the stage (re)starts. */
  assignment: RoleAssignment | null;
}
type ModelSettings = { model?: ModelRecord };

/** A stage of the run that stopped before its end: offered to continue after a reload. */
export interface UnfinishedStage {
  stage: StageName;
  state: StageState;
}

export class RunState {
  runs = $state<Run[]>([]);
  runId = $state<string | null>(null);
  summary = $state<RunSummary | null>(null);
  augmentForm = $state<AugmentForm>(defaultAugmentForm());
  curateForm = $state<CurateForm>(defaultCurateForm());
  /** The stage in flight and its live progress. */
  active = $state<StageName | null>(null);
  progress = $state<StageRunProgress | null>(null);
  error = $state<string | null>(null);
  unfinished = $state<UnfinishedStage[]>([]);
  private pauseController: AbortController | null = null;
  private loads = 0;
  private cancelJob: (() => void) | null = null;

  run: Run | null = $derived(this.runs.find((r) => r.id === this.runId) ?? null);
  chain: ChainLink[] = $derived(chainOf(this.summary, this.run?.config.lineage));
  /** The rater the user picked on the Curate screen (RaterOption.id); null = the default. */
  raterPick = $state<string | null>(null);
  backwardPick = $state<string | null>(null);

  constructor(
    private readonly store: RunStore,
    private readonly jobs: JobsState,
    private readonly workspaceId: () => string | null,
    private readonly roles: () => RoleAssignments | undefined,
    private readonly loadModel: LoadRoleModel,
    /** True when engines are fakes (?engine=fake): a missing role is then a fake model. */
    readonly fakeEngines: boolean,
    private readonly onChanged?: () => void,
  ) {}

  /** Who can rate: the rater role, and the run's own M_t (rater-choice.ts). */
  get raterOptions(): RaterOption[] {
    return raterOptions(this.run?.config.lineage, this.roles()?.rater, this.fakeEngines);
  }

  /** Who rates iteration t: the pick, else the run's M_{t-1}, else the rater role (§3). */
  get rater(): RaterOption {
    return chosenRater(this.curateForm.iteration, this.raterOptions, this.raterPick);
  }

  /** Who writes instructions: the pick, else the run's M_yx, else the backward role (§2.2). */
  get backward(): RaterOption {
    const options = backwardOptions(
      this.run?.config.lineage,
      this.roles()?.backward,
      this.fakeEngines,
    );
    return chosenBackward(options, this.backwardPick);
  }

  get backwardOptions(): RaterOption[] {
    return backwardOptions(this.run?.config.lineage, this.roles()?.backward, this.fakeEngines);
  }

  /** What a role still needs before its stage can run, or null. */
  missingRole(role: ModelRole): string | null {
    if (this.fakeEngines || this.roles()?.[role]) return null;
    if (role === 'rater' && this.rater.assignment) return null;
    if (
      role === 'backward' &&
      this.augmentForm.way === 'backward-adapter' &&
      this.backward.assignment
    )
      return null;
    const name = role === 'backward' ? 'backward model (M_yx)' : 'rater (M0, M1, ...)';
    return `No ${name} is assigned: assign one in the Models step.`;
  }

  keepRule(): KeepRule {
    const f = this.curateForm;
    return { k: f.k, fast: { by: f.fastBy, atLeast: f.fastAtLeast } };
  }

  /** Lists the workspace's runs and refreshes the chosen one (the newest by default). */
  async load(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    const seq = ++this.loads;
    try {
      const runs = await this.store.runs.list(ws);
      // A later load (or a run created meanwhile) has newer news: this answer is stale.
      if (seq !== this.loads) return;
      // After a reload (or back in this workspace), the run the user last opened here (its
      // own M_yx, M_t are the defaults), not merely the newest one.
      const remembered = await this.store.settings
        .get<string>(openRunKey(ws))
        .catch(() => undefined);
      if (seq !== this.loads) return;
      this.runs = runs;
      if (!this.runs.some((r) => r.id === this.runId))
        this.runId = runs.find((r) => r.id === remembered)?.id ?? this.runs[0]?.id ?? null;
      await this.refresh();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  async select(runId: string): Promise<void> {
    this.runId = runId;
    await this.remember(runId);
    await this.refresh();
  }

  private async remember(runId: string): Promise<void> {
    const ws = this.workspaceId();
    if (ws) await this.store.settings.set(openRunKey(ws), runId).catch(() => undefined);
  }

  async createRun(name: string): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    const [seeds, kept] = await Promise.all([
      this.store.seeds.count(ws),
      this.store.segments.keptCount(ws),
    ]);
    const run = await this.store.runs.create(ws, {
      name: name.trim() || `Run ${this.runs.length + 1}`,
      config: {
        threshold: this.curateForm.k,
        seeds: { count: seeds },
        corpus: { keptSegments: kept, documents: 0, takenAt: Date.now() },
        lineage: [],
      },
    });
    this.runId = run.id;
    await this.remember(run.id);
    await this.load();
    this.onChanged?.();
  }

  /** Counts, chain and unfinished stages of the chosen run, from the store. */
  async refresh(): Promise<void> {
    const id = this.runId;
    if (!id) {
      this.summary = null;
      this.unfinished = [];
      return;
    }
    const [summary, run] = await Promise.all([
      summarizeRun(this.store, id, this.keepRule()),
      this.store.runs.get(id),
    ]);
    if (run) this.runs = this.runs.map((r) => (r.id === id ? run : r));
    this.summary = summary;
    this.unfinished = Object.entries(run?.stages ?? {})
      // Evaluations keep their stages in the run too; the Evaluate step resumes those.
      .filter(
        ([name, s]) =>
          name !== this.active && !name.startsWith('evaluate-') && s && isUnfinished(s),
      )
      .map(([stage, state]) => ({ stage: stage as StageName, state: state! }));
  }

  startAugment(): Promise<void> {
    const f = $state.snapshot(this.augmentForm) as AugmentForm;
    // The paper's way defaults to the run's own M_yx; the instruct way uses the role.
    const chosen = $state.snapshot(this.backward) as RaterOption;
    const backward = f.way === 'backward-adapter' ? chosen : null;
    return this.runStage('augment', async () => {
      const ws = this.workspaceId()!;
      const examples =
        f.way === 'instruct'
          ? (await this.store.seeds.list(ws))
              .slice(0, f.shots)
              .map((s) => ({ instruction: seedInstruction(s), output: s.output }))
          : [];
      const settings: AugmentSettings & { model: ModelRecord } = {
        way: f.way,
        examples,
        sampling: {
          temperature: f.temperature,
          topP: f.topP,
          maxTokens: f.maxTokens,
          seed: f.seed,
        },
        batchSize: f.batchSize,
        ...(f.limit > 0 ? { limit: f.limit } : {}),
        model: {
          id: backward?.id ?? ROLE_RATER_ID,
          label: backward?.label ?? 'the backward role',
          assignment: backward?.assignment ?? null,
        },
      };
      return settings;
    });
  }

  startCurate(): Promise<void> {
    const f = $state.snapshot(this.curateForm) as CurateForm;
    const rater = $state.snapshot(this.rater) as RaterOption;
    return this.runStage(curateStageName(f.iteration, f.mode), async () => {
      const settings: CurateSettings & { model: ModelRecord } = {
        // Who rates, as chosen: a resume after a reload loads this one again.
        model: { id: rater.id, label: rater.label, assignment: rater.assignment ?? null },
        iteration: f.iteration,
        mode: f.mode,
        sampling: {
          ...DEFAULT_CURATE_SAMPLING,
          temperature: f.temperature,
          maxTokens: f.maxTokens,
        },
        batchSize: f.batchSize,
      };
      return settings;
    });
  }

  /** Continues a stage left unfinished, with the settings its lineage recorded. */
  resume(stage: StageName): Promise<void> {
    return this.runStage(stage, async () => {
      const entry = this.run?.config.lineage?.find((l) => l.stage === stage);
      if (!entry?.settings) throw new Error(`No recorded settings for stage ${stage}`);
      return entry.settings as unknown as (AugmentSettings | CurateSettings) & ModelSettings;
    });
  }

  /** Stops after the batch in flight (it commits): the stage is 'paused'. */
  pause(): void {
    this.pauseController?.abort();
  }

  /** Stops now; the batch in flight is dropped, what was committed stays. */
  cancel(): void {
    this.cancelJob?.();
  }

  private async runStage(
    stage: StageName,
    settingsFor: () => Promise<(AugmentSettings | CurateSettings) & ModelSettings>,
  ): Promise<void> {
    const runId = this.runId;
    const ws = this.workspaceId();
    if (!runId || !ws) return this.fail('Create or pick a run first.');
    if (this.active) return this.fail(`Stage ${this.active} is running; pause it first.`);
    const role: ModelRole = stage === 'augment' ? 'backward' : 'rater';
    const missing = this.missingRole(role);
    if (missing) return this.fail(missing);
    this.error = null;
    this.active = stage;
    this.progress = null;
    const pause = new AbortController();
    this.pauseController = pause;
    const label = `${stage === 'augment' ? 'Augment' : 'Curate'} · ${this.run?.name ?? runId}`;
    const { job, result } = this.jobs.start(label, async (ctx) => {
      const settings = await settingsFor();
      // A stage runs on the model it recorded (the run's M_yx / M_t, or the role as assigned).
      const chosen = settings.model?.assignment;
      const { engine, model } = await this.loadModel(role, chosen ?? this.roles()?.[role]);
      const onProgress = (p: StageRunProgress) => {
        this.progress = p;
        ctx.onProgress(p);
      };
      const opts = { signal: ctx.signal, pause: pause.signal, onProgress };
      let outcome;
      if (stage === 'augment') {
        const s = settings as AugmentSettings;
        const def = augmentStage(this.store, { workspaceId: ws, runId }, model, s);
        outcome = await runMethodStage(
          this.store,
          engine,
          runId,
          def,
          augmentLineage(model, s),
          opts,
        );
      } else {
        const s = settings as CurateSettings;
        const def = curateStage(this.store, runId, model, s);
        outcome = await runMethodStage(
          this.store,
          engine,
          runId,
          def,
          curateLineage(model, s),
          opts,
        );
      }
      // The jobs area shows a cancelled stage as cancelled, not done.
      if (outcome.status === 'cancelled') throw new CancelledError();
      return outcome;
    });
    this.cancelJob = () => job.cancel();
    try {
      await result;
    } catch (err) {
      if (!job.signal.aborted) this.error = describeError(err);
    } finally {
      this.active = null;
      this.pauseController = null;
      this.cancelJob = null;
      await this.refresh().catch(() => undefined);
      this.onChanged?.();
    }
  }

  private async fail(message: string): Promise<void> {
    this.error = message;
  }
}

function isUnfinished(s: StageState): boolean {
  return (
    s.status === 'running' ||
    s.status === 'paused' ||
    // A failed stage (engine crash, storage full) continues after its last committed batch.
    s.status === 'failed' ||
    (s.status === 'cancelled' && (s.total === null || s.done < s.total))
  );
}

export type { RunSummary, KeepRule };
export { chainOf, type ChainLink } from './run-chain';
export { TRUNCATION_RULE } from '../pipeline/augment-stage';
export * from './run-forms';
export type { RaterOption } from './rater-choice';
