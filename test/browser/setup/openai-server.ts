// Global setup of the browser tests: the local OpenAI-compatible test server runs in Node
// (the browser cannot open a port), and the tests reach it cross-origin through CORS, as the
// app reaches a user's vLLM or Ollama. Its base URL is provided to the tests ('openaiBaseUrl').
import type { TestProject } from 'vitest/node';
import { startOpenAiTestServer } from '../../helpers/openai-test-server';

declare module 'vitest' {
  export interface ProvidedContext {
    openaiServer: { baseUrl: string; model: string; apiKey: string };
  }
}

const MODEL = 'tiny-fake';
const API_KEY = 'sk-browser-test';

export default async function setup(project: TestProject) {
  const server = await startOpenAiTestServer({
    models: [MODEL],
    apiKey: API_KEY,
  });
  project.provide('openaiServer', { baseUrl: server.baseUrl, model: MODEL, apiKey: API_KEY });
  return () => server.close();
}
