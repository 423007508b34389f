/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import { playwright } from '@vitest/browser-playwright';
import { chromiumArgs, chromiumPath } from './test/chromium-flags';

// The GPU benchmark's browser half (test/bench/gpu/gpu.bench.ts), started by
// scripts/bench-gpu.ts (`npm run bench:gpu`), which writes the model folder it reads first.
// BENCH_GPU_FLAGS adds Chromium flags for a real GPU (README: "GPU benchmark").
const extra = (process.env.BENCH_GPU_FLAGS ?? '').split(' ').filter(Boolean);
export default defineConfig({
  worker: { format: 'es' },
  optimizeDeps: { exclude: ['onnxruntime-web'] },
  server: {
    headers: {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
    },
  },
  test: {
    include: ['test/bench/gpu/**/*.bench.ts'],
    testTimeout: 30 * 60_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      instances: [{ browser: 'chromium' }],
      provider: playwright({
        launchOptions: { executablePath: chromiumPath, args: [...chromiumArgs, ...extra] },
      }),
    },
  },
});
