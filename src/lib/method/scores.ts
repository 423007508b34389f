// Reading ratings out of model output (§2.3). The paper only asks for "Score: <rating>" in the
// last line and describes no parser, so we follow method.md §12: take the LAST score statement,
// accept only integers 1–5, and count failures by reason instead of guessing (unparsed pairs
// are not kept). Small raters stray from the format in known ways (bold markers, "4/5",
// "Rating: 4", "Score: 3-4", running out of tokens mid-reasoning); each is either read or
// failed with a reason the Curate step can count.

export type ScoreFailure =
  /** No score statement at all. */
  | 'no-score'
  /** The final statement gives more than one rating ("Score: 3-4", "Score: 4 or 5"). */
  | 'several'
  /** A rating outside the 1–5 integer scale ("Score: 10", "Score: 4.5", "Score: 8/10"). */
  | 'out-of-range'
  /** Generation hit its token limit before any score was written. */
  | 'truncated';

export const scoreFailures: readonly ScoreFailure[] = [
  'no-score',
  'several',
  'out-of-range',
  'truncated',
];

export type ParsedScore =
  { ok: true; score: number; reasoning: string } | { ok: false; reason: ScoreFailure; raw: string };

const NUMBER_WORDS: Record<string, number> = { one: 1, two: 2, three: 3, four: 4, five: 5 };
const VALUE = String.raw`(\d+(?:\.\d+)?|one|two|three|four|five)`;
/** Decoration a model puts around the value: bold/italic markers, brackets, quotes. */
const DECOR = String.raw`[\s*_"'\[(]*`;
/** What may follow the first value: a second value ("3-4", "4/5", "4 out of 5"). */
const SECOND = String.raw`(?:\s*(\/|-|–|to|or|and|,|out of)\s*${VALUE})?`;

/** "Score: 4", "**Score:** 4", "Score = 4", "Final score: 4/5". */
const SCORE_STATEMENT = new RegExp(
  String.raw`score\s*(?:\*\*|__)?\s*[:=]${DECOR}${VALUE}${SECOND}`,
  'gi',
);
/**
 * Statements read only when no "Score:" exists: "Rating: 4", "a score of 4", "I would rate
 * this answer a 4". They are unambiguous ratings even though the format was not followed.
 */
const FALLBACK_STATEMENTS = [
  new RegExp(String.raw`rating\s*(?:\*\*|__)?\s*[:=]${DECOR}${VALUE}${SECOND}`, 'gi'),
  new RegExp(String.raw`\bscore of${DECOR}${VALUE}${SECOND}`, 'gi'),
  new RegExp(
    String.raw`\brate (?:it|this|the answer|this answer|this response|the response)(?: as)?(?: an?)?${DECOR}${VALUE}${SECOND}`,
    'gi',
  ),
];

const toNumber = (v: string): number => NUMBER_WORDS[v.toLowerCase()] ?? Number(v);

function lastMatch(raw: string, patterns: RegExp[]): RegExpExecArray | null {
  let last: RegExpExecArray | null = null;
  for (const re of patterns) {
    for (const m of raw.matchAll(re)) {
      if (!last || (m.index ?? 0) >= (last.index ?? 0)) last = m as RegExpExecArray;
    }
  }
  return last;
}

/**
 * The rating in a rater's output. `finish` is the engine's finish reason: an output cut off by
 * the token limit before any score is 'truncated' rather than 'no-score', which tells the user
 * to raise the reasoning budget instead of blaming the model.
 */
export function parseScore(raw: string, finish?: 'stop' | 'length' | 'abort'): ParsedScore {
  const m = lastMatch(raw, [SCORE_STATEMENT]) ?? lastMatch(raw, FALLBACK_STATEMENTS);
  if (!m || m.index === undefined) {
    return { ok: false, reason: finish === 'length' ? 'truncated' : 'no-score', raw };
  }
  const [, first, connector, second] = m;
  const value = toNumber(first);
  if (connector !== undefined && second !== undefined) {
    const other = toNumber(second);
    // "4/5" and "4 out of 5" name the scale, not a second rating; "8/10" is another scale.
    if (connector === '/' || connector === 'out of') {
      if (other !== 5) return { ok: false, reason: 'out-of-range', raw };
    } else if (other !== value) {
      return { ok: false, reason: 'several', raw };
    }
  }
  // "Score: 10" or "Score: 4.5" are not ratings on the 5-point integer scale.
  if (!Number.isInteger(value) || value < 1 || value > 5)
    return { ok: false, reason: 'out-of-range', raw };
  // Markdown that opened the statement ("**Score:**", "### Score:") is not reasoning.
  const reasoning = raw.slice(0, m.index).replace(/[\s*_#]+$/, '');
  return { ok: true, score: value, reasoning: reasoning.trim() };
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
