// Pairwise judging (issue 12; paper §3 compares models by a judge's preference, AlpacaEval
// style). The paper used GPT-4 through AlpacaEval and prints no judge prompt, so this prompt is
// our own: it shows the request and two answers labelled by POSITION ("Answer 1", "Answer 2"),
// asks for a short reasoning and a last line "Verdict: 1", "Verdict: 2" or "Verdict: tie". The
// stage asks it twice per prompt with the answers swapped (position bias cancels in
// method/win-rate.ts promptScore). Reading follows method/scores.ts: the LAST verdict
// statement counts, known strays are read, and anything else fails with a reason.
import type { JudgeFailureReason } from '../domain';

export type JudgeFailure = JudgeFailureReason;

export const judgeFailures: readonly JudgeFailure[] = [
  'no-verdict',
  'several',
  'unknown-label',
  'truncated',
];

/** Which position the judge preferred. */
export type PositionVerdict = 'first' | 'second' | 'tie';

export type ParsedVerdict =
  | { ok: true; verdict: PositionVerdict; reasoning: string }
  | { ok: false; reason: JudgeFailure; raw: string };

export const JUDGE_PROMPT_VERSION = 'pairwise-judge-v1';

/** The judge's user turn for one order: `first` is shown as Answer 1, `second` as Answer 2. */
export function judgePrompt(request: string, first: string, second: string): string {
  return [
    'You compare two answers that an AI assistant could give to the same request from a user. ' +
      'Decide which answer serves the user better: it does what was asked, is correct, complete ' +
      'without padding, and clearly written. A longer answer is not better for being longer. ' +
      'The order in which the answers appear says nothing about their quality.',
    `[Request]\n${request}`,
    `[Answer 1]\n${first}`,
    `[Answer 2]\n${second}`,
    'First explain your comparison in a few sentences. Then write your decision on the last ' +
      'line, exactly as "Verdict: 1" if Answer 1 is better, "Verdict: 2" if Answer 2 is better, ' +
      'or "Verdict: tie" if neither is better.',
  ].join('\n\n');
}

const TIE_WORDS = String.raw`tie|tied|draw|equal|equally good|equally bad|both|neither|same`;
/** One label as judges write it: "1", "Answer 1", "[[2]]", "**Answer 2**", "(1)", "tie". */
const LABEL = String.raw`(?:the\s+|an?\s+)?(?:answer|response|output|assistant)?\s*[#\s*_"'\[(]*\s*(1|2|one|two|first|second|a|b|${TIE_WORDS})\b`;
const DECOR = String.raw`[\s*_"'\[(]*`;
const SECOND_LABEL = String.raw`(?:\s*(?:or|and|\/|,)\s*${DECOR}(?:answer|response)?\s*(1|2|a|b)\b)?`;

/** "Verdict: 1", "**Verdict:** Answer 2", "Final verdict = tie", "Verdict: [[1]]". */
const VERDICT_STATEMENT = new RegExp(
  String.raw`verdict\s*(?:\*\*|__)?\s*[:=]${DECOR}${LABEL}${SECOND_LABEL}`,
  'gi',
);
/** "Verdict: 3", "Verdict: C": a statement whose label is none of ours. */
const ANY_VERDICT = /verdict\s*(?:\*\*|__)?\s*[:=][\s*_"'[(]*([^\s*_"'\])]+)/gi;
/** Read only when there is no "Verdict:" at all: "Answer 2 is better", "I prefer answer 1". */
const FALLBACKS = [
  /\b(?:answer|response)\s*[[(]?(1|2)[\])]?\s+is\s+(?:clearly\s+|slightly\s+|much\s+)?(?:better|superior|preferable|the better one|more helpful|stronger)/gi,
  /\b(?:the\s+)?(first|second)\s+(?:answer|response)\s+is\s+(?:clearly\s+|slightly\s+|much\s+)?(?:better|superior|preferable|more helpful|stronger)/gi,
  /\bI\s+(?:would\s+)?(?:prefer|choose|pick)\s+(?:answer|response)\s*[[(]?(1|2)\b/gi,
  /\[\[(1|2|tie)\]\]/gi,
  /\b(?:both answers are equally|the answers are equally|it(?:'s| is) a tie)\b()/gi,
];

function labelOf(raw: string): PositionVerdict | null {
  const v = raw.toLowerCase();
  if (v === '1' || v === 'one' || v === 'first' || v === 'a') return 'first';
  if (v === '2' || v === 'two' || v === 'second' || v === 'b') return 'second';
  if (new RegExp(`^(?:${TIE_WORDS})$`).test(v) || v === '') return 'tie';
  return null;
}

function last(raw: string, patterns: RegExp[]): RegExpExecArray | null {
  let found: RegExpExecArray | null = null;
  for (const re of patterns)
    for (const m of raw.matchAll(re))
      if (!found || (m.index ?? 0) >= (found.index ?? 0)) found = m as RegExpExecArray;
  return found;
}

/**
 * The verdict in a judge's output. `finish` is the engine's finish reason: an output cut off
 * by the token limit before any verdict is 'truncated' (raise the judge's budget), not
 * 'no-verdict'.
 */
export function parseVerdict(raw: string, finish?: 'stop' | 'length' | 'abort'): ParsedVerdict {
  const statement = last(raw, [VERDICT_STATEMENT]);
  const any = last(raw, [ANY_VERDICT]);
  // A later "Verdict:" with a label we do not know overrides an earlier readable one.
  if (any && (!statement || (any.index ?? 0) > (statement.index ?? 0))) {
    return { ok: false, reason: 'unknown-label', raw };
  }
  const m = statement ?? last(raw, FALLBACKS);
  if (!m || m.index === undefined) {
    return { ok: false, reason: finish === 'length' ? 'truncated' : 'no-verdict', raw };
  }
  const verdict = labelOf(m[1] ?? '');
  if (!verdict) return { ok: false, reason: 'unknown-label', raw };
  if (m[2] !== undefined && labelOf(m[2]) !== verdict) return { ok: false, reason: 'several', raw };
  const reasoning = raw.slice(0, m.index).replace(/[\s*_#]+$/, '');
  return { ok: true, verdict, reasoning: reasoning.trim() };
}

/** A position verdict in terms of the models: in the A-first order, first = A. */
export function toModelVerdict(v: PositionVerdict, aShownFirst: boolean): 'a' | 'b' | 'tie' {
  if (v === 'tie') return 'tie';
  return (v === 'first') === aShownFirst ? 'a' : 'b';
}
