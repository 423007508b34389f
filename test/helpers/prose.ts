// The one synthetic-prose generator for corpus fixtures: unit tests (test/unit/pipeline),
// Playwright e2e (test/e2e) and the browser ingest bench (test/bench/browser). Made-up words
// of 1–3 syllables in sentences, deterministic per seed with the app's own PRNG
// (mulberry32), so no data files live in the repo. Fresh words per sentence give varied text
// that passes the ingest length and repetition filters; TextPool draws from a fixed Zipf-like
// vocabulary and sentence pool instead, which looks more like real text and is fast enough to
// generate hundreds of megabytes. No Node imports: the bench runs it in the browser.
import { mulberry32 } from '../../src/lib/engines/generation/rng';

const ONSETS = ['b', 'c', 'd', 'f', 'g', 'h', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'w'];
const ONSET_CLUSTERS = ['st', 'tr', 'pl', 'gr', 'ch'];
const VOWELS = ['a', 'e', 'i', 'o', 'u', 'ea', 'io', 'ou'];
const CODAS = ['', '', 'n', 'r', 's', 't', 'l', 'nd', 'ck', 'st'];
const ALL_ONSETS = [...ONSETS, ...ONSET_CLUSTERS];

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

/** A made-up word of 1–3 syllables (onset, vowel, optional coda). */
export function randomWord(r: () => number): string {
  const syllables = 1 + Math.floor(r() * 3);
  let w = '';
  for (let k = 0; k < syllables; k++) w += pick(r, ALL_ONSETS) + pick(r, VOWELS) + pick(r, CODAS);
  return w;
}

export interface SentenceShape {
  minWords: number;
  maxWords: number;
  /** Share of sentences that end in '?' instead of '.'. */
  questions: number;
}

/** 7–15 words, statements only: the fixtures' default. */
const PLAIN: SentenceShape = { minWords: 7, maxWords: 15, questions: 0 };

/** One capitalised sentence of words from `word`, shaped by `shape`. */
export function sentence(
  r: () => number,
  word: () => string,
  shape: SentenceShape = PLAIN,
): string {
  const count = shape.minWords + Math.floor(r() * (shape.maxWords - shape.minWords + 1));
  const s = Array.from({ length: count }, word).join(' ');
  const end = shape.questions > 0 && r() < shape.questions ? '?' : '.';
  return s[0].toUpperCase() + s.slice(1) + end;
}

/** Varied prose of at least `chars` characters: sentences of fresh words from `r`. */
export function paragraph(r: () => number, chars: number): string {
  let out = '';
  while (out.length < chars) out += (out ? ' ' : '') + sentence(r, () => randomWord(r));
  return out;
}

/** `paragraph` seeded: the same seed always gives the same text. */
export function prose(seed: number, chars = 1200): string {
  return paragraph(mulberry32(seed), chars);
}

/** A fixed vocabulary with a Zipf-like draw, and a pool of distinct sentences from it. */
export class TextPool {
  private readonly sentences: string[];
  private readonly r: () => number;

  constructor(seed = 1, poolSize = 40_000) {
    const r = mulberry32(seed);
    this.r = r;
    const vocab = Array.from({ length: 6000 }, () => randomWord(r));
    // r()^2.2 skews draws to the start of the vocabulary: a few words are very common.
    const zipfWord = () => vocab[Math.floor(vocab.length * r() ** 2.2)];
    // Longer sentences than the default, one in ten a question: closer to web text.
    const shape = { minWords: 8, maxWords: 23, questions: 0.1 };
    this.sentences = Array.from({ length: poolSize }, () => sentence(r, zipfWord, shape));
  }

  paragraph(chars: number): string {
    let out = '';
    while (out.length < chars) out += (out ? ' ' : '') + pick(this.r, this.sentences);
    return out;
  }

  title(): string {
    return pick(this.r, this.sentences).split(' ').slice(0, 5).join(' ').replace(/[.?]$/, '');
  }
}
