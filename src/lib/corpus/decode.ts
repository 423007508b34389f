// Text decoding for the readers: picks UTF-16 from the BOM or the NUL-byte pattern of
// BOM-less UTF-16, else the declared or detected 8-bit encoding (encoding.ts), refuses binary
// files that merely have a text extension, and decodes chunk by chunk, replacing invalid
// bytes with U+FFFD and counting them.
import { InputError } from '../protocol/errors';
import { chooseEncoding, type EncodingChoice, type TextEncoding } from './encoding';
import { concat, peek, type ByteSource } from './readers/bytes';

export type { EncodingChoice, TextEncoding };

/** How many bytes are inspected to decide encoding and binary-ness. */
export const SNIFF_BYTES = 8192;

export interface DecodeCounters {
  /** Invalid byte sequences replaced by U+FFFD (genuine U+FFFD in the input are not counted). */
  replacementChars: number;
}

/**
 * Decides the encoding from the first bytes, or returns 'binary'. A text file has no NUL
 * bytes (except as UTF-16 high/low bytes) and few C0 control characters.
 */
export function sniffEncoding(head: Uint8Array): TextEncoding | 'binary' {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  let evenNul = 0;
  let oddNul = 0;
  let controls = 0;
  for (let i = 0; i < head.length; i++) {
    const b = head[i];
    if (b === 0) {
      if (i % 2 === 0) evenNul++;
      else oddNul++;
    } else if (b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d && b !== 0x0c && b !== 0x1b) {
      controls++;
    }
  }
  const pairs = Math.max(1, Math.floor(head.length / 2));
  // Mostly-Latin UTF-16 has a NUL in nearly every high byte and almost none in low bytes.
  if (oddNul / pairs > 0.3 && evenNul / pairs < 0.05) return 'utf-16le';
  if (evenNul / pairs > 0.3 && oddNul / pairs < 0.05) return 'utf-16be';
  if (evenNul + oddNul > 0) return 'binary';
  if (head.length >= 32 && controls / head.length > 0.1) return 'binary';
  return 'utf-8';
}

/** The byte patterns of a genuine U+FFFD per encoding (so only replacements get counted). */
const FFFD_BYTES: Record<string, number[]> = {
  'utf-8': [0xef, 0xbf, 0xbd],
  'utf-16le': [0xfd, 0xff],
  'utf-16be': [0xff, 0xfd],
};

/** Counts genuine U+FFFD encodings in a byte stream, across chunk boundaries. */
class GenuineReplacementCounter {
  private carry = new Uint8Array(0);
  private position = 0;
  count = 0;
  private readonly pattern: number[] | undefined;
  constructor(private readonly encoding: string) {
    // Legacy encodings have no byte sequence for U+FFFD: every one is a replacement.
    this.pattern = FFFD_BYTES[encoding];
  }

  feed(chunk: Uint8Array): void {
    const pattern = this.pattern;
    if (!pattern) return;
    const last = pattern[pattern.length - 1];
    const bytes = this.carry.length ? joinTwo(this.carry, chunk) : chunk;
    const base = this.position - this.carry.length;
    // Only patterns that END inside this chunk are counted, so none is counted twice.
    let i = bytes.indexOf(last, this.carry.length ? this.carry.length : pattern.length - 1);
    while (i !== -1) {
      const start: number = i - pattern.length + 1;
      if (start >= 0 && pattern.every((b, k) => bytes[start + k] === b)) {
        if (this.encoding === 'utf-8' || (base + start) % 2 === 0) this.count++;
      }
      i = bytes.indexOf(last, i + 1);
    }
    this.position += chunk.length;
    this.carry = bytes.slice(Math.max(0, bytes.length - (pattern.length - 1)));
  }
}

