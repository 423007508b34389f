// HTTP to the user's OpenAI-compatible server: one attempt's timeout, retries with backoff on
// 429, 5xx, network errors and timeouts, the caller's AbortSignal, and errors as data that
// name the URL and the status (style.md §3.3). A streamed answer is retried only before its
// first byte: once tokens reached the caller, a retry would show them twice.
import { CancelledError, ServerError } from '../../protocol/errors';
import type { ResolvedServerSettings } from './settings';

const RETRY_STATUSES = new Set([408, 429, 500, 502, 503, 504]);
/** Longest wait a Retry-After header can ask for before we give up waiting (ms). */
const MAX_RETRY_AFTER_MS = 30_000;

export interface HttpCall {
  method: 'GET' | 'POST';
  path: string;
  body?: unknown;
  signal?: AbortSignal;
}

/** A response whose status was 2xx, with the controller that ends it (timeout, abort). */
export interface OpenResponse {
  url: string;
  response: Response;
  /** Call when done reading: clears the timeout and the abort listener. */
  close(): void;
  /** Call on every streamed chunk: the time limit counts from the last sign of life. */
  touch(): void;
  /** Whether the timeout (not the caller) ended the request. */
  timedOut(): boolean;
}

type Fetch = typeof fetch;

export class ServerHttp {
  constructor(
    private readonly settings: ResolvedServerSettings,
    private readonly fetchFn: Fetch = (...a) => fetch(...a),
  ) {}

  /** A 2xx response, after retries; the caller reads the body and then calls close(). */
  async open(call: HttpCall): Promise<OpenResponse> {
    const url = `${this.settings.baseUrl}${call.path}`;
    for (let attempt = 0; ; attempt++) {
      if (call.signal?.aborted) throw new CancelledError();
      const outcome = await this.attempt(url, call);
      if ('open' in outcome) return outcome.open;
      if (attempt >= this.settings.retries || !outcome.retry) throw outcome.error;
      await sleep(outcome.waitMs ?? this.settings.backoffMs * 2 ** attempt, call.signal);
    }
  }

  /** The JSON body of a 2xx answer (non-streaming calls). */
  async json(call: HttpCall): Promise<{ url: string; body: unknown }> {
    const open = await this.open(call);
    try {
      const text = await open.response.text();
      try {
        return { url: open.url, body: JSON.parse(text) };
      } catch {
        throw malformed(open.url, `not JSON: ${clip(text)}`);
      }
    } catch (err) {
      throw this.readError(err, open, call.signal);
    } finally {
      open.close();
    }
  }

  /** Maps an error while reading a body to CancelledError, a timeout or a network error. */
  readError(err: unknown, open: OpenResponse, signal?: AbortSignal): unknown {
    if (err instanceof ServerError || err instanceof CancelledError) return err;
    if (signal?.aborted) return new CancelledError();
    if (open.timedOut())
      return new ServerError(`${open.url} sent nothing for ${this.settings.timeoutMs} ms`, {
        url: open.url,
        status: 0,
      });
    return new ServerError(`${open.url}: the answer broke off (${describe(err)})`, {
      url: open.url,
      status: 0,
    });
  }

  private async attempt(
    url: string,
    call: HttpCall,
  ): Promise<{ open: OpenResponse } | { error: unknown; retry: boolean; waitMs?: number }> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const touch = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.settings.timeoutMs);
    };
    touch();
    const onAbort = () => controller.abort();
    call.signal?.addEventListener('abort', onAbort, { once: true });
    const close = () => {
      clearTimeout(timer);
      call.signal?.removeEventListener('abort', onAbort);
    };
    const headers: Record<string, string> = { Accept: 'application/json, text/event-stream' };
    if (call.body !== undefined) headers['Content-Type'] = 'application/json';
    if (this.settings.apiKey) headers.Authorization = `Bearer ${this.settings.apiKey}`;
    let response: Response;
    try {
      response = await this.fetchFn(url, {
        method: call.method,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        signal: controller.signal,
      });
    } catch (err) {
      close();
      if (call.signal?.aborted) return { error: new CancelledError(), retry: false };
      const error = timedOut
        ? new ServerError(`${url} sent nothing for ${this.settings.timeoutMs} ms`, {
            url,
            status: 0,
          })
        : new ServerError(
            `Cannot reach ${url} (${describe(err)}): is the server running, and does it allow ` +
              `this page's origin (CORS, e.g. vLLM --allowed-origins, OLLAMA_ORIGINS)?`,
            { url, status: 0 },
          );
      return { error, retry: true };
    }
    if (response.ok) return { open: { url, response, close, touch, timedOut: () => timedOut } };
    const detail = await response.text().catch(() => '');
    close();
    const error = statusError(url, response.status, serverMessage(detail), call.body);
    const retryAfter = Number(response.headers.get('Retry-After'));
    const waitMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? Math.min(retryAfter * 1000, MAX_RETRY_AFTER_MS)
        : undefined;
    return { error, retry: RETRY_STATUSES.has(response.status), waitMs };
  }
}

/** A specific message per status: what went wrong and what the user can do. */
function statusError(url: string, status: number, message: string, body: unknown): ServerError {
  const model = (body as { model?: unknown } | undefined)?.model;
  const said = message ? `: ${message}` : '';
  let text: string;
  if (status === 401 || status === 403)
    text = `${url} refused the API key (${status})${said}. Check the key in the server settings`;
  else if (status === 404 && typeof model === 'string')
    text = `${url} has no model "${model}" (404)${said}`;
  else if (status === 404)
    text = `${url} was not found (404)${said}. The base URL of an OpenAI-compatible server usually ends in /v1`;
  else if (status === 429) text = `${url} is rate-limiting requests (429)${said}`;
  else text = `${url} answered ${status}${said}`;
  return new ServerError(text, { url, status, serverMessage: message });
}

/** The `error.message` of an OpenAI-style error body, or the body's start. */
function serverMessage(text: string): string {
  try {
    const j = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof j.error === 'string') return j.error;
    if (typeof j.error?.message === 'string') return j.error.message;
    if (typeof j.message === 'string') return j.message;
  } catch {
    // not JSON: show its start
  }
  return clip(text);
}

export function malformed(url: string, what: string): ServerError {
  return new ServerError(`${url} sent an answer that is not in OpenAI's format: ${what}`, {
    url,
    status: 200,
  });
}

export function clip(text: string, n = 160): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return t.length > n ? `${t.slice(0, n)}…` : t;
}

function describe(err: unknown): string {
  const e = err as { message?: string; cause?: { code?: string; message?: string } };
  return e?.cause?.code ?? e?.cause?.message ?? e?.message ?? String(err);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
