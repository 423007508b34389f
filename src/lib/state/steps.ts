// The steps of the method as the app presents them, in order (method.md §1, paper §2):
// data → models (backward model M_yx, §2.2) → augment (§2.2) → curate (§2.3) → train
// (M0/M1/M2, §3.1) → evaluate (§3) → export. Status comes from the current workspace's totals
// (ports.ts WorkspaceTotals, the same numbers the Corpus panel and Storage view show); `built`
// says whether the step's screen exists yet (honesty rule: a step that is not built says so
// instead of pretending).
import { emptyTotals, type WorkspaceTotals } from './ports';

export type StepId = 'data' | 'models' | 'augment' | 'curate' | 'train' | 'evaluate' | 'export';

export type StepState = 'not-built' | 'blocked' | 'ready' | 'done';

export interface StepStatus {
  state: StepState;
  /** What the store holds for this step, in words. */
  detail: string;
  /** What the step still needs before it can run, when blocked. */
  missing: string | null;
}

export interface StepDef {
  id: StepId;
  title: string;
  /** Where the step comes from in the paper. */
  source: string;
  does: string;
  needs: string;
  built: boolean;
  /** True when its inputs exist. */
  inputsReady(r: WorkspaceTotals): boolean;
  /** True when its outputs exist. */
  hasOutput(r: WorkspaceTotals): boolean;
  describe(r: WorkspaceTotals): string;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export const STEPS: readonly StepDef[] = [
  {
    id: 'data',
    title: 'Data',
    source: 'Li et al. 2023 §2.1: unlabelled segments + seed pairs',
    does: 'Import your unlabelled corpus (split into segments) and a small set of seed instruction/response pairs.',
    needs: 'needs files to import: your corpus and seed pairs',
    built: true,
    inputsReady: () => true,
    hasOutput: (r) => r.kept > 0 && r.seeds > 0,
    describe: (r) =>
      [
        r.documents
          ? `${plural(r.documents, 'document')}, ${r.kept} kept of ${plural(r.segments, 'segment')}`
          : 'no corpus yet',
        r.seeds ? plural(r.seeds, 'seed pair') : 'no seed pairs yet',
      ].join(', '),
  },
  {
    id: 'models',
    title: 'Models',
    source: 'Li et al. 2023 §2.2–2.3: backward model M_yx = p(x|y), rater M0/M1; §3 judge',
    does: 'See which models fit this device, download them, try them with and without your adapters, and assign the backward, rater and judge roles.',
    needs: 'needs nothing: models can be picked at any time',
    built: true,
    inputsReady: () => true,
    // Done once a role is assigned (the workspace records roles; Augment and Curate read them).
    hasOutput: (r) => r.roles > 0,
    describe: (r) => `${r.roles} of 3 roles assigned (backward, rater, judge)`,
  },
  {
    id: 'augment',
    title: 'Augment',
    source: 'Li et al. 2023 §2.2: self-augmentation',
    does: 'The backward model writes a candidate instruction for every kept segment.',
    needs: 'needs a corpus with kept segments and a backward model',
    built: true,
    inputsReady: (r) => r.kept > 0 && r.adapters > 0,
    hasOutput: (r) => r.candidates > 0,
    describe: (r) => plural(r.candidates, 'candidate pair'),
  },
  {
    id: 'curate',
    title: 'Curate',
    source: 'Li et al. 2023 §2.3: self-curation, rating 1–5, keep ≥ k',
    does: 'A forward model rates each candidate 1–5; you browse, filter and override the ratings.',
    needs: 'needs candidate pairs from Augment and a forward model (M0, trained on seeds)',
    built: true,
    inputsReady: (r) => r.candidates > 0,
    hasOutput: (r) => r.candidates > 0 && r.runs > 0,
    describe: (r) => `${plural(r.candidates, 'candidate')} in ${plural(r.runs, 'run')}`,
  },
  {
    id: 'train',
    title: 'Train',
    source: 'Li et al. 2023 §2.3, §3.1: M0 → M1 → M2, LoRA on WebGPU',
    does: 'Fine-tune LoRA adapters: the backward model M_yx and M0 on the seed pairs; M1/M2 on seed + curated pairs (curated pairs need the Augment and Curate steps, not built yet).',
    needs: 'needs seed pairs, and curated pairs for M1/M2',
    built: true,
    inputsReady: (r) => r.seeds > 0,
    // Done when a LoRA adapter exists (the trainer saves kind 'adapter' checkpoints), not when
    // runs exist: runs belong to augment/curate.
    hasOutput: (r) => r.adapters > 0,
    describe: (r) => plural(r.adapters, 'trained adapter'),
  },
  {
    id: 'evaluate',
    title: 'Evaluate',
    source: 'Li et al. 2023 §3: held-out prompts, pairwise judge, win rate ± s.e.',
    does: 'Compare two models (base or with your adapters) on a prompt set: a judge model compares their answers in both orders; win rate with ties as half, per category, answer lengths and a length-controlled rate.',
    needs: 'needs nothing to try it; a trained adapter to compare with its base model',
    built: true,
    inputsReady: () => true,
    hasOutput: (r) => r.evaluations > 0,
    describe: (r) => plural(r.evaluations, 'evaluation'),
  },
  {
    id: 'export',
    title: 'Export',
    source: 'app step, not in the paper: data leaves the browser only when you download it',
    does: "See your run's statistics beside the paper's (v1 Table 2), then download the curated pairs as JSONL (Alpaca, OpenAI, ShareGPT) or Parquet, with a dataset card and a run report.",
    needs: 'needs candidate pairs from Augment (curated by Curate to select by score)',
    built: true,
    inputsReady: (r) => r.candidates > 0,
    // Nothing is recorded when a file leaves the browser, so the step never claims to be done.
    hasOutput: () => false,
    describe: (r) =>
      `${plural(r.candidates, 'candidate pair')} in ${plural(r.runs, 'run')}, ${plural(r.seeds, 'seed pair')}`,
  },
];

export function stepStatus(step: StepDef, totals: WorkspaceTotals | null): StepStatus {
  const r = totals ?? emptyTotals();
  const detail = step.describe(r);
  const missing = step.inputsReady(r) ? null : step.needs;
  if (!step.built) return { state: 'not-built', detail, missing };
  if (step.hasOutput(r)) return { state: 'done', detail, missing: null };
  return { state: missing ? 'blocked' : 'ready', detail, missing };
}
