// Seed import: (instruction, output) pairs for the seed set (method.md §2, "Seed": first
// turns of conversations). Recognises the common shapes — Alpaca, OpenAI messages,
// ShareGPT, prompt/response, Dolly — detected per file from its first records, or an
// explicit field mapping. Every bad record is reported by line; good ones are kept.
import { InputError } from '../../protocol/errors';
import type {
  NewSeedPair,
  SeedDuplicate,
  SeedFieldMapping,
  SeedLineError,
  SeedShape,
} from '../../domain/seeds';
import { listFields } from '../readers/fields';
import { readSeedRecords } from './records';

export type { NewSeedPair, SeedFieldMapping, SeedShape };

export interface SeedImportOptions {
  mapping?: SeedFieldMapping;
  /** How many pairs to return in `preview` (default 5). */
  previewSize?: number;
  /** Leave out pairs identical to an earlier one in the file (default true). */
  skipDuplicates?: boolean;
}

export interface SeedImportResult {
  pairs: NewSeedPair[];
  errors: SeedLineError[];
  /** Pairs equal (instruction, input, output) to an earlier pair of the file. */
  duplicates: SeedDuplicate[];
  shape: SeedShape;
  /** The mapping used for flat shapes (shown to the user so they can correct it). */
  mapping?: SeedFieldMapping;
  preview: NewSeedPair[];
}

/** Flat shapes, most specific first: their field names decide detection. */
const FLAT_SHAPES: { shape: SeedShape; mapping: SeedFieldMapping }[] = [
  { shape: 'dolly', mapping: { instruction: 'instruction', input: 'context', output: 'response' } },
  { shape: 'alpaca', mapping: { instruction: 'instruction', input: 'input', output: 'output' } },
  { shape: 'prompt-response', mapping: { instruction: 'prompt', output: 'response' } },
  { shape: 'prompt-response', mapping: { instruction: 'prompt', output: 'completion' } },
  { shape: 'prompt-response', mapping: { instruction: 'question', output: 'answer' } },
];

const DETECT_RECORDS = 20;
const USER_ROLES = ['user', 'human'];
const ASSISTANT_ROLES = ['assistant', 'gpt', 'chatgpt', 'bot', 'model'];

type Extracted = { instruction: string; input?: string; output: string } | SeedLineError;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

interface Detected {
  shape: SeedShape;
  mapping?: SeedFieldMapping;
}

function detectShape(values: unknown[], file: string): Detected {
  const sample = values.filter(isObject).slice(0, DETECT_RECORDS);
  const votes = new Map<string, { detected: Detected; count: number }>();
  const vote = (key: string, detected: Detected) => {
    const v = votes.get(key) ?? { detected, count: 0 };
    v.count++;
    votes.set(key, v);
  };
  for (const rec of sample) {
    if (Array.isArray(rec.messages)) vote('openai', { shape: 'openai-messages' });
    else if (Array.isArray(rec.conversations)) vote('sharegpt', { shape: 'sharegpt' });
    else {
      const flat = FLAT_SHAPES.find((s) => s.mapping.instruction in rec && s.mapping.output in rec);
      if (flat) vote(`${flat.mapping.instruction}/${flat.mapping.output}`, flat);
    }
  }
  const best = [...votes.values()].sort((a, b) => b.count - a.count)[0];
  if (!best) {
    const keys = [...new Set(sample.flatMap((r) => Object.keys(r)))];
    throw new InputError(
      'could not recognise the seed format (expected Alpaca instruction/input/output, OpenAI ' +
        'messages, ShareGPT conversations, prompt/response, prompt/completion, question/answer ' +
        `or Dolly instruction/context/response); fields found: ${listFields(keys)}. ` +
        'Map the instruction and output fields by hand.',
      { file },
    );
  }
  return best.detected;
}

function text(
  rec: Record<string, unknown>,
  field: string,
  line: number,
  role: 'instruction' | 'input' | 'output',
): string | SeedLineError | undefined {
  const required = role !== 'input';
  const v = rec[field];
  if (v === undefined || v === null) {
    return required ? { line, field, message: `missing field "${field}"` } : undefined;
  }
  if (typeof v !== 'string') {
    return { line, field, message: `field "${field}" should be text, got ${typeof v}` };
  }
  const t = v.trim();
  if (!t && required) return { line, field, message: `empty ${role} (field "${field}")` };
  return t || undefined;
}

