/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium-flags';
import { threadCpu } from './test/bench/thread-cpu';

// Browser-side benchmarks in headless Chromium (ingestion incl. IndexedDB writes).
// --enable-precise-memory-info makes performance.memory exact enough to track peak heap.
export default defineConfig({
  plugins: [svelte()],
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  test: {
    include: ['test/bench/browser/**/*.bench.ts'],
    testTimeout: 20 * 60_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium' }],
      // CPU seconds per browser thread (test/bench/thread-cpu.ts), read on this server.
      commands: { threadCpu: () => threadCpu() },
      provider: playwright({
        launchOptions: {
          executablePath: chromiumPath,
          args: [...chromiumArgs, '--enable-precise-memory-info', '--js-flags=--expose-gc'],
        },
      }),
    },
  },
});
