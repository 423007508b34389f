/// <reference types="vitest/config" />
import { defineConfig } from 'vite';

// Node-side benchmarks (onnxruntime-web's wasm backend, pure library code). Run through
// `npm run bench`, which collects their results; never part of `npm test`.
export default defineConfig({
  test: {
    include: ['test/bench/node/**/*.bench.ts'],
    environment: 'node',
    testTimeout: 20 * 60_000,
    hookTimeout: 5 * 60_000,
    fileParallelism: false,
  },
});
