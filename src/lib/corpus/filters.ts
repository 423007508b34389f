// Quality filters for segments (method.md §2, App. E): drop segments under empty,
// all-capital or navigation headers, and segments made of repetitive sentences. The paper
// names the filters but gives no thresholds or word lists; the rules below are ours and
// are documented next to each function.
import { mix32 } from './hash';
import { labelPhrases, navigationFillerWords, sectionPhrases } from './navigation-words';

const wordPattern = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/** Lowercased NFKC words of a text (letters/digits runs, keeping "don't"-style contractions). */
export function words(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(wordPattern) ?? [];
}

/**
 * All-capital header (paper: "proportion of capitalized letters in the header"): every cased
 * letter is uppercase and there are at least 3 of them, so "FAQ" and "TABLE OF CONTENTS" are
 * dropped but "Q&A", "Intro to C" and headers in scripts without case (CJK) are not.
 */
export function isCapsHeader(header: string): boolean {
  let upper = 0;
  for (const ch of header) {
    const lower = ch.toLowerCase();
    const up = ch.toUpperCase();
    if (lower === up) continue; // digit, punctuation, uncased script
    if (ch !== up) return false; // a lowercase letter
    upper++;
  }
  return upper >= 3;
}

/**
 * Phrases that mark page chrome rather than content (paper's examples: "advertisement",
 * "forum", "quick link", "free newsletter"; the rest are the usual blog/CMS boilerplate, in
 * the common languages of web corpora: navigation-words.ts). Matched as whole normalised
 * word sequences.
 */
export const navigationPhrases: readonly string[] = [...labelPhrases, ...sectionPhrases];

export const navigationFillers: ReadonlySet<string> = new Set(navigationFillerWords);

type PhraseKind = 'label' | 'section';
interface TrieNode {
  end?: PhraseKind;
  next: Map<string, TrieNode>;
}
const phraseTrie = buildTrie();
function buildTrie(): TrieNode {
  const root: TrieNode = { next: new Map() };
  const add = (phrase: string, kind: PhraseKind): void => {
    let node = root;
    for (const w of words(phrase)) {
      let child = node.next.get(w);
      if (!child) node.next.set(w, (child = { next: new Map() }));
      node = child;
    }
    // A phrase listed as both kinds is a section (the stricter reading).
    if (node.end !== 'section') node.end = kind;
  };
  for (const p of labelPhrases) add(p, 'label');
  for (const p of sectionPhrases) add(p, 'section');
  return root;
}

/**
 * What kind of navigation header this is, if it is one: its words (numbers ignored) are
 * covered by navigation phrases (longest match first), and every word not in a phrase is a
 * filler. So "Related Posts", "Sign up for our newsletter", "Comments (3)" are navigation,
 * while "How to subscribe to a YouTube channel" or "The Roman Forum" are not. 'label' when
 * every matched phrase only labels a widget ("Share this", "Advertisement").
 */
export function navigationKind(header: string): PhraseKind | undefined {
  const tokens = words(header).filter((w) => !/^\d+$/.test(w));
  let kind: PhraseKind | undefined;
  for (let i = 0; i < tokens.length;) {
    let node: TrieNode | undefined = phraseTrie;
    let matchEnd = -1;
    let matchKind: PhraseKind | undefined;
    for (let j = i; j < tokens.length && node; j++) {
      node = node.next.get(tokens[j]);
      if (node?.end) {
        matchEnd = j + 1;
        matchKind = node.end;
      }
    }
    if (matchEnd > 0) {
      kind = kind === 'section' || matchKind === 'section' ? 'section' : 'label';
      i = matchEnd;
    } else if (navigationFillers.has(tokens[i])) {
      i++;
    } else {
      return undefined;
    }
  }
  return kind;
}

export function isNavigationHeader(header: string): boolean {
  return navigationKind(header) !== undefined;
}

/**
 * Sentences, for packing oversized paragraphs: split after . ! ? (and CJK equivalents)
 * followed by whitespace, and at line breaks.
 */
export function splitSentences(text: string): string[] {
  return text
    .split(/(?<=[.!?。！？])\s+|\n+/u)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const nonAsciiWordChar = new Map<number, boolean>();
/** Letter or digit (lowercase input); non-ASCII answers are cached per code unit. */
function isWordCode(c: number): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57);
  if (c >= 0xd800 && c <= 0xdfff) return true; // astral letters (surrogate halves)
  let known = nonAsciiWordChar.get(c);
  if (known === undefined) {
    known = /[\p{L}\p{N}\p{M}]/u.test(String.fromCharCode(c));
    nonAsciiWordChar.set(c, known);
  }
  return known;
}

const isSpaceCode = (c: number): boolean => c === 32 || (c >= 9 && c <= 13) || c === 160;
/** Sentence-final marks: . ! ? end a sentence before whitespace, 。！？ always. */
const isFullStop = (c: number): boolean => c === 46 || c === 33 || c === 63;
const isCjkStop = (c: number): boolean => c === 0x3002 || c === 0xff01 || c === 0xff1f;

