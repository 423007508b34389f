// Prompt sets for pairwise evaluation (issue 12 item 1): JSONL (one object per line), JSON (an
// array of objects or strings, or { prompts: [...] }) or TXT (one prompt per line). Objects
// carry the prompt as `prompt`, `instruction`, `text` or `question` (the names the common
// evaluation files use) and an optional `category`. Errors name the file and the line (JSONL,
// TXT) or record (JSON) and field, as every importer in the studio does.
import type { EvalPrompt } from '../domain';
import { InputError } from '../protocol/errors';

const TEXT_FIELDS = ['prompt', 'instruction', 'text', 'question'] as const;
const CATEGORY_FIELDS = ['category', 'dataset', 'kind'] as const;

/** Prompts longer than this are refused: they are files pasted by mistake, not prompts. */
export const MAX_PROMPT_CHARS = 20_000;

function promptOf(
  value: unknown,
  where: { file: string; line?: number; record?: number },
): EvalPrompt {
  if (typeof value === 'string') return checked({ text: value }, where);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new InputError('expected an object with a "prompt" field, or a string', where);
  const rec = value as Record<string, unknown>;
  const field = TEXT_FIELDS.find((f) => f in rec);
  if (!field)
    throw new InputError(`no prompt text: expected one of ${TEXT_FIELDS.join(', ')}`, {
      ...where,
      field: 'prompt',
    });
  const text = rec[field];
  if (typeof text !== 'string')
    throw new InputError(`"${field}" must be a string, got ${typeof text}`, { ...where, field });
  const catField = CATEGORY_FIELDS.find((f) => rec[f] !== undefined && rec[f] !== null);
  const category = catField ? rec[catField] : undefined;
  if (category !== undefined && typeof category !== 'string')
    throw new InputError(`"${catField}" must be a string, got ${typeof category}`, {
      ...where,
      field: catField,
    });
  return checked(
    { text, ...(category?.trim() ? { category: category.trim() } : {}) },
    where,
    field,
  );
}

function checked(
  p: EvalPrompt,
  where: { file: string; line?: number; record?: number },
  field = 'prompt',
): EvalPrompt {
  const text = p.text.trim();
  if (!text) throw new InputError('the prompt is empty', { ...where, field });
  if (text.length > MAX_PROMPT_CHARS)
    throw new InputError(`the prompt has ${text.length} characters (at most ${MAX_PROMPT_CHARS})`, {
      ...where,
      field,
    });
  return { ...p, text };
}

function parseJson(text: string, file: string, line?: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`not valid JSON (${(err as Error).message})`, { file, line });
  }
}

/** The prompts of a prompt-set file; the format follows the extension (.jsonl, .json, else TXT). */
export function parsePromptSet(file: string, text: string): EvalPrompt[] {
  const body = text.replace(/^\uFEFF/, '');
  const lower = file.toLowerCase();
  let prompts: EvalPrompt[];
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) {
    prompts = [];
    body.split(/\r?\n/).forEach((raw, i) => {
      if (!raw.trim()) return;
      prompts.push(promptOf(parseJson(raw, file, i + 1), { file, line: i + 1 }));
    });
  } else if (lower.endsWith('.json')) {
    const data = parseJson(body, file);
    const list =
      data && typeof data === 'object' && !Array.isArray(data)
        ? (data as { prompts?: unknown }).prompts
        : data;
    if (!Array.isArray(list))
      throw new InputError('expected an array of prompts (or an object with "prompts")', { file });
    prompts = list.map((v, i) => promptOf(v, { file, record: i + 1 }));
  } else {
    prompts = [];
    body.split(/\r?\n/).forEach((raw, i) => {
      if (raw.trim()) prompts.push(checked({ text: raw }, { file, line: i + 1 }));
    });
  }
  if (!prompts.length) throw new InputError('the file holds no prompts', { file });
  return prompts;
}
