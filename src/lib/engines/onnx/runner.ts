// One loaded checkpoint on one device: the forward graph in variants (full logits for
// scoring, last-position logits for generation; LoRA sites on exactly the modules of the
// adapter a run uses, none for the base model: runner-variants.ts), all fed the same resident
// weight tensors, RoPE tables grown on demand. Generation and scoring (generator.ts,
// scorer.ts) only talk to `run`.
import type * as Ort from 'onnxruntime-web';
import { ModelLoadError } from '../../protocol/errors';
import { NO_ADAPTER, type LoraInputs } from './adapters';
import { ropeTables, type DecoderConfig } from './config';
import { tensorOf, weightTensors, type DeviceChoice, type OrtModule } from './device';
import { commonWeightType, type WeightTensor } from './half';
import { embedWeights } from './embed-weights';
import { isInt4TensorName } from './int4';
import { LoraFeeds } from './lora-feeds';
import {
  buildLlamaGraph,
  graphWeightSpecs,
  pastKeyName,
  pastValueName,
  presentKeyName,
  presentValueName,
  ROPE_COS_INPUT,
  ROPE_SIN_INPUT,
  type LoraLayout,
  type LoraModule,
} from './llama-graph';
import { positionIdsFromMask, resolveTiedEmbeddings, type KvCache } from './llama-session';
import { MergedWeights } from './merged-weights';
import type { RawTensor } from './safetensors';
import { GraphVariants, variantKey, type LogitsKind, type Variant } from './runner-variants';

export interface RunInputs {
  batch: number;
  seq: number;
  /** [B, T] row-major. */
  inputIds: Int32Array;
  /** [B, P + T]: 1 = real token, 0 = padding (left padding or gaps after a shared prefix). */
  attentionMask: Int32Array;
  /** [B, T]; default: cumsum(mask) - 1, as HF generate() computes them. */
  positionIds?: Int32Array;
  past?: KvCache;
  lora: LoraInputs;
  /** 'last' runs the last-logits graph ([B, 1, V]); 'all' returns [B, T, V]. */
  logits: 'last' | 'all';
}

export interface RunOutputs {
  logits: Float32Array;
  logitsDims: number[];
  present: KvCache;
  /** Key of the graph variant that ran (runner-variants.ts variantKey), for diagnostics. */
  variant: string;
}

export class ModelRunner {
  private ropeFeeds: Record<string, Ort.Tensor> = {};
  private ropeLength = 0;
  /** LoRA feeds per adapter, made once (uploaded once on WebGPU): lora-feeds.ts. */
  private readonly loraFeeds: LoraFeeds;
  private emptyPast = new Map<number, KvCache>();
  /** Base or base + one adapter (merged mode); undefined where merging is off (int4). */
  private merger?: MergedWeights;
  /** Runs in flight, and who waits for them to end (a weight change waits). */
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  /** The weight change in progress; runs wait for it. */
  private switching: Promise<void> | null = null;

  private constructor(
    readonly ort: OrtModule,
    readonly config: DecoderConfig,
    readonly device: DeviceChoice,
    private readonly weightFeeds: Record<string, Ort.Tensor>,
    /** Compiled graph variants; `variants.keys` tells which exist (tests, diagnostics). */
    readonly variants: GraphVariants,
    /**
     * The LoRA graph layout of the variants (llama-graph.ts loraLayout; shared with `build`).
     * WebGPU: 'fused', 13 LoRA nodes (GPU dispatches) per layer for all seven projections
     * instead of 28. wasm: 'separate': there the fused form measured no faster (its Gemm with
     * a fed B costs what the MatMul, Mul and Add did: README, Benchmarks). Same results.
     */
    private readonly layout: { loraLayout: LoraLayout },
  ) {
    this.loraFeeds = new LoraFeeds(ort, device, config.numLayers);
  }

