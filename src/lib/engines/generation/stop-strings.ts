// Stop strings over streamed text. A stop string may arrive split across tokens, so text that
// could be the start of one is held back until it either completes (generation stops, the stop
// string is not emitted) or diverges (the held text is released).

export class StopMatcher {
  private text = '';
  private emitted = 0;
  private stoppedAt = -1;

  constructor(private readonly stops: string[]) {}

  get stopped(): boolean {
    return this.stoppedAt >= 0;
  }

  /** Full text up to (not including) the stop string. */
  get output(): string {
    return this.stoppedAt >= 0 ? this.text.slice(0, this.stoppedAt) : this.text;
  }

  /** Adds a piece of decoded text; returns what may be shown now. */
  push(piece: string): string {
    if (this.stopped) return '';
    this.text += piece;
    let hit = -1;
    for (const s of this.stops) {
      if (!s) continue;
      const i = this.text.indexOf(s, Math.max(0, this.emitted - s.length + 1));
      if (i >= 0 && (hit < 0 || i < hit)) hit = i;
    }
    if (hit >= 0) {
      this.stoppedAt = hit;
      const out = this.text.slice(this.emitted, hit);
      this.emitted = hit;
      return out;
    }
    const safe = this.text.length - this.longestPartialSuffix();
    const out = this.text.slice(this.emitted, safe);
    this.emitted = Math.max(this.emitted, safe);
    return out;
  }

  /** Releases held-back text at the end of generation. */
  flush(): string {
    if (this.stopped) return '';
    const out = this.text.slice(this.emitted);
    this.emitted = this.text.length;
    return out;
  }

  /** Length of the longest suffix of the text that is a proper prefix of a stop string. */
  private longestPartialSuffix(): number {
    let best = 0;
    for (const s of this.stops) {
      for (let n = Math.min(s.length - 1, this.text.length); n > best; n--) {
        if (this.text.endsWith(s.slice(0, n))) {
          best = n;
          break;
        }
      }
    }
    return best;
  }
}
