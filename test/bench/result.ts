// One benchmark measurement, as written to test/bench/results.json.
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Human-readable target, e.g. ">= 20" or "<= 300"; null when informational. */
  target: string | null;
  /** Whether the target is met; null when there is no target. */
  ok: boolean | null;
  detail?: string;
}

/** Builds a result and checks `value` against a `>=`/`<=` target. */
export function measure(
  name: string,
  value: number,
  unit: string,
  target?: { atLeast?: number; atMost?: number },
  detail?: string,
): BenchResult {
  let ok: boolean | null = null;
  let t: string | null = null;
  if (target?.atLeast !== undefined) {
    t = `>= ${target.atLeast}`;
    ok = value >= target.atLeast;
  } else if (target?.atMost !== undefined) {
    t = `<= ${target.atMost}`;
    ok = value <= target.atMost;
  }
  return { name, value: Number(value.toPrecision(4)), unit, target: t, ok, detail };
}

/** Results go to reports/bench/<file>.json; run.mjs merges them. */
export const benchOutDir = 'reports/bench';
