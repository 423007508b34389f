// The built app end to end in Chromium with SwiftShader WebGPU (environment.md §3):
// the capability check in a worker, workspaces surviving a reload, and a crashing worker
// that surfaces a readable error while the app keeps working.
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

test('capability check finds the SwiftShader adapter inside a worker', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('gpu-architecture')).toHaveText('swiftshader');
  await expect(page.getByTestId('capability-ok')).toContainText('software adapter');
  await expect(page.getByTestId('capability-ok')).toContainText('no shader-f16');
  await page.getByTestId('nav-diagnostics').click();
  await expect(page.getByTestId('detail-adapter')).toHaveText(
    'google / swiftshader (fallback, software)',
  );
  await expect(page.getByTestId('capability-details')).toContainText('1.0 GB');
  await expect(page.getByTestId('capability-details')).toContainText('yes (multi-threaded');
});

test('a created workspace is still there after a reload', async ({ page }) => {
  await page.goto('/#/models');
  // A first visit starts in a default workspace: nothing to set up before starting.
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'My workspace',
  );
  await page.getByTestId('workspace-new').click();
  await page.getByTestId('workspace-name').fill('Cooking blog');
  await page.getByTestId('workspace-submit').click();
  await expect(page.getByTestId('workspace-select')).toHaveValue(/.+/);
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'Cooking blog',
  );
  await expect(page.getByTestId('step-detail')).toHaveText(
    '0 of 3 roles assigned (backward, rater, judge)',
  );

  await page.reload();
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'Cooking blog',
  );
  // The default workspace can be renamed later; the name survives a reload too.
  await page.getByTestId('workspace-select').selectOption({ label: 'My workspace' });
  await page.getByRole('button', { name: 'Rename' }).click();
  await page.getByTestId('workspace-name').fill('Gardening notes');
  await page.getByTestId('workspace-submit').click();
  // The list shows the new name once the write has committed: reloading earlier races it.
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'Gardening notes',
  );
  await page.reload();
  await expect(page.getByTestId('workspace-select').locator('option')).toHaveText([
    'Cooking blog',
    'Gardening notes',
  ]);
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'Gardening notes',
  );
  // Every step is built: none says "not built"; an empty step says what it needs.
  await page.getByTestId('nav-export').click();
  await expect(page.getByTestId('step-not-built')).toHaveCount(0);
  await expect(page.getByTestId('step-needs')).toContainText('needs candidate pairs from Augment');
});

test('a crashing worker surfaces a readable error and the app keeps working', async ({ page }) => {
  await page.goto('/#/diagnostics');
  await page.getByTestId('run-self-test').click();
  const steps = page.getByTestId('self-test-step');
  await expect(steps).toHaveCount(4);
  await expect(steps.nth(1)).toContainText(
    'InputError: self-test.jsonl, line 3, field "instruction": deliberate bad record',
  );
  await expect(steps.nth(2)).toContainText(
    'WorkerCrashedError: Worker crashed: Error: Deliberate uncaught error thrown by the self-test worker',
  );
  await expect(steps.nth(3)).toContainText('worker restarted 1 time(s)');
  for (let i = 0; i < 4; i++) await expect(steps.nth(i)).toHaveAttribute('data-ok', 'true');
  await expect(page.getByTestId('last-crash')).toContainText('Deliberate uncaught error');

  // The app still works: create a workspace and see it in the storage panel.
  await page.getByTestId('workspace-new').click();
  await page.getByTestId('workspace-name').fill('After the crash');
  await page.getByTestId('workspace-submit').click();
  await page.getByTestId('nav-storage').click();
  await expect(page.getByTestId('storage-row')).toHaveCount(2);
  await expect(page.getByTestId('storage-row').filter({ hasText: 'After the crash' })).toHaveCount(
    1,
  );
});

test('a test job shows progress and can be cancelled', async ({ page }) => {
  await page.goto('/#/diagnostics');
  await page.getByTestId('start-test-job').click();
  const job = page.getByTestId('job');
  await expect(job.getByTestId('job-count')).toContainText('/ 40 steps');
  await expect(job.getByTestId('job-rate')).toContainText('steps/s');
  await expect(job.getByTestId('job-eta')).toContainText(/ETA \d+ s/);
  await job.getByTestId('job-cancel').click();
  await expect(job).toHaveAttribute('data-status', 'cancelled');
  await expect(job.getByTestId('job-status')).toHaveText('Cancelled');
});

test('storage panel: persistence needs consent; delete needs a confirm', async ({ page }) => {
  await page.goto('/');
  await page.getByTestId('workspace-new').click();
  await page.getByTestId('workspace-name').fill('Disposable');
  await page.getByTestId('workspace-submit').click();
  await page.getByTestId('nav-storage').click();
  await expect(page.getByTestId('storage-usage')).toContainText('available to this site');

  await expect(page.getByTestId('persist-request')).toBeDisabled();
  await page.getByTestId('persist-consent').check();
  await page.getByTestId('persist-request').click();
  // Headless Chromium declines persist() in a normal context (environment.md §4).
  await expect(page.getByTestId('persist-outcome')).toContainText('declined');

  const rows = page.getByTestId('storage-row');
  await expect(rows).toHaveCount(2);
  const disposable = rows.filter({ hasText: 'Disposable' });
  await disposable.getByTestId('delete-workspace').click();
  await disposable.getByTestId('delete-confirm').click();
  await expect(rows).toHaveCount(1);
  await page.reload();
  await expect(page.getByTestId('workspace-select').locator('option')).toHaveText(['My workspace']);

  // Deleting the last workspace leaves a fresh, empty default one, never a dead end.
  await rows.getByTestId('delete-workspace').click();
  await rows.getByTestId('delete-confirm').click();
  await expect(rows).toHaveCount(1);
  await expect(rows).toContainText('My workspace');
  await expect(page.getByTestId('storage-contents')).toHaveText('empty');
});
