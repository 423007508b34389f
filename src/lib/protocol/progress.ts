// One progress shape for every long job (ingest, download, augment, curate, train,
// evaluate): numbers first, so the UI can draw bars, throughput and ETA without parsing text.

export interface Progress {
  /** Job id, stable across reloads (a run id, an ingest id). */
  job: string;
  /** What the job is doing now: 'read', 'segment', 'download', 'train', ... */
  phase: string;
  /** Units done so far in this phase. */
  done: number;
  /** Units in this phase, or null when unknown (a stream of unknown length). */
  total: number | null;
  /** What `done` and `total` count: 'bytes', 'segments', 'pairs', 'steps', 'tokens'. */
  unit: string;
  /** Optional human detail ("file 3 of 12: pages.warc.gz", "loss 2.31"). */
  detail?: string;
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
    if (final || p.phase !== lastPhase || t - last >= intervalMs) {
      last = t;
      lastPhase = p.phase;
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
