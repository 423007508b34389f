// One progress event for every long job (download, model load, ingest, generate, score,
// train, method stages): a discriminated union on `kind`, as transformers.js does for its
// progress events (ProgressInfo on `status`), so each kind carries only the phases and units
// it can have. Numbers first: the UI draws bars, throughput and ETA without parsing text, and
// it never has to guess whether `done` is bytes, a fraction or a count.

interface ProgressBase {
  /** Job id, stable across reloads (a run id, an ingest id). */
  job: string;
  /** Units done so far in this phase. */
  done: number;
  /** Units in this phase, or null when unknown (a stream of unknown length). */
  total: number | null;
  /** Optional human detail ("file 3 of 12: pages.warc.gz"). */
  detail?: string;
}

/** Model files fetched from the Hub (or read from a local folder): bytes of all files. */
export interface DownloadProgress extends ProgressBase {
  kind: 'download';
  phase: 'download';
  unit: 'bytes';
  /** The file being fetched now. */
  file?: string;
}

/**
 * Turning downloaded files into a runnable model: parse the weights (bytes), quantize
 * projections (tensors), build and compile the graphs (steps), or web-llm's own
 * fetch-and-initialise report (percent, 0..100).
 */
export type LoadProgress = ProgressBase & { kind: 'load' } & (
    | { phase: 'read'; unit: 'bytes' }
    | { phase: 'quantize'; unit: 'tensors' }
    | { phase: 'compile'; unit: 'steps' }
    | { phase: 'init'; unit: 'percent' }
  );

/** Corpus import: copying files into browser storage, then reading them. */
export type IngestProgress = ProgressBase & { kind: 'ingest' } & (
    { phase: 'stage'; unit: 'files' } | { phase: 'read'; unit: 'bytes' }
  );

/** Decoding: steps of the batch (one token per sequence per step). */
export interface GenerateProgress extends ProgressBase {
  kind: 'generate';
  phase: 'decode';
  unit: 'tokens';
}

/** Log-probability scoring: model runs (batches of rows) done. */
export interface ScoreProgress extends ProgressBase {
  kind: 'score';
  phase: 'score';
  unit: 'batches';
}

/** LoRA training: optimizer steps, with the latest training loss. */
export interface TrainProgress extends ProgressBase {
  kind: 'train';
  phase: 'train';
  unit: 'steps';
  loss?: number;
}

/** A method stage on the stage runner (augment, curate, evaluate): items committed. */
export interface StageProgress extends ProgressBase {
  kind: 'stage';
  phase: 'run';
  unit: 'items';
  /** Which stage ('augment', 'curate', ...). */
  stage: string;
  /** Items that failed and were recorded instead of stopping the stage. */
  failed?: number;
}

/** The diagnostics self-test's counted job. */
export interface SelfTestProgress extends ProgressBase {
  kind: 'self-test';
  phase: 'count';
  unit: 'steps';
}

export type Progress =
  | DownloadProgress
  | LoadProgress
  | IngestProgress
  | GenerateProgress
  | ScoreProgress
  | TrainProgress
  | StageProgress
  | SelfTestProgress;

export type ProgressKind = Progress['kind'];
export type ProgressUnit = Progress['unit'];

/** A phase name unique across kinds ("load:read", "ingest:read"): a change restarts rates. */
export function progressPhase(p: Progress): string {
  return `${p.kind}:${p.phase}`;
}

export type ProgressFn = (p: Progress) => void;

/**
 * Throttles progress callbacks to at most one per `intervalMs`, always passing through a
 * phase change and the final `done === total` event, so workers do not flood postMessage.
 */
export function throttleProgress(
  fn: ProgressFn,
  intervalMs = 100,
  now = () => Date.now(),
): ProgressFn {
  let last = -Infinity;
  let lastPhase = '';
  return (p) => {
    const t = now();
    const final = p.total !== null && p.done >= p.total;
    if (final || progressPhase(p) !== lastPhase || t - last >= intervalMs) {
      last = t;
      lastPhase = progressPhase(p);
      fn(p);
    }
  };
}

/** Rate and ETA from a window of samples; used by the jobs area. */
export class RateMeter {
  private samples: { t: number; done: number }[] = [];
  constructor(private windowMs = 5000) {}

  add(done: number, t: number): void {
    const last = this.samples.at(-1);
    if (last && done < last.done) this.samples = []; // a new phase restarted the count
    this.samples.push({ t, done });
    while (this.samples.length > 2 && t - this.samples[0].t > this.windowMs) this.samples.shift();
  }

  /** Units per second over the window, or null until two samples exist. */
  rate(): number | null {
    if (this.samples.length < 2) return null;
    const a = this.samples[0];
    const b = this.samples[this.samples.length - 1];
    const dt = (b.t - a.t) / 1000;
    return dt > 0 ? (b.done - a.done) / dt : null;
  }

  /** Seconds left, or null when the rate or total is unknown. */
  eta(total: number | null): number | null {
    const r = this.rate();
    const last = this.samples.at(-1);
    if (total === null || !r || r <= 0 || !last) return null;
    return Math.max(0, (total - last.done) / r);
  }
}