/** Reusable work buffers of repeatedSentenceShare (grown on demand; JS is single-threaded). */
const work = {
  capacity: 0,
  slotKey: new Uint32Array(0),
  slotHead: new Int32Array(0),
  nextEntry: new Int32Array(0),
  entrySentence: new Int32Array(0),
  setSize: new Int32Array(0),
  shared: new Int32Array(0),
  touched: new Int32Array(0),
  repeated: new Uint8Array(0),
};

function reserve(chars: number): void {
  const maxGrams = (chars >> 1) + 2; // a word takes at least 2 chars with its separator
  if (work.entrySentence.length < maxGrams) {
    const size = Math.max(maxGrams, 1024);
    work.nextEntry = new Int32Array(size);
    work.entrySentence = new Int32Array(size);
    work.setSize = new Int32Array(size);
    work.shared = new Int32Array(size);
    work.touched = new Int32Array(size);
    work.repeated = new Uint8Array(size);
  }
  let capacity = 2048;
  while (capacity < maxGrams * 2) capacity *= 2;
  if (work.slotKey.length < capacity) {
    work.slotKey = new Uint32Array(capacity);
    work.slotHead = new Int32Array(capacity);
  }
  work.capacity = capacity;
  work.slotHead.fill(-1, 0, capacity);
}

/**
 * Share of a text's sentences that have a near-identical partner (paper: "n-gram Jaccard
 * similarity between sentence pairs", no thresholds given). Sentences (split after . ! ?
 * before whitespace, after 。！？, and at line breaks) of at least 3 words are compared by
 * their sets of word 3-grams; a sentence repeats when some other sentence reaches `jaccard`.
 * Returns 0 when fewer than 2 such sentences exist.
 *
 * One streaming pass, no per-sentence allocation: words are hashed in place, each 3-gram goes
 * into a 3-gram → sentences table (open addressing in typed arrays), and only the earlier
 * sentences that share a 3-gram with the current one are compared (pairs sharing none have
 * Jaccard 0). Linear in the text for ordinary prose, instead of quadratic in sentences.
 */
export function repeatedSentenceShare(text: string, jaccard: number): number {
  const s = text.toLowerCase();
  reserve(s.length);
  const { slotKey, slotHead, nextEntry, entrySentence, setSize, shared, touched, repeated } = work;
  const mask = work.capacity - 1;
  let sentences = 0;
  let entries = 0;
  let size = 0;
  let touchedCount = 0;
  let wordCount = 0;
  let w1 = 0;
  let w2 = 0;

  const addGram = (gram: number): void => {
    let slot = mix32(gram) & mask;
    while (slotHead[slot] !== -1 && slotKey[slot] !== gram) slot = (slot + 1) & mask;
    const head = slotHead[slot];
    if (head !== -1 && entrySentence[head] === sentences) return; // repeated within the sentence
    for (let e = head; e !== -1; e = nextEntry[e]) {
      const j = entrySentence[e];
      if (shared[j]++ === 0) touched[touchedCount++] = j;
    }
    slotKey[slot] = gram;
    entrySentence[entries] = sentences;
    nextEntry[entries] = head;
    slotHead[slot] = entries++;
    size++;
  };
  const endSentence = (): void => {
    if (size > 0) {
      setSize[sentences] = size;
      repeated[sentences] = 0;
      for (let t = 0; t < touchedCount; t++) {
        const j = touched[t];
        const both = shared[j];
        shared[j] = 0;
        if (both / (size + setSize[j] - both) >= jaccard) repeated[sentences] = repeated[j] = 1;
      }
      sentences++;
    }
    size = touchedCount = wordCount = 0;
  };

  let wordHash = 0x2f6b1d3c;
  let inWord = false;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 10;
    if (c < 128 ? (c >= 97 && c <= 122) || (c >= 48 && c <= 57) : isWordCode(c)) {
      wordHash = Math.imul(wordHash ^ c, 0x01000193); // FNV-1a while scanning
      inWord = true;
      continue;
    }
    if (inWord) {
      const h = mix32(wordHash);
      wordHash = 0x2f6b1d3c;
      inWord = false;
      if (++wordCount >= 3) addGram(mix32(w1 ^ Math.imul(w2, 31) ^ Math.imul(h, 961)));
      w1 = w2;
      w2 = h;
    }
    if (c === 10 || isCjkStop(c)) endSentence();
    else if (isFullStop(c) && (i + 1 >= s.length || isSpaceCode(s.charCodeAt(i + 1)))) {
      endSentence();
    }
  }
  if (sentences < 2) return 0;
  let count = 0;
  for (let i = 0; i < sentences; i++) count += repeated[i];
  return count / sentences;
}

/** Repetitive segment: the repeated-sentence share reaches `maxRepeatRatio` (App. E). */
export function isRepetitive(text: string, jaccard: number, maxRepeatRatio: number): boolean {
  return repeatedSentenceShare(text, jaccard) >= maxRepeatRatio;
}
