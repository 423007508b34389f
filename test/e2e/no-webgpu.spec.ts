// Without --enable-unsafe-webgpu Chromium grants no adapter (environment.md §3): the app must
// say what still works and stay usable.
import { expect, test } from '@playwright/test';
import { chromiumArgs } from '../chromium-flags';
import { accessibilityProblems, screenshots, watchProblems } from './page-checks';

test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs.filter((a) => a !== '--enable-unsafe-webgpu'),
  },
});

test('without a WebGPU adapter the app explains the fallback and keeps working', async ({
  page,
}) => {
  const problems = watchProblems(page);
  await page.goto('/');
  const banner = page.getByTestId('capability-no-webgpu');
  await expect(banner).toContainText('No WebGPU here');
  await expect(banner).toContainText('no GPU adapter was granted');
  await expect(banner).toContainText('wasm backend');
  // It claims only what is built: no curated pairs, candidates or export exist yet.
  await expect(banner).not.toContainText(/curat|candidate|export/i);
  await expect(page.getByTestId('demo-offer')).toBeVisible();
  await screenshots(page, 'no-webgpu');
  expect(await accessibilityProblems(page)).toEqual([]);
  await page.getByTestId('workspace-new').click();
  await page.getByTestId('workspace-name').fill('CPU only');
  await page.getByTestId('workspace-submit').click();
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'CPU only',
  );
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.getByTestId('capability-details')).toContainText('none');
  expect(problems, problems.join('\n')).toEqual([]);
});
