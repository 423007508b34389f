/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium-flags';

// Real Chromium: WebGPU (SwiftShader), IndexedDB, module workers, onnxruntime-web.
export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // Dependencies reached only from workers are found late, and Vite re-optimizing in the middle
    // of a run reloads the page under a running test: pre-bundle them up front.
    include: [
      '@huggingface/jinja',
      '@huggingface/tokenizers',
      '@mlc-ai/web-llm',
      '@mozilla/readability',
      'chardet',
      'fflate',
      'hyparquet',
      'hyparquet-compressors',
      'hyparquet-writer',
      'idb',
      'linkedom',
      'papaparse',
      'warcio',
    ],
  },
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  test: {
    include: ['test/browser/**/*.test.ts'],
    // The OpenAI-compatible test server for the server engine's browser test.
    globalSetup: ['test/browser/setup/openai-server.ts'],
    testTimeout: 120_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium' }],
      provider: playwright({ launchOptions: { executablePath: chromiumPath, args: chromiumArgs } }),
    },
  },
});
