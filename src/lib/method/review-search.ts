// Full-text search over a run's instructions and outputs for the Review screen (issue 11 §1),
// without keeping the passages in memory: an inverted index from each lower-cased word to the
// rows that contain it. A query matches a row when every query word starts a word of the row's
// instruction or output ("bake bre" finds "Baking bread"). Rows a person edited are matched
// against the words of their edited text instead (their postings describe the model's text).

/** Letters and digits in any script; everything else separates words. */
const WORD = /[\p{L}\p{N}]+/gu;

/**
 * A copy of `s` that holds no reference to a longer string: V8 represents a slice or a regex
 * match of 13+ characters as a view on its parent, which would keep a whole passage in memory
 * for as long as the row's preview or an index word lives.
 */
export function detach(s: string): string {
  return s.length < 13 ? s : (JSON.parse(JSON.stringify(s)) as string);
}

export function wordsOf(text: string): string[] {
  return text.toLowerCase().match(WORD) ?? [];
}

export class SearchIndex {
  /** word → row positions (ascending, each at most once); typed once compacted. */
  private readonly postings = new Map<string, number[] | Uint32Array>();
  /** Rows whose current text is not what the postings describe: their own word sets. */
  private readonly replaced = new Map<number, Set<string>>();
  private rows = 0;
  /** The index's words in code-unit order, listed once per change: a prefix is one range. */
  private vocabulary: string[] | null = null;

  get size(): number {
    return this.rows;
  }

  /** Indexes row `pos` (positions are added in increasing order). */
  add(pos: number, ...texts: string[]): void {
    for (const text of texts)
      for (const w of wordsOf(text)) {
        let list = this.postings.get(w);
        if (!list) {
          this.postings.set(detach(w), (list = []));
          this.vocabulary = null;
        } else if (list instanceof Uint32Array) {
          this.postings.set(w, (list = Array.from(list)));
        }
        if (list[list.length - 1] !== pos) (list as number[]).push(pos);
      }
    this.rows = Math.max(this.rows, pos + 1);
  }

  /**
   * Stores every list as a Uint32Array of its exact length: a JS array of small integers takes
   * 8 bytes an entry in Node (4 in Chrome) plus growth slack; this takes 4. Adding more rows
   * afterwards still works (a list turns back into an array when it grows).
   */
  compact(): void {
    for (const [w, list] of this.postings)
      if (!(list instanceof Uint32Array)) this.postings.set(w, Uint32Array.from(list));
  }

  /** Row `pos` now reads `texts` (an edit), or its original text again (undefined). */
  replace(pos: number, texts: string[] | undefined): void {
    if (texts) this.replaced.set(pos, new Set(texts.flatMap(wordsOf)));
    else this.replaced.delete(pos);
  }

  /** Positions of the rows matching every word of `query`, ascending; null for no query. */
  search(query: string): number[] | null {
    // At most 255 terms: hits counts them in bytes.
    const terms = [...new Set(wordsOf(query))].slice(0, 255);
    if (terms.length === 0) return null;
    // hits[pos] counts the query terms matched so far: a row passes term j only if it passed
    // the j before it, so a row matched twice by one term (two words with its prefix) counts once.
    const hits = new Uint8Array(this.rows);
    const words = (this.vocabulary ??= [...this.postings.keys()].sort());
    terms.forEach((term, j) => {
      for (let i = lowerBound(words, term); i < words.length && words[i].startsWith(term); i++)
        for (const pos of this.postings.get(words[i])!) if (hits[pos] === j) hits[pos] = j + 1;
    });
    const out: number[] = [];
    for (let pos = 0; pos < this.rows; pos++)
      if (hits[pos] === terms.length && !this.replaced.has(pos)) out.push(pos);
    for (const [pos, set] of this.replaced)
      if (terms.every((t) => [...set].some((w) => w.startsWith(t)))) out.push(pos);
    return out.sort((a, b) => a - b);
  }
}

/** The first index of `sorted` whose word is not below `word`. */
function lowerBound(sorted: readonly string[], word: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < word) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
