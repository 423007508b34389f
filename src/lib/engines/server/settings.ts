// Settings of the server engine, and what the UI must show before anything is sent: the one
// origin the user's data goes to and every request this engine makes (README "Privacy").
// The engine is off by default: nothing here runs until the user types a URL and picks it.
import { InputError } from '../../protocol/errors';

/**
 * How a chat prompt continues an assistant turn that already started (GenerateRequest /
 * ScoreRequest `assistantPrefix`; fast curation scores the digit after "Score:", method.md §4):
 * - 'continue-final-message': send the prefix as a final assistant message with vLLM's
 *   `continue_final_message: true, add_generation_prompt: false` (vLLM and SGLang take these;
 *   a server that ignores them would answer a new turn instead, so pick it only for them);
 * - 'chat-template': render the chat with `chatTemplate` (the model's Jinja template from its
 *   tokenizer_config.json) plus the prefix, and send the text to `/completions`;
 * - 'refuse': requests with an assistantPrefix fail with an InputError that says why.
 */
export type PrefillMode = 'continue-final-message' | 'chat-template' | 'refuse';

export interface ServerSettings {
  /** The OpenAI-compatible base URL, e.g. http://localhost:8000/v1 (vLLM), .../v1 (llama.cpp, Ollama). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …`; held in memory only, never stored. */
  apiKey?: string;
  /** Requests in flight at once during generateBatch (default 4). */
  concurrency?: number;
  /** Retries after a 429, a 5xx, a network error or a timeout (default 3). */
  retries?: number;
  /** First backoff in ms, doubled per retry; a Retry-After header wins (default 500). */
  backoffMs?: number;
  /**
   * How long to wait for an answer in ms (default 120 000): for its headers, for a whole
   * non-streamed answer, and between two chunks of a streamed one (a long generation that
   * keeps streaming never times out).
   */
  timeoutMs?: number;
  /**
   * Whether to send `top_k` (vLLM, llama.cpp, Ollama and SGLang take it; OpenAI's own API does
   * not). When false, a request with topK is refused rather than silently run without it.
   */
  sendTopK?: boolean;
  /** How many `top_logprobs` to ask for when scoring (default 20, OpenAI's and vLLM's cap). */
  topLogprobs?: number;
  /** See PrefillMode (default 'continue-final-message'). */
  prefill?: PrefillMode;
  /** The model's chat template (Jinja) for prefill 'chat-template', with its special tokens. */
  chatTemplate?: { template: string; bosToken?: string; eosToken?: string };
}

export type ResolvedServerSettings = Required<Omit<ServerSettings, 'apiKey' | 'chatTemplate'>> &
  Pick<ServerSettings, 'apiKey' | 'chatTemplate'>;

export const SERVER_DEFAULTS = {
  concurrency: 4,
  retries: 3,
  backoffMs: 500,
  timeoutMs: 120_000,
  sendTopK: true,
  topLogprobs: 20,
  prefill: 'continue-final-message',
} as const satisfies Partial<ServerSettings>;

/** The base URL as typed, checked: http(s), no query or fragment, no trailing slash. */
export function normalizeBaseUrl(typed: string): string {
  let url: URL;
  try {
    url = new URL(typed.trim());
  } catch {
    throw new InputError(`"${typed}" is not a URL (e.g. http://localhost:8000/v1)`, {
      field: 'serverUrl',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InputError(
      `The server URL must start with http:// or https://, not ${url.protocol}`,
      {
        field: 'serverUrl',
      },
    );
  if (url.search || url.hash)
    throw new InputError('The server URL takes no query (?…) or fragment (#…)', {
      field: 'serverUrl',
    });
  if (url.username || url.password)
    throw new InputError('Put the API key in its own field, not in the URL', {
      field: 'serverUrl',
    });
  return url.href.replace(/\/+$/, '');
}

export function resolveSettings(s: ServerSettings): ResolvedServerSettings {
  const r = { ...SERVER_DEFAULTS, ...dropUndefined(s), baseUrl: normalizeBaseUrl(s.baseUrl) };
  for (const key of ['concurrency', 'topLogprobs'] as const)
    if (!Number.isInteger(r[key]) || r[key] < 1)
      throw new InputError(`${key} must be a whole number ≥ 1`, { field: key });
  for (const key of ['retries', 'backoffMs', 'timeoutMs'] as const)
    if (!Number.isFinite(r[key]) || r[key] < 0)
      throw new InputError(`${key} must be a number ≥ 0`, { field: key });
  if (r.prefill === 'chat-template' && !r.chatTemplate?.template)
    throw new InputError("prefill 'chat-template' needs the model's chat template", {
      field: 'chatTemplate',
    });
  return r;
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Where the data goes, for the UI's notice: the origin, and whether it is this machine. */
export interface ServerDestination {
  origin: string;
  /** localhost, 127.0.0.0/8 or [::1]: the data stays on this machine (but leaves the browser). */
  thisMachine: boolean;
  /** Plain http to another machine: prompts and API key cross the network unencrypted. */
  unencrypted: boolean;
}

export function serverDestination(baseUrl: string): ServerDestination {
  const url = new URL(normalizeBaseUrl(baseUrl));
  const host = url.hostname;
  const thisMachine =
    host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '[::1]';
  return { origin: url.origin, thisMachine, unencrypted: url.protocol === 'http:' && !thisMachine };
}

/** Every request the server engine makes, for the privacy notice (README "Privacy" lists them). */
export const SERVER_REQUESTS: readonly { request: string; sends: string; when: string }[] = [
  { request: 'GET <base>/models', sends: 'the API key', when: 'on load (checks the model)' },
  {
    request: 'POST <base>/chat/completions',
    sends: 'chat prompts (your segments, instructions, answers), sampling settings, the API key',
    when: 'generating or scoring a chat prompt',
  },
  {
    request: 'POST <base>/completions',
    sends: 'raw prompts, or chat prompts rendered with the chat template, the API key',
    when: 'generating or scoring a text prompt',
  },
];
