// Workshop mode (issue 12 §4): a guided walk through the method, one slide per step, beside the
// numbers of the user's own run. This state reads the workspace through the store's verbs
// (seeds, runs, candidates, adapters, evaluations), computes the slides' figures with
// workshop-numbers.ts, and keeps the walk's position. It never invents a number: a slide whose
// step has produced nothing says what it is missing.
import type { Store } from '../store';
import { describeError, type WorkspaceTotals } from './ports';
import { workshopNumbers, type WorkshopNumbers } from './workshop-numbers';
import { WORKSHOP_SLIDES, type WorkshopSlide, type WorkshopSlideId } from './workshop-slides';

/** The store verbs the workshop reads (src/lib/store satisfies it). */
export type WorkshopStore = Pick<
  Store,
  'runs' | 'candidates' | 'seeds' | 'checkpoints' | 'evaluations' | 'sweeps'
>;

/** Why a slide has no numbers of the user's yet, or null when it has them. */
export function slideMissing(id: WorkshopSlideId, n: WorkshopNumbers): string | null {
  switch (id) {
    case 'overview':
      return null;
    case 'corpus':
      return n.corpus.kept > 0
        ? null
        : 'No corpus yet: import one in the Data step (or try the demo data).';
    case 'seed':
      return n.seed.count > 0 ? null : 'No seed pairs yet: import them in the Data step.';
    case 'backward':
      return n.backward.trained || n.backward.augmentedBy
        ? null
        : `Needs ${slide('backward').needs}. No run has used one yet.`;
    case 'augment':
      return n.augmentation ? null : 'No candidates yet: run the Augment step on a run.';
    case 'curate':
      return n.curation ? null : `No ratings yet: needs ${slide('curate').needs}, then Curate.`;
    case 'stats':
      return n.stats ? null : 'No rated candidates yet: the Curate step gives these rows.';
    case 'iterate':
      return n.raters
        ? null
        : n.curation
          ? `Only iteration ${n.curation.iteration} is rated: needs ${slide('iterate').needs}.`
          : `Needs ${slide('iterate').needs}.`;
    case 'finetune':
      return n.training.models.length || n.training.adapters
        ? null
        : 'No adapter trained yet: needs a base model to fine-tune in the Train step.';
    case 'evaluate':
      return n.evaluations.length || n.sweep
        ? null
        : 'No evaluation yet: the Evaluate step will give these numbers once it has compared two models with a judge.';
  }
}

function slide(id: WorkshopSlideId): WorkshopSlide {
  return WORKSHOP_SLIDES.find((s) => s.id === id)!;
}

export class WorkshopState {
  readonly slides = WORKSHOP_SLIDES;
  index = $state(0);
  numbers = $state<WorkshopNumbers | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);

  current: WorkshopSlide = $derived(this.slides[this.index]);
  /** "3 / 10": where the walk is, for the progress line. */
  progress: string = $derived(`${this.index + 1} / ${this.slides.length}`);

  private loads = 0;

  constructor(
    private readonly store: WorkshopStore,
    private readonly workspaceId: () => string | null,
    private readonly totals: () => WorkspaceTotals | null,
    /** The run the Augment/Curate steps show, if any; else the workspace's newest. */
    private readonly chosenRunId: () => string | null = () => null,
  ) {}

  /** Reads the workspace and recomputes every slide's numbers. */
  async load(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    const seq = ++this.loads;
    this.loading = true;
    try {
      const [seeds, runs, adapters, evaluations, sweeps] = await Promise.all([
        this.store.seeds.list(ws),
        this.store.runs.list(ws),
        this.store.checkpoints.countByKind(ws, 'adapter'),
        this.store.evaluations.list({ workspaceId: ws }),
        this.store.sweeps.list(ws),
      ]);
      const chosen = this.chosenRunId();
      const run =
        runs.find((r) => r.id === chosen) ??
        [...runs].sort((a, b) => b.createdAt - a.createdAt)[0] ??
        null;
      const candidates = run ? await this.store.candidates.listByRun(run.id) : [];
      if (seq !== this.loads) return;
      const t = this.totals();
      this.numbers = workshopNumbers({
        corpus: { documents: t?.documents ?? 0, segments: t?.segments ?? 0, kept: t?.kept ?? 0 },
        seeds,
        run,
        candidates,
        adapters,
        evaluations,
        sweeps,
      });
      this.error = null;
    } catch (err) {
      if (seq === this.loads) this.error = describeError(err);
    } finally {
      if (seq === this.loads) this.loading = false;
    }
  }

  missing(id: WorkshopSlideId): string | null {
    return this.numbers ? slideMissing(id, this.numbers) : null;
  }

  go(index: number): void {
    this.index = Math.min(this.slides.length - 1, Math.max(0, index));
  }
  next(): void {
    this.go(this.index + 1);
  }
  previous(): void {
    this.go(this.index - 1);
  }
  first(): void {
    this.go(0);
  }
  last(): void {
    this.go(this.slides.length - 1);
  }

  /** The walk's keys (arrows, Page Up/Down, Home/End); true when the key is one of them. */
  key(key: string): boolean {
    switch (key) {
      case 'ArrowRight':
      case 'ArrowDown':
      case 'PageDown':
        this.next();
        break;
      case 'ArrowLeft':
      case 'ArrowUp':
      case 'PageUp':
        this.previous();
        break;
      case 'Home':
        this.first();
        break;
      case 'End':
        this.last();
        break;
      default:
        return false;
    }
    return true;
  }
}
