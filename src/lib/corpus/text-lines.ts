// Line helpers of the Markdown and plain-text paths, written as loops because the regular
// expressions they replace backtrack quadratically (issue 13 item 1): /[ \t]+$/m on a long
// run of blanks inside a line took 36 s for 40,000 characters, and the ATX header pattern
// took 6 s on a 40,000-character header line of spaces. Each helper is one pass per line.

const isBlank = (c: number): boolean => c === 32 || c === 9;

/** The line without trailing spaces and tabs. */
export function trimEndBlanks(line: string): string {
  let end = line.length;
  while (end > 0 && isBlank(line.charCodeAt(end - 1))) end--;
  return end === line.length ? line : line.slice(0, end);
}

/** Lines → text with trailing blanks removed and runs of blank lines collapsed to one break. */
export function linesToText(lines: string[]): string {
  const out: string[] = [];
  let blankRun = 0;
  for (const raw of lines) {
    const line = trimEndBlanks(raw);
    if (line.length === 0) {
      // At most one empty line (a paragraph break) between two lines of text.
      if (blankRun++ === 0) out.push(line);
      continue;
    }
    blankRun = 0;
    out.push(line);
  }
  return out.join('\n').trim();
}

/**
 * A CommonMark ATX header (`## Title ##`): up to 3 spaces, 1-6 `#`, then a blank or the end;
 * an optional closing run of `#` after a blank is dropped. Undefined when not a header.
 */
export function parseAtxHeader(line: string): { level: number; text: string } | undefined {
  let i = 0;
  while (i < 3 && line.charCodeAt(i) === 32) i++;
  let level = 0;
  while (line.charCodeAt(i + level) === 35) level++;
  if (level < 1 || level > 6) return undefined;
  const start = i + level;
  if (start < line.length && !isBlank(line.charCodeAt(start))) return undefined; // "#tag"
  let end = line.length;
  while (end > start && isBlank(line.charCodeAt(end - 1))) end--;
  let k = end;
  while (k > start && line.charCodeAt(k - 1) === 35) k--;
  if (k < end && (k === start || isBlank(line.charCodeAt(k - 1)))) end = k;
  return { level, text: line.slice(start, end).trim() };
}
