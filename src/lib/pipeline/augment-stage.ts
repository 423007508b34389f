// Self-augmentation (§2.2) as a resumable stage: one instruction per kept segment, in kept-
// segment order (the runner's cursor), written by the backward role's model in batches
// (Engine.generateBatch). Two ways: the paper's backward adapter M_yx with the backtranslation
// prompt (the same prompt train/data.ts trains it on), or an instruct model prompted zero- or
// few-shot with seed pairs (our variant). Every generation becomes a candidate: unusable
// instructions keep their filter reason (method/instructions.ts) and are counted by reason,
// never silently dropped. A passage longer than the model's context is cut (TRUNCATION_RULE),
// never failing the batch; the candidate's output is always the whole passage.
import type { GenerateRequest } from '../engines/engine';
import {
  backtranslationPrompt,
  instructAugmentPrompt,
  PROMPT_VERSIONS,
  type AugmentExample,
} from '../method/prompts';
import { cleanInstruction, instructionIssue } from '../method/instructions';
import type { Candidate, Id, SegmentRecord, StageLineage } from '../domain';
import type { StageDefinition } from './stage-runner';
import { itemSeed, type MethodModel, type StageSampling } from './method-model';

export type AugmentWay = 'backward-adapter' | 'instruct';

export interface AugmentSettings {
  way: AugmentWay;
  /** Instruct way: seed pairs shown as examples (empty = zero-shot). */
  examples: AugmentExample[];
  sampling: StageSampling;
  batchSize: number;
  /**
   * Only the first `limit` kept segments (in kept-segment order), to try a model on a sample
   * before the whole corpus; absent or 0 = every kept segment.
   */
  limit?: number;
}

export const DEFAULT_AUGMENT_SAMPLING: StageSampling = {
  temperature: 0.7,
  topP: 0.9,
  maxTokens: 128,
  seed: 1,
};

/** Prompt overhead in tokens (template, instructions, examples are counted separately). */
const PROMPT_OVERHEAD_TOKENS = 96;
/** Characters per token assumed when fitting a passage: conservative (English BPE ≈ 4). */
const CHARS_PER_TOKEN = 3;

export const TRUNCATION_RULE =
  'A passage longer than the backward model can read (context − answer budget − prompt, at 3 ' +
  'characters per token) is cut at the last whitespace before that limit; the candidate keeps ' +
  'the whole passage as its output and is marked "truncated".';

/** The passage as the backward model sees it, and whether it was cut. */
export function fitPassage(
  text: string,
  model: Pick<MethodModel, 'contextTokens'>,
  settings: Pick<AugmentSettings, 'examples' | 'sampling'>,
): { text: string; truncated: boolean } {
  const exampleChars = settings.examples.reduce(
    (n, e) => n + e.instruction.length + e.output.length,
    0,
  );
  const budgetTokens = model.contextTokens - settings.sampling.maxTokens - PROMPT_OVERHEAD_TOKENS;
  const limit = Math.max(200, budgetTokens * CHARS_PER_TOKEN - exampleChars);
  if (text.length <= limit) return { text, truncated: false };
  const cut = text.lastIndexOf(' ', limit);
  return { text: text.slice(0, cut > limit / 2 ? cut : limit), truncated: true };
}

export function augmentPrompt(passage: string, settings: AugmentSettings): string {
  return settings.way === 'backward-adapter'
    ? backtranslationPrompt(passage)
    : instructAugmentPrompt(passage, settings.examples);
}

export function augmentLineage(model: MethodModel, settings: AugmentSettings): StageLineage {
  const { temperature, topP, maxTokens, seed } = settings.sampling;
  return {
    kind: 'augment',
    iteration: 0,
    stage: 'augment',
    ...model.lineage,
    promptVersion:
      settings.way === 'backward-adapter'
        ? PROMPT_VERSIONS.backtranslation
        : `${PROMPT_VERSIONS.instructAugment}/${settings.examples.length}-shot`,
    sampling: { temperature, topP, maxNewTokens: maxTokens, seed },
    settings: { ...settings },
  };
}

/** The store reads augmentation needs (src/lib/store satisfies it). */
export interface AugmentStore {
  segments: {
    page(
      workspaceId: Id,
      limit: number,
      query: { bucket: 'kept'; after?: Id },
    ): Promise<{ items: SegmentRecord[] }>;
    keptCount(workspaceId: Id): Promise<number>;
  };
}

interface Generated {
  raw: string;
  truncated: boolean;
}

/** Candidate id: one per (run, segment), so a repeated write replaces instead of duplicating. */
export const candidateId = (runId: Id, segmentId: Id) => `${runId}:${segmentId}`;

export function augmentStage(
  store: AugmentStore,
  target: { workspaceId: Id; runId: Id },
  model: MethodModel,
  settings: AugmentSettings,
): StageDefinition<SegmentRecord, Generated> {
  const { workspaceId, runId } = target;
  return {
    stage: 'augment',
    batchSize: settings.batchSize,
    async listAfter(after, limit) {
      const cap = settings.limit ?? 0;
      if (cap <= 0)
        return (await store.segments.page(workspaceId, limit, { bucket: 'kept', after })).items;
      // A sample: the first `cap` kept segments, the cursor's position among them.
      const sample = (await store.segments.page(workspaceId, cap, { bucket: 'kept' })).items;
      const from = after === undefined ? 0 : sample.findIndex((s) => s.id === after) + 1;
      return from === 0 && after !== undefined ? [] : sample.slice(from, from + limit);
    },
    async countAll() {
      const kept = await store.segments.keptCount(workspaceId);
      return settings.limit && settings.limit > 0 ? Math.min(kept, settings.limit) : kept;
    },
    async process(items, { engine, signal }) {
      const fitted = items.map((s) => fitPassage(s.text, model, settings));
      const reqs = items.map((s, i): GenerateRequest => ({
        prompt: [{ role: 'user', content: augmentPrompt(fitted[i].text, settings) }],
        temperature: settings.sampling.temperature,
        topP: settings.sampling.topP,
        maxTokens: settings.sampling.maxTokens,
        seed: itemSeed(settings.sampling.seed, s.id),
        ...(model.adapterId ? { adapterId: model.adapterId } : {}),
      }));
      const results = await engine.generateBatch(reqs, { signal });
      return results.map((r, i) => ({ raw: r.text, truncated: fitted[i].truncated }));
    },
    writes: (results) => ({
      candidates: results.map(({ item, result }): Candidate => {
        const instruction = cleanInstruction(result.raw);
        const issue = instructionIssue(instruction, item.text);
        return {
          id: candidateId(runId, item.id),
          workspaceId,
          runId,
          segmentId: item.id,
          documentId: item.documentId,
          headerPath: item.headerPath,
          output: item.text,
          rawInstruction: result.raw,
          instruction,
          ...(issue ? { filterReason: issue } : {}),
          ...(result.truncated ? { truncated: true } : {}),
          producedBy: model.label,
          ratings: [],
        };
      }),
    }),
  };
}
