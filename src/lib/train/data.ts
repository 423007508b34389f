// Training examples from the store for the three models of the method (method.md §1):
//   'backward'     M_yx = p(x|y): seed pairs reversed — the OUTPUT is the prompt (wrapped in the
//                  backtranslation prompt, method.md §3) and the INSTRUCTION is the target;
//   'seed'         M0: seed pairs, tagged S_a (method.md §5);
//   'seed+curated' M1/M2: seed tagged S_a + curated candidates (score ≥ k) tagged S_w, whose
//                  output is their segment's text (method.md §1 steps 4–5).
// Each pair is rendered with the model's chat template and tokenized with the loss span on the
// assistant tokens only (method.md §6), truncated to a maximum length, split into train and a
// deterministic held-out eval set, and planned into length-bucketed micro-batches so every
// static-shape train graph (one per bucket) compiles once.
import type { ChatMessage } from '../engines/engine';
import { tokenizeTraining, type ChatTemplate } from '../engines/hf/chat-template';
import type { HfTokenizer } from '../engines/hf/tokenizer';
import { mulberry32 } from '../engines/generation/rng';
import { backtranslationPrompt } from '../method/prompts';
import { effectivePair, isCurated, type CurationRule } from '../method/selection';
import { taggedMessages, tagFor, type ExampleOrigin } from '../method/tagging';
import { InputError } from '../protocol/errors';
import type { Candidate, SegmentRecord, SeedPair } from '../domain';
import type { TrainBatch } from './artifacts';
import { mixSeed } from './lora-init';

export type TrainMode = 'seed' | 'seed+curated' | 'backward';

export const TRAIN_MODES: readonly TrainMode[] = ['backward', 'seed', 'seed+curated'];

/** One (instruction, output) pair before rendering. */
export interface SourcePair {
  id: string;
  instruction: string;
  output: string;
  origin: ExampleOrigin;
}

/** The part of the store this module reads (src/lib/store/index.ts satisfies it). */
export interface TrainingSourceStore {
  seeds: { list(workspaceId: string): Promise<SeedPair[]> };
  candidates: { listByRun(runId: string): Promise<Candidate[]> };
  segments: { getMany(ids: string[]): Promise<SegmentRecord[]> };
}

export interface SourceQuery {
  workspaceId: string;
  mode: TrainMode;
  /** The augmentation run whose candidates are curated ('seed+curated' only). */
  runId?: string;
  /** Selection threshold (method.md §4: k = 5 in the main setting). */
  k?: number;
  /** Which ratings select A_k^(t): iteration (default 1), mode (default paper), fast rule. */
  curation?: Partial<Omit<CurationRule, 'k'>>;
  /** Only N of the augmented pairs, drawn by a seeded shuffle (the data-scaling sweep, §3.3). */
  sample?: PairSample;
  /** Train without the S_a / S_w sentences (the tagging ablation, v1 Table 8). */
  untagged?: boolean;
}

/**
 * N augmented pairs for one arm of the data-scaling sweep (method.md §8.2-8.3): from A_k
 * ('curated') or from every usable candidate of the run whatever its rating ('all', the
 * curation ablation). The pool is ordered by id and shuffled with `seed`, and the first N are
 * taken, so the same seed gives the same pairs on every resume, and a smaller N is a prefix of
 * a larger one (each step of the curve adds data, it does not redraw it).
 */
export interface PairSample {
  n: number;
  from: 'curated' | 'all';
  seed: number;
}

/** The first `n` of `pool` in a seeded shuffle of its id order. */
export function samplePairs<T extends { id: string }>(
  pool: readonly T[],
  n: number,
  seed: number,
): T[] {
  const byId = [...pool].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return seededShuffle(byId, mixSeed(seed, 0x5a3b)).slice(0, n);
}

/** Alpaca-style seeds keep their input/context after the instruction. */
export function seedInstruction(seed: SeedPair): string {
  return seed.input?.trim() ? `${seed.instruction}\n\n${seed.input}` : seed.instruction;
}