  static async create(
    ort: OrtModule,
    config: DecoderConfig,
    /** All f32, or all f16 (then the float16-weight graph is built). */
    weights: Map<string, WeightTensor>,
    device: DeviceChoice,
    /** 'int4': projections come as int4 blocks (int4.ts) and run through MatMulNBits. */
    quantize?: 'int4',
    /**
     * The checkpoint's tensors as loaded: with them the runner can fold one adapter into its
     * weights and restore the base exactly (merged-weights.ts); without, merging is off.
     */
    base?: ReadonlyMap<string, RawTensor>,
  ): Promise<ModelRunner> {
    const resolved = resolveTiedEmbeddings(config, weights.keys());
    // The int4 scales are f32 whatever the float weights are; they do not set the weight type.
    const floatWeights = new Map([...weights].filter(([name]) => !isInt4TensorName(name)));
    const options = { weightType: commonWeightType(floatWeights), quantize };
    for (const spec of graphWeightSpecs(resolved, options)) {
      const name = spec.name;
      const t = weights.get(name);
      if (!t) throw new ModelLoadError(`Checkpoint is missing tensor "${name}"`, { tensor: name });
      const expected = spec.dims;
      if (expected.join('x') !== t.shape.join('x')) {
        throw new ModelLoadError(
          `Tensor "${name}" has shape [${t.shape}], config.json implies [${expected}]`,
          { tensor: name },
        );
      }
    }
    const sessionOptions: Ort.InferenceSession.SessionOptions =
      device.kind === 'webgpu'
        ? {
            executionProviders: [{ name: 'webgpu', device: device.gpu }, 'wasm'],
            // The KV cache stays on the GPU between decode steps; logits come back to the CPU
            // for sampling (onnxruntime-web.md §3.3).
            preferredOutputLocation: Object.fromEntries([
              ['logits', 'cpu'],
              ...Array.from({ length: resolved.numLayers }, (_, i) => [
                [presentKeyName(i), 'gpu-buffer'],
                [presentValueName(i), 'gpu-buffer'],
              ]).flat(),
            ]),
          }
        : { executionProviders: ['wasm'] };
    // wasm: generation and single-token scoring run the last-logits graph, so its weights
    // live in ORT's heap as constants (embed-weights.ts) instead of being copied into it on
    // every run; the full-logits graph (multi-token scoring) is fed the weights and pays a
    // heap copy per run, instead of a second resident copy. Only the wasm embedding needs the
    // CPU weights after load; on webgpu they are dropped once uploaded.
    const embedding = device.kind === 'wasm';
    const cpuWeights = embedding ? weights : undefined;
    // Read by `build` when a variant is compiled (setLoraLayout releases the old ones).
    const layout: { loraLayout: LoraLayout } = {
      loraLayout: device.kind === 'webgpu' ? 'fused' : 'separate',
    };
    const build = async (kind: LogitsKind, loraModules: readonly LoraModule[]) => {
      const embedded = embedding && kind === 'last';
      const graph = buildLlamaGraph(resolved, {
        ...options,
        loraLayout: layout.loraLayout,
        loraModules,
        lastLogitsOnly: kind === 'last',
        weightsEmbedded: embedded,
      });
      const model =
        embedded && cpuWeights
          ? embedWeights(graph.model, graph.weightNames, cpuWeights)
          : graph.model;
      const session = await ort.InferenceSession.create(model, sessionOptions);
      const key = variantKey(kind, loraModules);
      return { key, kind, modules: loraModules, graph, session, embedded } satisfies Variant;
    };
    const variants = new GraphVariants(build, (kind) => (embedding && kind === 'last' ? 1 : 3));
    const feeds = weightTensors(
      ort,
      graphWeightSpecs(resolved, options).map((s) => s.name),
      weights,
      device,
    );
    const runner = new ModelRunner(ort, resolved, device, feeds, variants, layout);
    if (base && !quantize) {
      runner.merger = new MergedWeights(
        resolved,
        base,
        options.weightType,
        weightWriter(ort, device, feeds, cpuWeights),
      );
    }
    // Both base-model variants are compiled now, so a bad checkpoint fails at load and the
    // first request does not wait for a compile.
    await variants.use('all', [], async () => undefined);
    await variants.use('last', [], async () => undefined);
    return runner;
  }

  /** An empty cache (P = 0) for the first call of a batch. */
  emptyCache(batch: number): KvCache {
    let cache = this.emptyPast.get(batch);
    if (!cache) {
      const { numLayers, numKvHeads, headDim } = this.config;
      const empty = (): Ort.Tensor =>
        new this.ort.Tensor('float32', new Float32Array(0), [batch, numKvHeads, 0, headDim]);
      cache = {
        pastLength: 0,
        keys: Array.from({ length: numLayers }, empty),
        values: Array.from({ length: numLayers }, empty),
      };
      this.emptyPast.set(batch, cache);
    }
    return cache;
  }

  get loraLayout(): LoraLayout {
    return this.layout.loraLayout;
  }

  /**
   * Switches the LoRA layout of the graph variants (the parity bench's before/after; results
   * are the same either way): every compiled variant is released and rebuilt on next use.
   */
  async setLoraLayout(loraLayout: LoraLayout): Promise<void> {
    if (loraLayout === this.layout.loraLayout) return;
    while (this.switching) await this.switching;
    this.layout.loraLayout = loraLayout;
    await this.forgetLora();
    await this.variants.releaseAll();
  }

