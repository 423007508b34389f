// The OpenAI wire format as the server engine reads it: server-sent events of a streamed
// completion, and the checked shapes of the answers it needs (a malformed answer is a
// ServerError naming the URL and what was wrong, never an undefined deep in the pipeline).
import type { GenerateResult } from '../engine';
import { clip, malformed } from './http';

/** The JSON payloads of an SSE stream (`data: {...}` events) until `data: [DONE]`. */
export async function* sseEvents(
  body: ReadableStream<Uint8Array>,
  url: string,
): AsyncGenerator<unknown> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for (;;) {
      const { done, value } = await reader.read();
      buffer += done ? decoder.decode() : decoder.decode(value, { stream: true });
      // Events end with a blank line; \r\n and \r are line ends too (the SSE spec).
      const events = buffer.split(/\r\n\r\n|\n\n|\r\r/);
      buffer = done ? '' : (events.pop() ?? '');
      for (const event of events) {
        const data = event
          .split(/\r\n|\n|\r/)
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5).replace(/^ /, ''))
          .join('\n');
        if (!data) continue;
        if (data === '[DONE]') return;
        try {
          yield JSON.parse(data);
        } catch {
          throw malformed(url, `a stream event is not JSON: ${clip(data)}`);
        }
      }
      if (done) return;
    }
  } finally {
    reader.releaseLock();
    void body.cancel().catch(() => undefined);
  }
}

export interface StreamChunk {
  piece: string;
  finishReason: string | null;
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/** One streamed chunk of /chat/completions (delta.content) or /completions (text). */
export function readChunk(json: unknown, url: string): StreamChunk {
  const j = json as {
    choices?: { delta?: { content?: unknown }; text?: unknown; finish_reason?: unknown }[];
    usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
    error?: { message?: unknown };
  };
  if (j?.error)
    throw malformed(url, `the stream carried an error: ${clip(String(j.error.message))}`);
  if (!j || !Array.isArray(j.choices)) throw malformed(url, 'a stream chunk has no "choices"');
  const c = j.choices[0];
  const raw = c?.delta?.content ?? c?.text ?? '';
  if (typeof raw !== 'string') throw malformed(url, "a stream chunk's text is not a string");
  const finish = c?.finish_reason;
  const usage =
    j.usage &&
    typeof j.usage.prompt_tokens === 'number' &&
    typeof j.usage.completion_tokens === 'number'
      ? { prompt_tokens: j.usage.prompt_tokens, completion_tokens: j.usage.completion_tokens }
      : undefined;
  return { piece: raw, finishReason: typeof finish === 'string' ? finish : null, usage };
}

/**
 * OpenAI's finish reasons on the port's three: 'length' is the token limit; 'stop' (a stop
 * string or the end of turn), 'eos', 'content_filter' and 'tool_calls' all mean the model
 * ended; 'abort' (a server-side cancel) is the one the port calls abort.
 */
export function mapFinishReason(reason: string | null): GenerateResult['finishReason'] {
  if (reason === 'length') return 'length';
  if (reason === 'abort') return 'abort';
  return 'stop';
}

/** A token and its log-probability among the next token's top candidates. */
export interface TopToken {
  token: string;
  logprob: number;
}

/**
 * The first generated token's top candidates: chat answers carry
 * `logprobs.content[0].top_logprobs: [{token, logprob}]`, legacy completions carry
 * `logprobs.top_logprobs[0]: {token: logprob}`.
 */
export function readTopLogprobs(json: unknown, url: string): TopToken[] {
  const j = json as {
    choices?: {
      logprobs?: {
        content?: { top_logprobs?: unknown }[] | null;
        top_logprobs?: (Record<string, unknown> | null)[] | null;
      } | null;
    }[];
  };
  const lp = j?.choices?.[0]?.logprobs;
  if (!lp)
    throw malformed(
      url,
      'no "logprobs" in the answer; this server does not return log-probabilities, so it cannot score',
    );
  let tops: TopToken[] | null = null;
  const chat = lp.content?.[0]?.top_logprobs;
  if (Array.isArray(chat)) tops = chat as TopToken[];
  else if (lp.top_logprobs?.[0] && typeof lp.top_logprobs[0] === 'object') {
    tops = Object.entries(lp.top_logprobs[0]).map(([token, logprob]) => ({
      token,
      logprob: logprob as number,
    }));
  }
  if (!tops?.length) throw malformed(url, 'the answer\'s "logprobs" hold no top_logprobs');
  for (const t of tops)
    if (typeof t?.token !== 'string' || typeof t.logprob !== 'number' || Number.isNaN(t.logprob))
      throw malformed(url, 'a top_logprobs entry is not {token, logprob}');
  return tops;
}

/** The model ids of GET /models ({object: 'list', data: [{id, max_model_len?}]}). */
export function readModels(json: unknown, url: string): { id: string; contextLength?: number }[] {
  const data = (json as { data?: unknown })?.data;
  if (!Array.isArray(data)) throw malformed(url, 'the model list has no "data" array');
  return data.map((m: { id?: unknown; max_model_len?: unknown; context_length?: unknown }) => {
    if (typeof m?.id !== 'string') throw malformed(url, 'a model in the list has no "id"');
    const ctx = m.max_model_len ?? m.context_length;
    return { id: m.id, contextLength: typeof ctx === 'number' ? ctx : undefined };
  });
}