/** Reads the pairs a mode trains on. */
export async function loadPairs(store: TrainingSourceStore, q: SourceQuery): Promise<SourcePair[]> {
  const seeds = (await store.seeds.list(q.workspaceId)).map((s): SourcePair => ({
    id: s.id,
    instruction: seedInstruction(s),
    output: s.output,
    origin: 'seed',
  }));
  if (q.mode !== 'seed+curated') return seeds;
  if (!q.runId)
    throw new InputError('seed+curated training needs a run with curated candidates', {
      field: 'runId',
    });
  const rule: CurationRule = {
    iteration: q.curation?.iteration ?? 1,
    mode: q.curation?.mode ?? 'paper',
    k: q.k ?? 5,
    ...(q.curation?.fast ? { fast: q.curation.fast } : {}),
  };
  const all = await store.candidates.listByRun(q.runId);
  // The curation ablation draws from every candidate that got an instruction (filtered ones
  // excluded: they never had a usable pair), the curve from A_k alone.
  const pool =
    q.sample?.from === 'all'
      ? all.filter((c) => !c.filterReason && effectivePair(c).instruction.trim())
      : all.filter((c) => isCurated(c, rule));
  if (q.sample && pool.length < q.sample.n)
    throw new InputError(
      `Only ${pool.length} ${q.sample.from === 'all' ? 'usable candidates' : 'curated pairs'} in this run; ${q.sample.n} were asked for`,
      { field: 'sample' },
    );
  const kept = q.sample ? samplePairs(pool, q.sample.n, q.sample.seed) : pool;
  // Candidates carry their passage; only ones migrated without it are joined with the corpus.
  const missing = kept.filter((c) => !c.output).map((c) => c.segmentId);
  const segments = new Map(
    (missing.length ? await store.segments.getMany(missing) : []).map((s) => [s.id, s]),
  );
  const curated: SourcePair[] = [];
  for (const c of kept) {
    // A person's edits (issue 11 §3) replace the model's instruction and passage.
    const pair = effectivePair({ ...c, output: c.output || segments.get(c.segmentId)?.text || '' });
    if (pair.output) curated.push({ id: c.id, ...pair, origin: 'augmented' });
  }
  return [...seeds, ...curated];
}

/** The chat prompt and the assistant target of a pair in a mode. */
export function chatFor(
  pair: SourcePair,
  mode: TrainMode,
  untagged = false,
): { prompt: ChatMessage[]; completion: string } {
  if (mode === 'backward') {
    // method.md §3: input = the response text, target = the instruction (no tags: the paper
    // tags only the forward model's data).
    return {
      prompt: [{ role: 'user', content: backtranslationPrompt(pair.output) }],
      completion: pair.instruction,
    };
  }
  return {
    prompt: untagged
      ? [{ role: 'user', content: pair.instruction }]
      : taggedMessages(pair.instruction, null, tagFor(pair.origin)),
    completion: pair.output,
  };
}

export interface TrainExample {
  id: string;
  origin: ExampleOrigin;
  /** Token ids (chat template applied, at most maxLength). */
  ids: Int32Array;
  /** ids[lossStart..lossEnd) are the assistant's tokens (+ end-of-turn): the loss targets. */
  lossStart: number;
  lossEnd: number;
  truncated: boolean;
}

export interface TokenizeStats {
  pairs: number;
  examples: number;
  /** Examples cut at maxLength (their target lost its tail). */
  truncated: number;
  /** Examples whose prompt alone filled maxLength, so nothing was left to learn: left out. */
  dropped: number;
}

export function tokenizeExamples(
  pairs: SourcePair[],
  mode: TrainMode,
  tokenizer: HfTokenizer,
  template: ChatTemplate,
  maxLength: number,
  untagged = false,
): { examples: TrainExample[]; stats: TokenizeStats } {
  const examples: TrainExample[] = [];
  let truncated = 0;
  let dropped = 0;
  for (const pair of pairs) {
    const { prompt, completion } = chatFor(pair, mode, untagged);
    const t = tokenizeTraining(tokenizer, template, prompt, completion);
    const cut = t.ids.length > maxLength;
    const lossEnd = Math.min(t.lossEnd, maxLength);
    // The first id is never a target (logits at t predict t+1), so a span must end after 1.
    if (t.lossStart >= lossEnd || lossEnd < 2) {
      dropped++;
      continue;
    }
    if (cut) truncated++;
    examples.push({
      id: pair.id,
      origin: pair.origin,
      ids: cut ? t.ids.slice(0, maxLength) : t.ids,
      lossStart: Math.max(1, t.lossStart),
      lossEnd,
      truncated: cut,
    });
  }
  return {
    examples,
    stats: { pairs: pairs.length, examples: examples.length, truncated, dropped },
  };
}

