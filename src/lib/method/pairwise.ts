// Summary of a pairwise evaluation (issue 12 item 2; method.md §8): from each prompt's answers
// and its two judgments to the win rate of A over B with ties as half and its standard error
// (win-rate.ts), the same per prompt category, mean answer lengths, and the length-controlled
// rate. Length control: a logistic regression of A's per-prompt score on log(len A / len B),
// read at equal lengths (win-rate.ts lengthControlledWinRate). Only prompts whose verdicts were
// read in BOTH orders are scored: one order alone would let position bias back in.
import type { EvalAnswer, Judgment, PairwiseVerdict, WinRate } from '../domain';
import { toModelVerdict, type ParsedVerdict } from './judge';
import { lengthControlledWinRate, promptScore, winRate } from './win-rate';

export const NO_CATEGORY = 'other';

/** A judgment record from a parsed output of the order `aShownFirst`. */
export function judgmentOf(
  parsed: ParsedVerdict,
  aShownFirst: boolean,
  rawOutput: string,
  finishReason?: Judgment['finishReason'],
): Judgment {
  return parsed.ok
    ? { verdict: toModelVerdict(parsed.verdict, aShownFirst), rawOutput, finishReason }
    : { verdict: null, failure: parsed.reason, rawOutput, finishReason };
}

/** A's score for one prompt from its two orders, or null when either was not read. */
export function answerScore(aFirst: PairwiseVerdict | null, bFirst: PairwiseVerdict | null) {
  return aFirst === null || bFirst === null ? null : promptScore(aFirst, bFirst);
}

export interface PairwiseSummary extends WinRate {
  byCategory: ({ category: string } & WinRate)[];
  meanLength: { model: number; baseline: number };
  lengthControlled?: { rate: number; lengthCoefficient: number };
  /** Prompts answered whose score is missing (a verdict unread in one order or both). */
  unjudged: number;
  failures: Record<string, number>;
}

type Scored = Pick<EvalAnswer, 'answerA' | 'answerB' | 'category' | 'score' | 'aFirst' | 'bFirst'>;

export function summarizePairwise(answers: readonly Scored[]): PairwiseSummary {
  const judged = answers.filter((a) => a.score !== null);
  const scores = judged.map((a) => a.score as number);
  const failures: Record<string, number> = {};
  for (const a of answers)
    for (const j of [a.aFirst, a.bFirst])
      if (j.failure) failures[j.failure] = (failures[j.failure] ?? 0) + 1;
  const groups = new Map<string, number[]>();
  for (const a of judged) {
    const key = a.category?.trim() || NO_CATEGORY;
    groups.set(key, [...(groups.get(key) ?? []), a.score as number]);
  }
  const lengthsA = judged.map((a) => a.answerA.length);
  const lengthsB = judged.map((a) => a.answerB.length);
  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  return {
    ...winRate(scores),
    byCategory: [...groups.entries()]
      .sort(([x], [y]) => x.localeCompare(y))
      .map(([category, s]) => ({ category, ...winRate(s) })),
    meanLength: { model: mean(lengthsA), baseline: mean(lengthsB) },
    // Two points cannot separate the length effect from the intercept.
    ...(judged.length >= 3
      ? { lengthControlled: lengthControlledWinRate(scores, lengthsA, lengthsB) }
      : {}),
    unjudged: answers.length - judged.length,
    failures,
  };
}

/** The summary of an evaluation with nothing judged yet. */
export function emptyPairwise(): PairwiseSummary {
  return summarizePairwise([]);
}
