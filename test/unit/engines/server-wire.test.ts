// The server engine's pure parts: the SSE reader however the bytes are split, the rating
// digit's log-probability from a top list (leading spaces, duplicates, the floor), and the
// settings' checks and privacy notice (which origin data goes to).
import { describe, expect, it } from 'vitest';
import { continuationLogprobs } from '../../../src/lib/engines/server/server-engine';
import {
  normalizeBaseUrl,
  resolveSettings,
  serverDestination,
  SERVER_REQUESTS,
} from '../../../src/lib/engines/server/settings';
import { readTopLogprobs, sseEvents } from '../../../src/lib/engines/server/wire';

function streamOf(text: string, chunkBytes: number): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + chunkBytes));
      at += chunkBytes;
    },
  });
}

async function collect(text: string, chunkBytes: number): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const e of sseEvents(streamOf(text, chunkBytes), 'http://x/v1/completions'))
    out.push(e);
  return out;
}

describe('sseEvents', () => {
  const wire =
    ': keep-alive comment\n\n' +
    'data: {"choices":[{"text":"héllo"}]}\n\n' +
    'event: message\r\ndata: {"choices":\r\ndata: [{"text":" wörld"}]}\r\n\r\n' +
    'data: [DONE]\n\n' +
    'data: {"never":"read"}\n\n';

  it('gives the same events whatever the byte boundaries (multi-byte UTF-8, CRLF, multi-line data)', async () => {
    const expected = [{ choices: [{ text: 'héllo' }] }, { choices: [{ text: ' wörld' }] }];
    for (const n of [1, 2, 3, 7, 1000]) expect(await collect(wire, n)).toEqual(expected);
  });

  it('a stream without [DONE] ends at its last event; a non-JSON event is a malformed answer', async () => {
    expect(await collect('data: {"a":1}\n\ndata: {"b":2}', 4)).toEqual([{ a: 1 }, { b: 2 }]);
    await expect(collect('data: {"a":\n\n', 5)).rejects.toThrow(
      /http:\/\/x\/v1\/completions sent an answer that is not in OpenAI's format: a stream event is not JSON/,
    );
  });
});

describe('continuationLogprobs', () => {
  it('matches tokens without their spaces, adds duplicates, and floors what is missing', () => {
    const tops = [
      { token: ' 4', logprob: Math.log(0.5) },
      { token: '4', logprob: Math.log(0.1) },
      { token: ' 3', logprob: Math.log(0.2) },
      { token: ' The', logprob: Math.log(0.05) },
    ];
    const [one, three, four] = continuationLogprobs(tops, ['1', '3', '4']);
    expect(four).toBeCloseTo(Math.log(0.6), 12);
    expect(three).toBeCloseTo(Math.log(0.2), 12);
    // Missing: at most the least listed probability.
    expect(one).toBeCloseTo(Math.log(0.05), 12);
  });

  it('reads both answer shapes, and says so when a server sends no logprobs', () => {
    const chat = {
      choices: [{ logprobs: { content: [{ top_logprobs: [{ token: '1', logprob: -0.1 }] }] } }],
    };
    const legacy = { choices: [{ logprobs: { top_logprobs: [{ ' 2': -0.3, ' 5': -2 }] } }] };
    expect(readTopLogprobs(chat, 'u')).toEqual([{ token: '1', logprob: -0.1 }]);
    expect(readTopLogprobs(legacy, 'u')).toEqual([
      { token: ' 2', logprob: -0.3 },
      { token: ' 5', logprob: -2 },
    ]);
    expect(() => readTopLogprobs({ choices: [{ text: '3' }] }, 'http://h/v1/completions')).toThrow(
      /does not return log-probabilities, so it cannot score/,
    );
  });
});

describe('server settings', () => {
  it('checks the base URL and names the field', () => {
    expect(normalizeBaseUrl(' http://localhost:8000/v1/ ')).toBe('http://localhost:8000/v1');
    for (const bad of [
      'localhost:8000',
      'ftp://h/v1',
      'http://h/v1?x=1',
      'http://u:p@h/v1',
      'nope',
    ])
      expect(() => normalizeBaseUrl(bad)).toThrow(expect.objectContaining({ field: 'serverUrl' }));
  });

  it('fills defaults and refuses impossible limits', () => {
    expect(resolveSettings({ baseUrl: 'http://h/v1' })).toMatchObject({
      concurrency: 4,
      retries: 3,
      topLogprobs: 20,
      prefill: 'continue-final-message',
      sendTopK: true,
    });
    expect(() => resolveSettings({ baseUrl: 'http://h/v1', concurrency: 0 })).toThrow(
      expect.objectContaining({ field: 'concurrency' }),
    );
    expect(() => resolveSettings({ baseUrl: 'http://h/v1', prefill: 'chat-template' })).toThrow(
      expect.objectContaining({ field: 'chatTemplate' }),
    );
  });

  it('says where the data goes: this machine, or another one and whether unencrypted', () => {
    expect(serverDestination('http://localhost:8000/v1')).toEqual({
      origin: 'http://localhost:8000',
      thisMachine: true,
      unencrypted: false,
    });
    expect(serverDestination('http://127.0.0.1:11434/v1').thisMachine).toBe(true);
    expect(serverDestination('http://gpu-box.lan:8000/v1')).toEqual({
      origin: 'http://gpu-box.lan:8000',
      thisMachine: false,
      unencrypted: true,
    });
    expect(serverDestination('https://llm.example.org/v1').unencrypted).toBe(false);
    expect(SERVER_REQUESTS.map((r) => r.request)).toEqual([
      'GET <base>/models',
      'POST <base>/chat/completions',
      'POST <base>/completions',
    ]);
  });
});
