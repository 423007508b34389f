import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './test/chromium-flags';

// End-to-end tests drive Debian's Chromium against the built app (`vite preview`).
export default defineConfig({
  testDir: 'test/e2e',
  timeout: 120_000,
  workers: 1,
  retries: 0,
  use: {
    baseURL: 'http://localhost:4173',
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    command: 'npx vite preview --port 4173 --strictPort',
    url: 'http://localhost:4173',
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
