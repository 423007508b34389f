// State of the Evaluate step (issue 12 items 1-2; paper §3): prompt sets (the embedded starter
// set and imported files), the form (model A, model B and the judge as role models with or
// without a workspace adapter, S_a on/off, budgets), the pairwise stage in flight with live
// progress / ETA / cancel, and the workspace's evaluations with their summary and per-prompt
// answers for the side-by-side viewer. An evaluation belongs to the run picked on the Augment /
// Curate screens (or to a run named "Evaluations" made on first use); its stage resumes after a
// reload with the setup it froze at start. The data-scaling sweep (issue 12 item 3,
// sweep.svelte.ts) creates one evaluation per adapter through the pipeline and loads its
// models with `load1` below.
import type {
  EvalAnswer,
  Evaluation,
  EvalModelChoice,
  ModelRole,
  PairwiseResult,
  PairwiseSetup,
  PromptSet,
  RoleAssignment,
  RoleAssignments,
  StageState,
} from '../domain';
import { parsePromptSet, STARTER_PROMPT_SET_NAME, STARTER_PROMPTS } from '../method';
import {
  createPairwiseEvaluation,
  refreshEvaluation,
  runPairwiseEvaluation,
} from '../pipeline/evaluate-service';
import { DEFAULT_PAIRWISE_SAMPLING, type LoadedModel } from '../pipeline/evaluate-stage';
import type { StageRunProgress } from '../pipeline/stage-runner';
import { CancelledError } from '../protocol/errors';
import type { Store } from '../store';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';
import type { LoadRoleModel } from './run.svelte';

export type EvaluateStore = Pick<
  Store,
  'evaluations' | 'evalAnswers' | 'runs' | 'stages' | 'promptSets' | 'checkpoints'
>;

/** The embedded set's id in the form (it is not stored: its prompts are copied at start). */
export const STARTER_SET_ID = 'starter';

export interface EvaluateForm {
  promptSetId: string;
  /** Use only the first `limit` prompts (0 = all): a quick look before the full set. */
  limit: number;
  aRole: ModelRole;
  aAdapter: string;
  bRole: ModelRole;
  bAdapter: string;
  judgeRole: ModelRole;
  tagging: PairwiseSetup['tagging'];
  temperature: number;
  maxTokens: number;
  judgeMaxTokens: number;
  batchSize: number;
}

export const defaultEvaluateForm = (): EvaluateForm => ({
  promptSetId: STARTER_SET_ID,
  limit: 0,
  aRole: 'rater',
  aAdapter: '',
  bRole: 'rater',
  bAdapter: '',
  judgeRole: 'judge',
  tagging: 'seed',
  temperature: DEFAULT_PAIRWISE_SAMPLING.temperature,
  maxTokens: DEFAULT_PAIRWISE_SAMPLING.maxTokens,
  judgeMaxTokens: DEFAULT_PAIRWISE_SAMPLING.judgeMaxTokens,
  batchSize: DEFAULT_PAIRWISE_SAMPLING.batchSize,
});

export interface EvaluationRow {
  evaluation: Evaluation;
  state: StageState | null;
  /** Stopped before its end (paused, cancelled, failed, or left running by a reload). */
  unfinished: boolean;
}

export class EvaluateState {
  form = $state<EvaluateForm>(defaultEvaluateForm());
  promptSets = $state<PromptSet[]>([]);
  adapters = $state<{ id: string; name: string }[]>([]);
  rows = $state<EvaluationRow[]>([]);
  selectedId = $state<string | null>(null);
  answers = $state<EvalAnswer[]>([]);
  active = $state<string | null>(null);
  progress = $state<StageRunProgress | null>(null);
  error = $state<string | null>(null);
  importMessage = $state<string | null>(null);
  private cancelJob: (() => void) | null = null;

  selected: EvaluationRow | null = $derived(
    this.rows.find((r) => r.evaluation.id === this.selectedId) ?? null,
  );
  result: PairwiseResult | null = $derived(
    this.selected?.evaluation.results.kind === 'pairwise' ? this.selected.evaluation.results : null,
  );

  constructor(
    private readonly store: EvaluateStore,
    private readonly jobs: JobsState,
    private readonly workspaceId: () => string | null,
    private readonly roles: () => RoleAssignments | undefined,
    private readonly runId: () => string | null,
    private readonly loadModel: LoadRoleModel,
    readonly fakeEngines: boolean,
    private readonly onChanged?: () => void,
  ) {}

