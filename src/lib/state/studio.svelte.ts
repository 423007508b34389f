// The app's state root: one instance per page, built once the store is open. It wires the
// domain states together (workspaces ↔ storage usage and totals ↔ step status) so components
// only read fields and call verbs; dependencies point one way (ui → state → store/protocol).
// There is always a workspace: the first visit (or deleting the last one) makes a default one,
// so nothing asks the user to set something up before they can start.
import type { WorkerLike } from '../protocol';
import type { CorpusState } from './corpus.svelte';
import type { TrainState } from './train.svelte';
import type { ModelsState } from './models.svelte';
import type { PlaygroundState } from './playground.svelte';
import type { RunState } from './run.svelte';
import type { WorkshopState } from './workshop.svelte';
import type { ReviewState } from './review.svelte';
import type { EvaluateState } from './evaluate.svelte';
import type { SweepState } from './sweep.svelte';
import type { ExportState } from './export.svelte';
import { DiagnosticsState } from './diagnostics.svelte';
import { JobsState } from './jobs.svelte';
import type { StudioStore, WorkspaceTotals } from './ports';
import { STEPS, stepStatus, type StepDef, type StepStatus } from './steps';
import { StorageState } from './storage.svelte';
import { WorkspacesState } from './workspaces.svelte';

/** The workspace a first visit starts in; the picker renames it. */
export const DEFAULT_WORKSPACE_NAME = 'My workspace';

export interface StepEntry {
  def: StepDef;
  status: StepStatus;
}

export class Studio {
  readonly workspaces: WorkspacesState;
  readonly storage: StorageState;
  readonly jobs = new JobsState();
  readonly diagnostics: DiagnosticsState;
  /** The Data step's state (set by openStudio; null in tests that do not need it). */
  corpus: CorpusState | null = null;
  /** The Train step's state (set by openStudio). */
  train: TrainState | null = null;
  /** The Models step's catalogue, cache and playground (set by openStudio). */
  models: ModelsState | null = null;
  playground: PlaygroundState | null = null;
  /** The Augment/Curate steps' run state (set by openStudio). */
  run: RunState | null = null;
  /** Workshop mode's walk through the method on this workspace's numbers (set by openStudio). */
  workshop: WorkshopState | null = null;
  /** The Review screen's state (issue 11; set by openStudio). */
  review: ReviewState | null = null;
  /** The Evaluate step's state (set by openStudio). */
  evaluate: EvaluateState | null = null;
  /** The data-scaling sweep on the Evaluate screen (set by openStudio). */
  sweep: SweepState | null = null;
  /** The Export step's state: statistics, export form, downloads (set by openStudio). */
  export: ExportState | null = null;

  /** Totals of the current workspace, or null before they are measured. */
  currentTotals: WorkspaceTotals | null = $derived.by(() => {
    const id = this.workspaces.currentId;
    return id ? (this.storage.totals[id] ?? null) : null;
  });
  steps: StepEntry[] = $derived(
    STEPS.map((def) => ({ def, status: stepStatus(def, this.currentTotals) })),
  );

  constructor(
    private readonly store: StudioStore,
    spawnSelfTest: () => WorkerLike,
  ) {
    this.workspaces = new WorkspacesState(store);
    this.storage = new StorageState(store);
    this.diagnostics = new DiagnosticsState(spawnSelfTest);
  }

  async start(): Promise<void> {
    await Promise.all([this.workspaces.load(), this.storage.load()]);
    await this.ensureWorkspace();
    await this.refreshStorage();
  }

  async createWorkspace(name: string): Promise<boolean> {
    const ws = await this.workspaces.create(name);
    if (ws) await this.refreshStorage();
    return ws !== null;
  }

  async deleteWorkspace(id: string): Promise<boolean> {
    const ok = await this.workspaces.remove(id);
    if (ok) {
      this.storage.forget(id);
      await this.ensureWorkspace();
      await this.refreshStorage();
    }
    return ok;
  }

  /** Makes the default workspace when there is none (first visit, or the last was deleted). */
  private async ensureWorkspace(): Promise<void> {
    if (this.workspaces.loaded && this.workspaces.list.length === 0 && !this.workspaces.error)
      await this.workspaces.create(DEFAULT_WORKSPACE_NAME);
  }

  /** Re-measures usage and totals, and the model cache the Storage view also lists. */
  async refreshStorage(): Promise<void> {
    await Promise.all([
      this.storage.refresh(this.workspaces.list.map((w) => w.id)),
      this.models?.refreshCache(),
    ]);
  }

  dispose(): void {
    this.diagnostics.dispose();
    this.corpus?.dispose();
    this.train?.dispose();
    this.playground?.dispose();
    this.store.close();
  }
}
