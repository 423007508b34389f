// The decoded text of one entry, for every text reader: decodeText with the entry's
// counters, and one issue per entry when bytes had to be replaced with U+FFFD, naming the
// encoding used and how it was chosen (issue 13 item 3: the count used to be thrown away).
import { decodeText, type EncodingChoice } from '../decode';
import { reportIssue, type Entry, type ReadContext } from './context';

const HOW: Record<EncodingChoice['how'], string> = {
  bom: 'from its byte-order mark',
  'utf-16-pattern': 'from its byte pattern',
  declared: 'as declared',
  'utf-8-valid': 'as its first bytes are valid UTF-8',
  detected: 'as detected (no charset declared)',
  fallback: 'as the default for undeclared legacy text',
};

export function describeEncoding(choice: EncodingChoice): string {
  return `${choice.encoding} (${HOW[choice.how]}${choice.declared && choice.how !== 'declared' ? `; declared "${choice.declared}"` : ''})`;
}

/** Counts replacements of one entry and reports them as an issue once it is fully read. */
export async function* decodeEntry(
  entry: Entry,
  ctx: ReadContext,
  opts: { markup?: boolean } = {},
): AsyncGenerator<string> {
  const counters = { replacementChars: 0 };
  let choice: EncodingChoice | undefined;
  try {
    yield* decodeText(entry.bytes, entry.name, counters, {
      markup: opts.markup,
      onEncoding: (c) => (choice = c),
    });
  } finally {
    ctx.stats.replacementChars += counters.replacementChars;
  }
  reportReplacements(ctx, entry.name, counters.replacementChars, choice);
}

export function reportReplacements(
  ctx: ReadContext,
  source: string,
  count: number,
  choice: EncodingChoice | undefined,
  record?: number,
): void {
  if (!count) return;
  reportIssue(ctx, 'replacement-chars', {
    source,
    ...(record !== undefined ? { record } : {}),
    message:
      `${count} invalid byte sequence${count === 1 ? '' : 's'} replaced with U+FFFD` +
      (choice ? ` while decoding as ${describeEncoding(choice)}` : '') +
      '; re-save the file as UTF-8 if the text looks wrong',
  });
}
