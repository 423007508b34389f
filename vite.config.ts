/// <reference types="vitest/config" />
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';

// Cross-origin isolation gives SharedArrayBuffer, which onnxruntime-web needs for
// multi-threaded wasm (environment.md §4, §7).
const crossOriginIsolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  // autoCleanup off: test/unit/setup/svelte-cleanup.ts does it in DOM test files only.
  plugins: [svelte(), svelteTesting({ autoCleanup: false })],
  worker: { format: 'es' },
  server: { headers: crossOriginIsolation },
  preview: { headers: crossOriginIsolation },
  optimizeDeps: {
    exclude: ['onnxruntime-web'],
    // Workers are not crawled from index.html, so their dependencies were found only when a
    // worker first ran, re-bundled, and the dev server reloaded the page mid-import (seen once
    // the page itself pre-bundles hyparquet-writer for the Export step). Scan them up front.
    entries: ['index.html', 'workers/**/*.ts'],
  },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
  test: {
    include: ['test/unit/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/unit/setup/svelte-cleanup.ts'],
    testTimeout: 30_000,
    // vitest's default is one worker per core but one; on CI's 2 cores that is a single worker
    // while the main process idles. With two there the whole unit run took 334 s on a quiet
    // machine (the CI run before it, one worker, partly loaded machine: 618 s), all passing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