function joinTwo(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function countChar(text: string, ch: string): number {
  let n = 0;
  for (let i = text.indexOf(ch); i !== -1; i = text.indexOf(ch, i + 1)) n++;
  return n;
}

export interface DecodeOptions {
  /** HTML/XML: honour a `<meta charset>` or `<?xml encoding?>` declaration in the first bytes. */
  markup?: boolean;
  /** A charset from outside the bytes (an HTTP Content-Type in a WARC record). */
  declared?: string;
  /** Called once the encoding is chosen. */
  onEncoding?: (choice: EncodingChoice) => void;
}

/**
 * Decodes a byte source to text chunks in its declared or detected encoding (encoding.ts).
 * Throws InputError for binary or empty files. `counters.replacementChars` grows as invalid
 * sequences are replaced.
 */
export async function* decodeText(
  source: ByteSource,
  file: string,
  counters: DecodeCounters,
  opts: DecodeOptions = {},
): AsyncGenerator<string> {
  const { head, rest } = await peek(source, SNIFF_BYTES);
  if (head.length === 0) throw new InputError('file is empty', { file });
  const layout = sniffEncoding(head);
  if (layout === 'binary') {
    throw new InputError(
      'looks like a binary file, not text (NUL or control bytes in the first 8 KB); ' +
        'check that the extension matches the content',
      { file },
    );
  }
  // A head of plain ASCII with no declaration says nothing about the rest: legacy text often
  // opens with ASCII (markup, headers, English boilerplate) and has its first accented byte
  // far in. ASCII reads the same in every 8-bit encoding we pick, so the choice waits for the
  // first byte >= 0x80 and is made on the bytes from there (issue 13 item 3).
  const first = chooseEncoding(head, layout, opts);
  const undecided = first.how === 'utf-8-valid' && firstHighByte(head) < 0;
  let decoder: TextDecoder | null = null;
  let genuine: GenuineReplacementCounter | null = null;
  const startCount = counters.replacementChars;
  let produced = 0;
  const start = (choice: EncodingChoice) => {
    opts.onEncoding?.(choice);
    // ignoreBOM:false makes the decoder drop a leading BOM for us.
    decoder = new TextDecoder(choice.encoding, { fatal: false, ignoreBOM: false });
    genuine = new GenuineReplacementCounter(choice.encoding);
    return decoder;
  };
  const decode = (bytes: Uint8Array, stream: boolean): string => {
    const d = decoder ?? start(first);
    if (bytes.length) genuine!.feed(bytes);
    const text = stream ? d.decode(bytes, { stream: true }) : d.decode(bytes);
    if (text.includes('\uFFFD')) produced += countChar(text, '\uFFFD');
    counters.replacementChars = Math.max(0, startCount + produced - genuine!.count);
    return text;
  };
  if (!undecided) start(first);
  const ascii = new TextDecoder('utf-8');
  // Bytes from the first high byte on, held until there are enough to judge (a multi-byte
  // UTF-8 sequence may be split across chunks).
  let held: Uint8Array[] = [];
  let heldBytes = 0;
  for await (const chunk of rest) {
    if (decoder) {
      const text = decode(chunk, true);
      if (text) yield text;
      continue;
    }
    if (heldBytes === 0) {
      const i = firstHighByte(chunk);
      if (i < 0) {
        yield ascii.decode(chunk);
        continue;
      }
      if (i > 0) yield ascii.decode(chunk.subarray(0, i));
      held = [chunk.subarray(i)];
      heldBytes = chunk.length - i;
    } else {
      held.push(chunk);
      heldBytes += chunk.length;
    }
    if (heldBytes < SNIFF_BYTES) continue;
    const window = concat(held);
    held = [];
    start(chooseEncoding(window, 'utf-8', {}));
    const text = decode(window, true);
    if (text) yield text;
  }
  if (!decoder && heldBytes > 0) {
    const window = concat(held);
    start(chooseEncoding(window, 'utf-8', {}));
    const text = decode(window, true);
    if (text) yield text;
  }
  const tail = decode(new Uint8Array(0), false);
  if (tail) yield tail;
}

function firstHighByte(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return i;
  return -1;
}

/** Decodes a whole in-memory body (a WARC record) the same way as decodeText. */
export function decodeBytes(
  bytes: Uint8Array,
  counters: DecodeCounters,
  opts: DecodeOptions = {},
): string {
  const layout = sniffEncoding(bytes.subarray(0, SNIFF_BYTES));
  const choice = chooseEncoding(
    bytes.subarray(0, SNIFF_BYTES),
    layout === 'binary' ? 'utf-8' : layout,
    opts,
  );
  opts.onEncoding?.(choice);
  const text = new TextDecoder(choice.encoding).decode(bytes);
  const genuine = new GenuineReplacementCounter(choice.encoding);
  genuine.feed(bytes);
  counters.replacementChars += Math.max(0, countChar(text, '\uFFFD') - genuine.count);
  return text;
}

/** A line of text with its 1-based line number. */
export interface NumberedLine {
  line: number;
  text: string;
}

/**
 * Splits decoded text into lines (LF or CRLF) without building the whole file.
 * `maxLineChars` bounds the memory one line may take.
 */
export async function* splitLines(
  chunks: AsyncIterable<string>,
  file: string,
  maxLineChars: number,
): AsyncGenerator<NumberedLine> {
  let partial = '';
  let line = 0;
  for await (const chunk of chunks) {
    let start = 0;
    let nl = chunk.indexOf('\n');
    while (nl !== -1) {
      const piece = partial + chunk.slice(start, nl);
      partial = '';
      line++;
      // Checked per line, not per chunk: one chunk can hold a line of any length.
      if (piece.length > maxLineChars) {
        throw new InputError(`line is longer than ${maxLineChars} characters`, { file, line });
      }
      yield { line, text: piece.endsWith('\r') ? piece.slice(0, -1) : piece };
      start = nl + 1;
      nl = chunk.indexOf('\n', start);
    }
    partial += chunk.slice(start);
    if (partial.length > maxLineChars) {
      throw new InputError(`line is longer than ${maxLineChars} characters`, {
        file,
        line: line + 1,
      });
    }
  }
  if (partial.length) yield { line: line + 1, text: partial };
}
