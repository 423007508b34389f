// The server engine in Chromium against the local OpenAI-compatible test server (started in
// Node by test/browser/setup/openai-server.ts): the browser's own fetch, cross-origin with a
// CORS preflight (Authorization, JSON) from a cross-origin-isolated page, streamed bodies read
// as ReadableStreams, and aborts, under the same engine contract as every other engine.
import { describe, expect, inject, it } from 'vitest';
import { ServerEngine } from '../../src/lib/engines/server/server-engine';
import { serverDestination } from '../../src/lib/engines/server/settings';
import { engineContract } from '../helpers/engine-contract';

const { baseUrl, model, apiKey } = inject('openaiServer');

describe('server engine in the browser', () => {
  it('runs from a cross-origin-isolated page on another origin than the server', () => {
    expect(globalThis.crossOriginIsolated).toBe(true);
    expect(serverDestination(baseUrl).origin).not.toBe(location.origin);
    expect(serverDestination(baseUrl).thisMachine).toBe(true);
  });
});

engineContract({
  name: 'server in Chromium (OpenAI-compatible test server)',
  create: () => new ServerEngine({ baseUrl, apiKey, retries: 0 }),
  spec: { id: model, source: 'server' },
  badSpec: { id: 'not-served', source: 'server' },
  adapters: { kind: 'refused' },
  topK: 'applied',
  multiTokenScoring: 'refused',
});
