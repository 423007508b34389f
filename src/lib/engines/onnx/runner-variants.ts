// The runner's compiled forward graphs, one per (logits kind, LoRA module set). A request runs
// the variant whose LoRA inputs cover exactly its adapter's target modules, and the base model
// runs a variant with no LoRA inputs at all: zero rank-1 LoRA inputs on all seven projections
// cost 7-36 % of a decode step and up to 21 % of a prefill on wasm (README, performance).
//
// Memory: a variant that is FED the weights (webgpu: shared GPU buffers; wasm full-logits
// graph: copied into the heap per run) holds no weights of its own, so a few are cached. A
// variant with EMBEDDED weights (wasm last-logits graph, embed-weights.ts) holds a full copy in
// ORT's heap and onnxruntime-web cannot share initializers between sessions, so at most one is
// resident: switching adapter sets rebuilds it, the old one released first.
import type * as Ort from 'onnxruntime-web';
import type { LlamaGraph, LoraModule } from './llama-graph';

export type LogitsKind = 'last' | 'all';

export interface Variant {
  readonly key: string;
  readonly kind: LogitsKind;
  readonly modules: readonly LoraModule[];
  readonly graph: LlamaGraph;
  readonly session: Ort.InferenceSession;
  /** Weights are initializers inside the session: not fed, and a full copy per session. */
  readonly embedded: boolean;
}

interface Entry {
  variant: Promise<Variant>;
  kind: LogitsKind;
  /** Runs in flight; an evicted entry is released when this drops to 0. */
  busy: number;
  evicted: boolean;
}

export type BuildVariant = (kind: LogitsKind, modules: readonly LoraModule[]) => Promise<Variant>;

/** Key of a variant: `modules` must be in LORA_MODULES order (sortedModules). */
export const variantKey = (kind: LogitsKind, modules: readonly LoraModule[]): string =>
  `${kind}:${modules.join(',') || 'none'}`;

export class GraphVariants {
  /** Map order = least recently used first. */
  private entries = new Map<string, Entry>();

  constructor(
    private readonly build: BuildVariant,
    /** Most variants of a kind kept compiled at once (1 where each embeds the weights). */
    private readonly limit: (kind: LogitsKind) => number,
  ) {}

  /** Keys of the compiled (or compiling) variants, least recently used first. */
  get keys(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Runs `fn` on the variant for `kind` and `modules` (built on first use), keeping it alive
   * while `fn` runs even if another request evicts it meanwhile.
   */
  async use<R>(
    kind: LogitsKind,
    modules: readonly LoraModule[],
    fn: (variant: Variant) => Promise<R>,
  ): Promise<R> {
    const entry = this.acquire(kind, modules);
    try {
      return await fn(await entry.variant);
    } finally {
      entry.busy--;
      if (entry.evicted && entry.busy === 0) await this.dispose(entry);
    }
  }

  async releaseAll(): Promise<void> {
    const entries = [...this.entries.values()];
    this.entries.clear();
    for (const e of entries) {
      e.evicted = true;
      if (e.busy === 0) await this.dispose(e);
    }
  }

  /**
   * Releases every variant of `kind` (the wasm decode variants, whose embedded weights go
   * stale when merged-adapter weights change: merged-weights.ts). Busy ones go when done.
   */
  async releaseKind(kind: LogitsKind): Promise<void> {
    const released: Promise<void>[] = [];
    for (const [key, e] of [...this.entries]) {
      if (e.kind !== kind) continue;
      this.entries.delete(key);
      e.evicted = true;
      if (e.busy === 0) released.push(this.dispose(e));
    }
    await Promise.all(released);
  }

  private acquire(kind: LogitsKind, modules: readonly LoraModule[]): Entry {
    const key = variantKey(kind, modules);
    let entry = this.entries.get(key);
    if (entry) {
      this.entries.delete(key); // re-inserted below as the most recently used
    } else {
      // The evicted session is released before the new one is built (no two embedded copies).
      const freed = this.evictFor(kind);
      const variant = freed.then(() => this.build(kind, modules));
      entry = { variant, kind, busy: 0, evicted: false };
      const created = entry;
      // A failed build is forgotten, so the next request tries again.
      variant.catch(() => {
        if (this.entries.get(key) === created) this.entries.delete(key);
      });
    }
    this.entries.set(key, entry);
    entry.busy++;
    return entry;
  }

  /** Makes room for one more variant of `kind`, releasing the least recently used first. */
  private async evictFor(kind: LogitsKind): Promise<void> {
    const ofKind = [...this.entries].filter(([, e]) => e.kind === kind);
    const released: Promise<void>[] = [];
    for (const [key, e] of ofKind.slice(0, Math.max(0, ofKind.length - this.limit(kind) + 1))) {
      this.entries.delete(key);
      e.evicted = true;
      if (e.busy === 0) released.push(this.dispose(e));
    }
    await Promise.all(released);
  }

  private async dispose(entry: Entry): Promise<void> {
    const variant = await entry.variant.catch(() => undefined);
    await variant?.session.release();
  }
}
