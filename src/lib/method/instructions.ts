// Cleaning and filtering the instructions the backward model writes (self-augmentation, §2.2).
// The paper keeps one generated instruction per segment and filters only by rating, but a small
// backward model fails in recognisable ways (method.md §9.3 and §12): it echoes the passage or
// the prompt, writes meta-instructions ("Write an instruction to ..."), or switches language. Those candidates cannot become good pairs, so they are dropped
// before rating and counted by reason, never silently (the Augment step shows the counts).
import { franc } from 'franc-min';
import {
  ces,
  dan,
  deu,
  eng,
  fin,
  fra,
  hun,
  ind,
  ita,
  nld,
  nob,
  pol,
  por,
  ron,
  rus,
  spa,
  swe,
  tur,
  ukr,
} from 'stopword';

export type InstructionIssue = 'empty' | 'too-short' | 'too-long' | 'meta' | 'echo' | 'language';

export const instructionIssues: readonly InstructionIssue[] = [
  'empty',
  'too-short',
  'too-long',
  'meta',
  'echo',
  'language',
];

export interface InstructionLimits {
  /** Shortest usable instruction in characters (after cleaning). */
  minChars: number;
  /** Longest usable instruction; Spico197's reimplementation keeps 10–800 (method.md §12). */
  maxChars: number;
  /** Share of the instruction's word 6-grams found verbatim in the passage that makes it an echo. */
  echoShare: number;
}

export const DEFAULT_INSTRUCTION_LIMITS: InstructionLimits = {
  minChars: 10,
  maxChars: 800,
  echoShare: 0.5,
};

/**
 * Labels a model puts before the instruction ("Question:", "Instruction:"), which are not part
 * of what a user would type. Only a leading label is removed.
 */
