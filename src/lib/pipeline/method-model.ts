// What a method stage needs to know about the model it runs on, beyond the Engine port: the
// adapter to apply, a label for ratings and candidates, the context size (for truncation) and
// the lineage fields it records (model, adapter checkpoint, engine). The state layer loads the
// role's model (Workspace.roles, Models step) and builds this.
import type { StageLineage } from '../domain';

export interface MethodModel {
  /** "model id" or "model id + adapter name": what ratings record as `rater`. */
  label: string;
  /** The adapter registered on the engine (Engine.addAdapter id), if any. */
  adapterId?: string;
  /** The model's context window in tokens (ModelInfo.contextLength). */
  contextTokens: number;
  lineage: Pick<StageLineage, 'model' | 'adapterCheckpointId' | 'engine'>;
}

/** Nucleus sampling as the paper sets it for generation (§3.1: T = 0.7, p = 0.9). */
export interface StageSampling {
  temperature: number;
  topP: number;
  maxTokens: number;
  /** Base seed; each item samples with seed + a hash of its id, so batches never change results. */
  seed: number;
}

/** A stable 31-bit per-item seed (independent of batch boundaries, so resume repeats nothing). */
export function itemSeed(base: number, itemId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < itemId.length; i++) {
    h ^= itemId.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return ((h >>> 0) + base) % 0x7fffffff;
}
