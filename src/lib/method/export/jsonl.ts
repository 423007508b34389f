// JSONL export in the three shapes fine-tuning tools read (issue 11 item 5): Alpaca fields
// (instruction, input, output), OpenAI chat `messages`, ShareGPT `conversations`
// (from: human/gpt). Optionally each record carries the paper's tagging sentence as a system
// message (§2.3: S_a for seed pairs, S_w for augmented ones; tagging.ts). Streamed: lines are
// encoded into one fixed buffer and handed out as chunks of at most `chunkBytes` (a single
// longer line goes out alone), so memory stays at one chunk whatever the export's size.
import { tagFor, taggedMessages } from '../tagging';
import type { Chunk, ExportRow, JsonlShape, PairSource } from './types';

export interface JsonlOptions {
  /** Add the origin's tagging sentence as a system message (Alpaca: a `system` field). */
  systemTags?: boolean;
  /** Largest chunk handed out (default 1 MiB). */
  chunkBytes?: number;
}

export const DEFAULT_CHUNK_BYTES = 1024 * 1024;

/** The user turn of a chat record: Alpaca's input goes under the instruction (as in training). */
export function userText(row: Pick<ExportRow, 'instruction' | 'input'>): string {
  return row.input ? `${row.instruction}\n\n${row.input}` : row.instruction;
}

/** One record of a shape, as an object (JSON.stringify gives the line). */
export function jsonlRecord(row: ExportRow, shape: JsonlShape, opts: JsonlOptions = {}): object {
  const tag = opts.systemTags ? tagFor(row.origin) : null;
  switch (shape) {
    case 'alpaca': {
      const rec: Record<string, string> = {
        instruction: row.instruction,
        input: row.input ?? '',
        output: row.output,
      };
      if (tag) rec.system = tag;
      return rec;
    }
    case 'openai': {
      const messages = taggedMessages(userText(row), row.output, tag ?? '');
      return { messages: tag ? messages : messages.slice(1) };
    }
    case 'sharegpt': {
      const conversations = [
        { from: 'human', value: userText(row) },
        { from: 'gpt', value: row.output },
      ];
      if (tag) conversations.unshift({ from: 'system', value: tag });
      return { conversations };
    }
  }
}

/** Encodes lines into chunks of at most `chunkBytes` bytes (or one longer line alone). */
export async function* chunkLines(
  lines: AsyncIterable<string>,
  chunkBytes = DEFAULT_CHUNK_BYTES,
): AsyncGenerator<Chunk> {
  const encoder = new TextEncoder();
  const buffer = new Uint8Array(chunkBytes);
  let used = 0;
  for await (const line of lines) {
    let { read, written } = encoder.encodeInto(line, buffer.subarray(used));
    if (read < line.length) {
      // Did not fit: hand out what is there and start the line again in an empty buffer.
      if (used > 0) yield buffer.slice(0, used);
      ({ read, written } = encoder.encodeInto(line, buffer));
      used = 0;
      if (read < line.length) {
        yield encoder.encode(line);
        continue;
      }
    }
    used += written;
  }
  if (used > 0) yield buffer.slice(0, used);
}

async function* lines(
  rows: PairSource<ExportRow>,
  shape: JsonlShape,
  opts: JsonlOptions,
): AsyncGenerator<string> {
  for await (const row of rows) yield JSON.stringify(jsonlRecord(row, shape, opts)) + '\n';
}

/** The JSONL file of a shape, streamed in chunks (pulls rows only as chunks are taken). */
export function jsonlChunks(
  rows: PairSource<ExportRow>,
  shape: JsonlShape,
  opts: JsonlOptions = {},
): AsyncGenerator<Chunk> {
  return chunkLines(lines(rows, shape, opts), opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
}