/** Fisher–Yates with mulberry32: the same seed gives the same order on every device. */
export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const rand = mulberry32(seed);
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/**
 * Held-out split: `fraction` of the examples (at least 1 when there are ≥ 2), chosen by a
 * seeded shuffle so the split is the same on every run with the same seed.
 */
export function splitTrainEval<T>(
  examples: readonly T[],
  fraction: number,
  seed: number,
): { train: T[]; eval: T[] } {
  const n = examples.length;
  const evalCount =
    n < 2 || fraction <= 0 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * fraction)));
  const order = seededShuffle(
    examples.map((_, i) => i),
    mixSeed(seed, 0x5eed),
  );
  const held = new Set(order.slice(0, evalCount));
  return {
    train: examples.filter((_, i) => !held.has(i)),
    eval: examples.filter((_, i) => held.has(i)),
  };
}

/** Sequence-length buckets: each is one static train-graph shape. */
export const DEFAULT_BUCKETS: readonly number[] = [64, 128, 256, 512];

/** The buckets up to maxLength, with maxLength itself as the last one. */
export function bucketsFor(
  maxLength: number,
  buckets: readonly number[] = DEFAULT_BUCKETS,
): number[] {
  const below = buckets.filter((b) => b < maxLength);
  return [...below, maxLength];
}

/** The smallest bucket that holds `length` tokens. */
export function bucketOf(length: number, buckets: readonly number[]): number {
  const b = buckets.find((x) => x >= length);
  if (b === undefined)
    throw new RangeError(`${length} tokens exceed the largest bucket ${buckets.at(-1)}`);
  return b;
}

/** One micro-batch: example indices (≤ batch rows) padded to the bucket length. */
export interface MicroBatchPlan {
  seq: number;
  rows: number[];
}

/**
 * The micro-batches of one epoch: examples in a seeded shuffled order (seed, epoch), each
 * dropped into its length bucket; a bucket emits a micro-batch when it holds `batch` rows,
 * and the leftovers close the epoch as partial batches (padded rows count no loss).
 */
export function planEpoch(
  lengths: readonly number[],
  buckets: readonly number[],
  batch: number,
  seed: number,
  epoch: number,
): MicroBatchPlan[] {
  const order = seededShuffle(
    lengths.map((_, i) => i),
    mixSeed(seed, epoch, 0xe90c),
  );
  const pending = new Map<number, number[]>(buckets.map((b) => [b, []]));
  const plan: MicroBatchPlan[] = [];
  for (const i of order) {
    const seq = bucketOf(lengths[i], buckets);
    const rows = pending.get(seq) as number[];
    rows.push(i);
    if (rows.length === batch) {
      plan.push({ seq, rows: [...rows] });
      rows.length = 0;
    }
  }
  for (const [seq, rows] of pending) if (rows.length) plan.push({ seq, rows });
  return plan;
}

/** Right-padded [batch, seq] tensors of a micro-batch (missing rows are all padding). */
export function packBatch(
  examples: readonly TrainExample[],
  plan: MicroBatchPlan,
  batch: number,
  padId = 0,
): TrainBatch {
  const { seq } = plan;
  const inputIds = new Int32Array(batch * seq).fill(padId);
  const attentionMask = new Int32Array(batch * seq);
  const lossMask = new Float32Array(batch * seq);
  plan.rows.forEach((index, row) => {
    const ex = examples[index];
    const base = row * seq;
    inputIds.set(ex.ids, base);
    attentionMask.fill(1, base, base + ex.ids.length);
    lossMask.fill(1, base + ex.lossStart, base + ex.lossEnd);
  });
  return { batch, seq, inputIds, attentionMask, lossMask };
}