const LEADING_LABEL =
  /^\s*(?:#{1,4}\s*)?(?:\*\*)?(?:instruction|question|user|prompt|query|q)\s*(?:\*\*)?\s*[:：]\s*(?:\*\*)?\s*/i;

/** Where a model starts answering its own question or a new chat turn: cut there. */
const CONTINUATION_MARKERS = [
  /\n\s*(?:#{1,4}\s*)?(?:\*\*)?(?:answer|response|output|assistant|a)\s*(?:\*\*)?\s*[:：]/i,
  /\[\/?INST\]/,
  /<\|(?:im_end|eot_id|end|im_start|start_header_id)\|>/,
  /<\/s>/,
];

/** Normalises a raw generation to the instruction it holds (see the markers above). */
export function cleanInstruction(raw: string): string {
  let text = raw.replace(/\r\n?/g, '\n');
  let cut = text.length;
  for (const marker of CONTINUATION_MARKERS) {
    const m = marker.exec(text);
    if (m && m.index < cut) cut = m.index;
  }
  text = text.slice(0, cut).replace(LEADING_LABEL, '').trim();
  // One pair of wrapping quotes is formatting, not content.
  const quoted = /^(["“'«])([\s\S]*)(["”'»])$/.exec(text);
  if (quoted && quoted[2].trim() && !/["“”]/.test(quoted[2])) text = quoted[2].trim();
  return text.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n');
}

/**
 * Instructions about the generation task itself rather than a user's request: the backward
 * prompt leaking through ("Write the most likely question ..."), requests to write an
 * instruction or prompt, and references to a text the user would not have ("the passage
 * below", "this answer"): the output is the passage, so such an instruction cannot be answered
 * by it. "Write a question for a quiz about X" stays: that is a real request.
 */
const META_PATTERNS: RegExp[] = [
  // "Write an instruction to ..." (but "Write instructions for assembling a shelf" is a request).
  /\b(?:write|generate|create|produce|compose|come up with|give)\s+(?:me\s+)?(?:an?|the|one)\s+(?:[\w-]+\s+){0,2}?instruction\b(?!s)/i,
  /\b(?:question|instruction|prompt) that (?:would|could|might|will) (?:elicit|produce|lead to|result in)\b/i,
  /\bmost likely (?:question|instruction)\b/i,
  /\b(?:question|instruction) to which\b/i,
  /\bcandidate answer\b/i,
  /\bin the style of an AI Assistant\b/i,
  /\b(?:the|this|above|following|given|provided)\s+(?:text|passage|excerpt|article|answer|response|paragraph|document)\s+(?:below|above)\b/i,
  /\b(?:the|this)\s+(?:passage|excerpt|text|article|answer|response|paragraph)\s+(?:above|below|provided|given)\b/i,
  /\b(?:based on|according to|from|in|using)\s+(?:the|this)\s+(?:given|provided|following|above)?\s*(?:passage|excerpt|text|article|paragraph|answer|response)\b/i,
  /\bthe following (?:passage|excerpt|text|article|paragraph|answer|response)\b/i,
];

export function isMetaInstruction(instruction: string): boolean {
  return META_PATTERNS.some((re) => re.test(instruction));
}

const words = (s: string): string[] => s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? [];

function shingles(ws: string[], n: number): string[] {
  const out: string[] = [];
  for (let i = 0; i + n <= ws.length; i++) out.push(ws.slice(i, i + n).join(' '));
  return out;
}

/**
 * True when the instruction is mostly copied from the passage: at least `share` of its word
 * 6-grams occur verbatim in the passage. Short instructions (< 6 words) can quote a phrase of
 * the passage legitimately ("What is a 'root cellar'?") and are never echoes.
 */
export function isEcho(instruction: string, passage: string, share = 0.5): boolean {
  const grams = shingles(words(instruction), 6);
  if (!grams.length) return false;
  const inPassage = new Set(shingles(words(passage), 6));
  const copied = grams.filter((g) => inPassage.has(g)).length;
  return copied / grams.length >= share;
}

type Script =
  'latin' | 'cyrillic' | 'greek' | 'cjk' | 'hangul' | 'arabic' | 'hebrew' | 'indic' | 'thai';

const SCRIPTS: [Script, RegExp][] = [
  ['latin', /\p{Script=Latin}/u],
  ['cyrillic', /\p{Script=Cyrillic}/u],
  ['greek', /\p{Script=Greek}/u],
  ['cjk', /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u],
  ['hangul', /\p{Script=Hangul}/u],
  ['arabic', /\p{Script=Arabic}/u],
  ['hebrew', /\p{Script=Hebrew}/u],
  ['indic', /[\p{Script=Devanagari}\p{Script=Bengali}\p{Script=Tamil}\p{Script=Telugu}]/u],
  ['thai', /\p{Script=Thai}/u],
];

/** The writing system most letters of `text` use, or null when it has no letters we know. */
export function dominantScript(text: string): Script | null {
  const counts = new Map<Script, number>();
  for (const ch of text) {
    for (const [script, re] of SCRIPTS) {
      if (re.test(ch)) {
        counts.set(script, (counts.get(script) ?? 0) + 1);
        break;
      }
    }
  }
  let best: Script | null = null;
  for (const [script, n] of counts) if (best === null || n > counts.get(best)!) best = script;
  return best;
}

/**
 * Function-word lists (ISO 639-3 codes, as franc reports them) for the languages whose short
 * instructions we can judge. Tree-shaken named imports keep the rest of the package out of
 * the bundle.
 */
const FUNCTION_WORDS: Record<string, ReadonlySet<string>> = Object.fromEntries(
  Object.entries({
    eng,
    deu,
    fra,
    spa,
    ita,
    por,
    nld,
    swe,
    dan,
    nob,
    fin,
    pol,
    ces,
    hun,
    ron,
    tur,
    ind,
    rus,
    ukr,
  }).map(([code, list]) => [code, new Set(list)]),
);

/**
 * True when the instruction is confidently not in the passage's language. Trigram language
 * identification (franc) is reliable on a 600–3,000 character passage but not on a one-line
 * question (it ranks English 28th for "How do I fix a leaking tap?"), so the instruction is
 * judged by its function words instead: it counts as foreign when another language's list
 * matches at least two more of its words than the passage language's list. A different writing
 * system alone is enough. Without evidence (no function words, or a passage language without a
 * list) the instruction is kept: a wrong drop loses a pair for good.
 */
export function isOtherLanguage(instruction: string, passage: string): boolean {
  const a = dominantScript(instruction);
  const b = dominantScript(passage);
  if (a === null || b === null) return false;
  if (a !== b) return true;
  const own = FUNCTION_WORDS[franc(passage, { minLength: 50 })];
  if (!own) return false;
  const ws = words(instruction);
  const hits = (list: ReadonlySet<string>) => ws.filter((w) => list.has(w)).length;
  const ownHits = hits(own);
  for (const list of Object.values(FUNCTION_WORDS)) {
    if (list === own) continue;
    const other = hits(list);
    if (other >= 2 && other >= ownHits + 2) return true;
  }
  return false;
}

/**
 * The first problem that makes a generated instruction unusable for `passage`, or null. Checks
 * run cheapest first; the order also decides which reason a candidate with several is counted
 * under.
 */
export function instructionIssue(
  instruction: string,
  passage: string,
  limits: InstructionLimits = DEFAULT_INSTRUCTION_LIMITS,
): InstructionIssue | null {
  const text = instruction.trim();
  if (!text || !/[\p{L}\p{N}]/u.test(text)) return 'empty';
  if (text.length < limits.minChars) return 'too-short';
  if (text.length > limits.maxChars) return 'too-long';
  if (isMetaInstruction(text)) return 'meta';
  if (isEcho(text, passage, limits.echoShare)) return 'echo';
  if (isOtherLanguage(text, passage)) return 'language';
  return null;
}
