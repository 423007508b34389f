// The compiled graphs of one training run: a train and an eval graph per sequence-length
// bucket (static shapes, so each compiles once; data.ts plans micro-batches per bucket) and one
// AdamW graph, created lazily through the injected runner factory and released together.
import type { DecoderConfig } from '../engines/onnx/config';
import type { GraphRunner } from '../engines/onnx/train-session';
import { buildTrainingArtifacts, staticFeeds, type TrainingArtifacts } from './artifacts';
import type { LoraConfig } from './lora-config';
import { buildOptimizerGraph } from './optimizer-graph';

/** What the cache needs of a training job. */
export interface GraphJob {
  config: DecoderConfig;
  options: { batch: number; vocabChunk?: number };
  createRunner(model: Uint8Array): Promise<GraphRunner>;
}

/** One compiled train/eval graph per length bucket (static shapes), one optimizer graph. */
export class GraphCache {
  private artifacts = new Map<number, TrainingArtifacts>();
  private runners = new Map<string, Promise<GraphRunner>>();
  private staticByBucket = new Map<number, ReturnType<typeof staticFeeds>>();

  constructor(
    private readonly job: GraphJob,
    private readonly lora: LoraConfig,
  ) {}

  private built(seq: number): TrainingArtifacts {
    let a = this.artifacts.get(seq);
    if (!a) {
      const { config, options } = this.job;
      a = buildTrainingArtifacts(config, this.lora, {
        batch: options.batch,
        seq,
        vocabChunk: options.vocabChunk,
      });
      this.artifacts.set(seq, a);
    }
    return a;
  }

  private cached(key: string, model: () => Uint8Array): Promise<GraphRunner> {
    let r = this.runners.get(key);
    if (!r) {
      r = this.job.createRunner(model());
      this.runners.set(key, r);
    }
    return r;
  }

  runner(kind: 'train' | 'eval', seq: number): Promise<GraphRunner> {
    return this.cached(`${kind}:${seq}`, () => this.built(seq)[kind]);
  }

  optimizer(): Promise<GraphRunner> {
    return this.cached('optimizer', () => buildOptimizerGraph(this.job.config, this.lora).model);
  }

  statics(seq: number): ReturnType<typeof staticFeeds> {
    let s = this.staticByBucket.get(seq);
    if (!s) {
      s = staticFeeds(this.job.config, this.lora, seq);
      this.staticByBucket.set(seq, s);
    }
    return s;
  }

  async release(): Promise<void> {
    const all = [...this.runners.values()];
    this.runners.clear();
    for (const r of await Promise.allSettled(all))
      if (r.status === 'fulfilled') await r.value.release();
  }
}