  /**
   * Frees the feeds made for `lora` (every adapter's when omitted), after the runs in flight:
   * the engine calls it when an adapter is removed or replaced.
   */
  async forgetLora(lora?: LoraInputs): Promise<void> {
    if (this.inflight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    this.loraFeeds.forget(lora);
  }

  /** Whether this runner can fold an adapter into its weights (not with int4 projections). */
  get canMerge(): boolean {
    return this.merger !== undefined;
  }

  /** The adapter folded into the weights now (null: the base weights). */
  get mergedAdapter(): LoraInputs | null {
    return this.merger?.current ?? null;
  }

  /**
   * Folds `lora` into the weights (null: restores the base), after the runs in flight end;
   * runs started meanwhile wait. Runs with that adapter then take the LoRA-free variant; a
   * run with any other adapter (or none) restores the base first, so results never depend on
   * what is merged. wasm: the decode variant embeds the weights, so it is rebuilt on its
   * next use (the cost of any module-set switch there, README).
   */
  async mergeAdapter(lora: LoraInputs | null): Promise<void> {
    const merger = this.merger;
    if (!merger) {
      if (lora?.modules.length) throw new Error('This model cannot merge adapters (int4 weights)');
      return;
    }
    const target = lora?.modules.length ? lora : null;
    while (this.switching) await this.switching;
    if (merger.current === target) return;
    this.switching = (async () => {
      if (this.inflight > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
      merger.apply(target);
      if (this.device.kind === 'wasm') await this.variants.releaseKind('last');
    })().finally(() => (this.switching = null));
    await this.switching;
  }

  async run(inputs: RunInputs): Promise<RunOutputs> {
    const { batch, seq } = inputs;
    const positionIds = inputs.positionIds ?? positionIdsFromMask(inputs.attentionMask, batch, seq);
    let maxPosition = 0;
    for (const p of positionIds) maxPosition = Math.max(maxPosition, p);
    this.ensureRope(maxPosition);
    // The weights a run needs, checked and claimed (inflight) in one synchronous step.
    let lora: LoraInputs;
    for (;;) {
      if (this.switching) {
        await this.switching;
        continue;
      }
      const merged = this.mergedAdapter;
      if (merged && merged !== inputs.lora) {
        await this.mergeAdapter(null);
        continue;
      }
      lora = merged ? NO_ADAPTER : inputs.lora;
      this.inflight++;
      break;
    }
    try {
      return await this.variants.use(inputs.logits, lora.modules, (v) =>
        this.runOn(v, { ...inputs, lora }, positionIds),
      );
    } finally {
      if (--this.inflight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async runOn(
    variant: Variant,
    inputs: RunInputs,
    positionIds: Int32Array,
  ): Promise<RunOutputs> {
    const { batch, seq } = inputs;
    const T = this.ort.Tensor;
    const feeds: Record<string, Ort.Tensor> = {
      ...(variant.embedded ? {} : this.weightFeeds),
      ...this.loraFeeds.of(inputs.lora, this.layout.loraLayout),
      ...this.ropeFeeds,
      input_ids: new T('int32', inputs.inputIds, [batch, seq]),
      attention_mask: new T('int32', inputs.attentionMask, [
        batch,
        inputs.attentionMask.length / batch,
      ]),
      position_ids: new T('int32', positionIds, [batch, seq]),
    };
    const past = inputs.past ?? this.emptyCache(batch);
    for (let i = 0; i < this.config.numLayers; i++) {
      feeds[pastKeyName(i)] = past.keys[i];
      feeds[pastValueName(i)] = past.values[i];
    }
    const out = await variant.session.run(feeds);
    const keys: Ort.Tensor[] = [];
    const values: Ort.Tensor[] = [];
    for (let i = 0; i < this.config.numLayers; i++) {
      keys.push(out[presentKeyName(i)]);
      values.push(out[presentValueName(i)]);
    }
    return {
      logits: out.logits.data as Float32Array,
      logitsDims: [...out.logits.dims],
      present: { pastLength: keys[0].dims[2], keys, values },
      variant: variant.key,
    };
  }

  async release(): Promise<void> {
    await this.variants.releaseAll();
    await this.forgetLora();
    for (const t of Object.values(this.weightFeeds)) {
      if (t.location === 'gpu-buffer') t.dispose();
    }
  }

  /** Adapters whose LoRA feeds are held in GPU buffers now (WebGPU; tests, diagnostics). */
  get gpuLoraAdapters(): number {
    return this.loraFeeds.gpuAdapters;
  }

  /** RoPE tables cover positions up to `maxPosition` (grown in 1024-row steps). */
  private ensureRope(maxPosition: number): void {
    if (maxPosition < this.ropeLength) return;
    const length = Math.ceil((maxPosition + 1) / 1024) * 1024;
    const tables = ropeTables(this.config, length);
    const dims = [length, this.config.headDim / 2];
    this.ropeFeeds = {
      [ROPE_COS_INPUT]: new this.ort.Tensor('float32', tables.cos, dims),
      [ROPE_SIN_INPUT]: new this.ort.Tensor('float32', tables.sin, dims),
    };
    this.ropeLength = length;
  }
}

/**
 * Where merged weights go (its own function so the closure keeps only what it names: on
 * webgpu the CPU weights are dropped after upload). webgpu: the same GPU buffer, rewritten,
 * so sessions keep binding it and no second copy exists. wasm: a new array in the map the
 * decode variant embeds from and a new fed tensor (an f16 weight may be a view over the
 * base's bytes, which are never written to).
 */
function weightWriter(
  ort: OrtModule,
  device: DeviceChoice,
  feeds: Record<string, Ort.Tensor>,
  cpuWeights: Map<string, WeightTensor> | undefined,
): (name: string, t: WeightTensor) => void {
  return (name, t) => {
    if (device.kind === 'webgpu' && device.gpu) {
      const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
      padded.set(bytes);
      device.gpu.queue.writeBuffer(feeds[name].gpuBuffer as GPUBuffer, 0, padded);
    } else {
      cpuWeights?.set(name, t);
      feeds[name] = tensorOf(ort, t);
    }
  };
}
