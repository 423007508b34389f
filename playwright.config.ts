import { defineConfig } from '@playwright/test';
import { chromiumArgs, chromiumPath } from './test/chromium-flags';

// End-to-end tests drive Debian's Chromium against the built app (`vite preview`). E2E_PORT
// moves the preview server, so two checkouts can run their e2e tests at once.
const port = Number(process.env.E2E_PORT ?? 4173);

export default defineConfig({
  testDir: 'test/e2e',
  timeout: 120_000,
  workers: 1,
  retries: 0,
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: { executablePath: chromiumPath, args: chromiumArgs },
  },
  webServer: {
    command: `npx vite preview --port ${port} --strictPort`,
    url: `http://localhost:${port}`,
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