function extractFlat(rec: Record<string, unknown>, m: SeedFieldMapping, line: number): Extracted {
  const instruction = text(rec, m.instruction, line, 'instruction');
  if (typeof instruction !== 'string') return instruction as SeedLineError;
  const output = text(rec, m.output, line, 'output');
  if (typeof output !== 'string') return output as SeedLineError;
  const input = m.input ? text(rec, m.input, line, 'input') : undefined;
  if (input !== undefined && typeof input !== 'string') return input;
  return input ? { instruction, input, output } : { instruction, output };
}

/** Part types that carry text; image, audio and tool parts contribute none. */
const TEXT_PART_TYPES = ['text', 'input_text', 'output_text'];

/**
 * Message content is a string or a list of parts, `[{type: 'text', text}]` (OpenAI) or
 * `[{type: 'text', value}]` (several exports); text parts are joined by newlines.
 */
function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content.trim();
  if (Array.isArray(content)) {
    const parts: string[] = [];
    for (const p of content) {
      if (typeof p === 'string') parts.push(p);
      else if (isObject(p) && (p.type === undefined || TEXT_PART_TYPES.includes(String(p.type)))) {
        const body = typeof p.text === 'string' ? p.text : p.value;
        if (typeof body === 'string') parts.push(body);
      }
    }
    return parts.join('\n').trim();
  }
  return undefined;
}

/** First user turn and the first assistant reply after it (the paper's "first turn"). */
function extractTurns(
  turns: unknown,
  field: 'messages' | 'conversations',
  roleKey: 'role' | 'from',
  bodyKey: 'content' | 'value',
  line: number,
): Extracted {
  if (!Array.isArray(turns)) {
    return { line, field, message: `field "${field}" should be a list of turns` };
  }
  const role = (t: unknown) => (isObject(t) ? String(t[roleKey] ?? '').toLowerCase() : '');
  const userAt = turns.findIndex((t) => USER_ROLES.includes(role(t)));
  if (userAt === -1) return { line, field, message: `no user turn in "${field}"` };
  const replyAt = turns.findIndex((t, i) => i > userAt && ASSISTANT_ROLES.includes(role(t)));
  if (replyAt === -1) {
    return { line, field, message: `no assistant reply after the first user turn in "${field}"` };
  }
  const instruction = contentText((turns[userAt] as Record<string, unknown>)[bodyKey]);
  const output = contentText((turns[replyAt] as Record<string, unknown>)[bodyKey]);
  if (instruction === undefined || output === undefined) {
    return { line, field, message: `turn "${bodyKey}" should be text` };
  }
  if (!instruction) return { line, field, message: 'empty instruction (first user turn)' };
  if (!output) return { line, field, message: 'empty output (first assistant reply)' };
  return { instruction, output };
}

function extract(rec: unknown, d: Detected, line: number): Extracted {
  if (!isObject(rec)) return { line, message: 'record should be an object' };
  switch (d.shape) {
    case 'openai-messages':
      return extractTurns(rec.messages, 'messages', 'role', 'content', line);
    case 'sharegpt':
      return extractTurns(rec.conversations, 'conversations', 'from', 'value', line);
    default:
      return extractFlat(rec, d.mapping as SeedFieldMapping, line);
  }
}

/** Parses a seed file; throws InputError only when nothing in it can be used. */
export async function importSeeds(
  file: Blob & { name: string },
  opts: SeedImportOptions = {},
): Promise<SeedImportResult> {
  const errors: SeedLineError[] = [];
  const records = await readSeedRecords(file, errors);
  const detected: Detected = opts.mapping
    ? { shape: 'custom', mapping: opts.mapping }
    : detectShape(
        records.map((r) => r.value),
        file.name,
      );
  const pairs: NewSeedPair[] = [];
  const duplicates: SeedDuplicate[] = [];
  const firstLine = new Map<string, number>();
  const skip = opts.skipDuplicates ?? true;
  for (const { line, value } of records) {
    const got = extract(value, detected, line);
    if ('message' in got) {
      errors.push(got);
      continue;
    }
    // The same pair twice weighs it twice in fine-tuning: reported, and skipped by default.
    const key = JSON.stringify([got.instruction, got.input ?? '', got.output]);
    const first = firstLine.get(key);
    if (first !== undefined) {
      duplicates.push({ line, firstLine: first });
      if (skip) continue;
    } else firstLine.set(key, line);
    pairs.push({ ...got, source: file.name });
  }
  errors.sort((a, b) => a.line - b.line);
  return {
    pairs,
    errors,
    duplicates,
    shape: detected.shape,
    mapping: detected.mapping,
    preview: pairs.slice(0, opts.previewSize ?? 5),
  };
}
