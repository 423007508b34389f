// Reading ratings out of model output (§2.3). The paper only asks for "Score: <rating>" in the
// last line and describes no parser, so we follow method.md §12: take the LAST "Score: n",
// accept only 1–5, and count failures instead of guessing (unparsed pairs are not kept).

export type ParsedScore =
  | { ok: true; score: number; reasoning: string }
  | { ok: false; reason: 'no-score' | 'out-of-range'; raw: string };

const SCORE_RE = /score\s*[:=]\s*\**\s*(\d+(?:\.\d+)?)/gi;

export function parseScore(raw: string): ParsedScore {
  const matches = [...raw.matchAll(SCORE_RE)];
  const last = matches.at(-1);
  if (!last || last.index === undefined) return { ok: false, reason: 'no-score', raw };
  const value = Number(last[1]);
  // "Score: 10" or "Score: 4.5" are not ratings on the 5-point integer scale.
  if (!Number.isInteger(value) || value < 1 || value > 5)
    return { ok: false, reason: 'out-of-range', raw };
  return { ok: true, score: value, reasoning: raw.slice(0, last.index).trim() };
}

/**
 * Expected rating from log-probabilities of the continuations "1".."5" (the fast curation
 * mode reads the distribution instead of sampling; web-llm.md §1.3). Renormalised over the
 * five digits, so probability mass on other tokens does not bias the score.
 */
export function expectedScore(logprobs: number[]): {
  expected: number;
  argmax: number;
  probs: number[];
} {
  if (logprobs.length !== 5)
    throw new Error(`expected 5 log-probabilities, got ${logprobs.length}`);
  const max = Math.max(...logprobs);
  const w = logprobs.map((lp) => Math.exp(lp - max));
  const sum = w.reduce((a, b) => a + b, 0);
  const probs = w.map((x) => x / sum);
  const expected = probs.reduce((acc, p, i) => acc + p * (i + 1), 0);
  const argmax = probs.indexOf(Math.max(...probs)) + 1;
  return { expected, argmax, probs };
}