  /** The prompt sets the form offers: the embedded one first. */
  get setChoices(): { id: string; name: string; count: number }[] {
    return [
      { id: STARTER_SET_ID, name: STARTER_PROMPT_SET_NAME, count: STARTER_PROMPTS.length },
      ...this.promptSets.map((s) => ({ id: s.id, name: s.name, count: s.prompts.length })),
    ];
  }

  /** What a role still needs before it can take part, or null. */
  missingRole(role: ModelRole): string | null {
    if (this.fakeEngines || this.roles()?.[role]) return null;
    return `No model is assigned to the ${role} role: assign one in the Models step.`;
  }

  async load(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    try {
      const [sets, checkpoints, evaluations] = await Promise.all([
        this.store.promptSets.list(ws),
        this.store.checkpoints.list({ workspaceId: ws }),
        this.store.evaluations.list({ workspaceId: ws }),
      ]);
      this.promptSets = sets;
      this.adapters = checkpoints
        .filter((c) => c.kind === 'adapter')
        .map((c) => ({ id: c.id, name: c.name }));
      const pairwise = evaluations.filter((e) => e.results.kind === 'pairwise' && e.setup);
      this.rows = await Promise.all(pairwise.reverse().map((e) => this.rowOf(e)));
      if (!this.rows.some((r) => r.evaluation.id === this.selectedId))
        this.selectedId = this.rows[0]?.evaluation.id ?? null;
      await this.loadAnswers();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  async select(id: string): Promise<void> {
    this.selectedId = id;
    await this.loadAnswers();
  }

  /** Imports a prompt-set file (JSONL, JSON or TXT); errors name the file and line. */
  async importFile(file: File): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    this.importMessage = null;
    try {
      const prompts = parsePromptSet(file.name, await file.text());
      const set = await this.store.promptSets.add({
        workspaceId: ws,
        name: file.name.replace(/\.[^.]+$/, ''),
        source: file.name,
        prompts,
      });
      this.promptSets = [...this.promptSets, set];
      this.form.promptSetId = set.id;
      this.importMessage = `Imported ${prompts.length} prompts from ${file.name}.`;
    } catch (err) {
      this.importMessage = describeError(err);
    }
  }

  /** Starts a new evaluation with the form's settings. */
  async start(): Promise<void> {
    const f = $state.snapshot(this.form) as EvaluateForm;
    const set =
      f.promptSetId === STARTER_SET_ID
        ? { id: STARTER_SET_ID, name: STARTER_PROMPT_SET_NAME, prompts: [...STARTER_PROMPTS] }
        : this.promptSets.find((s) => s.id === f.promptSetId);
    if (!set) return this.fail('Pick a prompt set.');
    const prompts = (f.limit > 0 ? set.prompts.slice(0, f.limit) : set.prompts).map((p) => ({
      ...p,
    }));
    const choice = (role: ModelRole, adapter: string): EvalModelChoice => ({
      role,
      ...(adapter ? { adapterCheckpointId: adapter } : {}),
    });
    const setup: PairwiseSetup = {
      promptSetId: set.id,
      promptSetName: set.name,
      prompts,
      modelA: choice(f.aRole, f.aAdapter),
      modelB: choice(f.bRole, f.bAdapter),
      judge: choice(f.judgeRole, ''),
      tagging: f.tagging,
      temperature: f.temperature,
      topP: DEFAULT_PAIRWISE_SAMPLING.topP,
      maxTokens: f.maxTokens,
      judgeMaxTokens: f.judgeMaxTokens,
      seed: DEFAULT_PAIRWISE_SAMPLING.seed,
      batchSize: f.batchSize,
    };
    return this.startWith(setup);
  }

  /** Continues an evaluation left unfinished, with the setup it froze at start. */
  resume(id: string): Promise<void> {
    const row = this.rows.find((r) => r.evaluation.id === id);
    if (!row) return this.fail('No such evaluation.');
    return this.execute(row.evaluation.setup!, row.evaluation);
  }

  /** Stops now; the batch in flight is dropped, what was committed stays. */
  cancel(): void {
    this.cancelJob?.();
  }

  /**
   * Removes an evaluation with its answers and verdicts (what only it owns). A sweep arm that
   * used it keeps the win rate it recorded.
   */
  async remove(id: string): Promise<void> {
    if (this.active === id) return this.fail('Cancel the evaluation before deleting it.');
    try {
      await this.store.evaluations.delete(id);
      if (this.selectedId === id) this.selectedId = null;
      await this.load();
      this.onChanged?.();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  /** Runs a setup as a new evaluation (the seam for the data-scaling sweep, item 3). */
  startWith(setup: PairwiseSetup): Promise<void> {
    return this.execute(setup, null);
  }

  private async execute(setup: PairwiseSetup, existing: Evaluation | null): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    if (this.active) return this.fail('An evaluation is running; cancel it first.');
    for (const role of [setup.modelA.role, setup.modelB.role, setup.judge.role]) {
      const missing = this.missingRole(role);
      if (missing) return this.fail(missing);
    }
    this.error = null;
    this.progress = null;
    this.active = existing?.id ?? 'new';
    const { job, result } = this.jobs.start(`Evaluate · ${setup.promptSetName}`, async (ctx) => {
      const [a, b, judge] = await Promise.all(
        [setup.modelA, setup.modelB, setup.judge].map((c) => this.load1(c)),
      );
      let evaluation = existing;
      if (!evaluation) {
        const labelled: PairwiseSetup = {
          ...setup,
          modelA: { ...setup.modelA, label: a.model.label },
          modelB: { ...setup.modelB, label: b.model.label },
          judge: { ...setup.judge, label: judge.model.label },
        };
        evaluation = await createPairwiseEvaluation(
          this.store,
          { workspaceId: ws, runId: await this.evaluationRun(ws) },
          labelled,
        );
        this.active = evaluation.id;
        this.selectedId = evaluation.id;
        await this.load();
      }
      const onProgress = (p: StageRunProgress) => {
        this.progress = p;
        ctx.onProgress(p);
        void this.loadAnswers();
      };
      const { outcome } = await runPairwiseEvaluation(
        this.store,
        evaluation,
        { a, b, judge },
        { signal: ctx.signal, onProgress },
      );
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
      this.cancelJob = null;
      await this.load();
      this.onChanged?.();
    }
  }

  /** A compared model loaded through its role, with the chosen adapter instead of the role's. */
  async load1(choice: EvalModelChoice): Promise<LoadedModel> {
    const assigned = this.roles()?.[choice.role];
    const assignment = {
      ...assigned,
      adapterCheckpointId: choice.adapterCheckpointId,
    } as RoleAssignment;
    if (!choice.adapterCheckpointId) delete assignment.adapterCheckpointId;
    const loaded = await this.loadModel(
      choice.role,
      assigned || choice.adapterCheckpointId ? assignment : undefined,
    );
    const name = this.adapters.find((x) => x.id === choice.adapterCheckpointId)?.name;
    const base = loaded.model.lineage.model?.id ?? choice.role;
    return {
      ...loaded,
      model: { ...loaded.model, label: name ? `${base} + ${name}` : loaded.model.label },
    };
  }

  /** The run evaluations go to: the one picked on the run panel, else "Evaluations". */
  private async evaluationRun(ws: string): Promise<string> {
    const picked = this.runId();
    if (picked) return picked;
    const runs = await this.store.runs.list(ws);
    const found = runs.find((r) => r.name === 'Evaluations');
    if (found) return found.id;
    return (await this.store.runs.create(ws, { name: 'Evaluations', config: { lineage: [] } })).id;
  }

  private async rowOf(evaluation: Evaluation): Promise<EvaluationRow> {
    const run = evaluation.runId ? await this.store.runs.get(evaluation.runId) : undefined;
    const state = (evaluation.stage && run?.stages[evaluation.stage]) || null;
    // No state at all: created, then a reload before its stage started. It is resumable too.
    const unfinished =
      evaluation.id !== this.active &&
      (state === null ||
        (state.status !== 'done' && (state.total === null || state.done < state.total)));
    return { evaluation, state, unfinished };
  }

  private async loadAnswers(): Promise<void> {
    const row = this.selected;
    if (!row) {
      this.answers = [];
      return;
    }
    this.answers = await this.store.evalAnswers.list(row.evaluation.id);
    // A stage stopped between its last commit and the summary (a reload): summarise now.
    const stored = row.evaluation.results as PairwiseResult;
    const judged = this.answers.filter((x) => x.score !== null).length;
    if (judged !== stored.n || this.answers.length !== judged + (stored.unjudged ?? 0)) {
      const fresh = await refreshEvaluation(this.store, row.evaluation);
      this.rows = this.rows.map((r) =>
        r.evaluation.id === fresh.id ? { ...r, evaluation: fresh } : r,
      );
    }
  }

  private async fail(message: string): Promise<void> {
    this.error = message;
  }
}
