// The Models screen end to end (issue 9): a tiny generated checkpoint picked as a local folder
// is loaded in the playground and generates; an adapter trained on it in the Train step makes
// it write something else; roles are assigned and survive a reload; a "Hugging Face" download
// (served by the test through page.route in the Hub's resolve/<rev>/<file> layout) lands in
// the cache, is listed with its size on the Models and Storage screens beside the kept copy of
// the local folder (`local/tiny-llama`), and deleting both makes the storage figure fall to 0.
import { expect, test, type Page } from '@playwright/test';
import { formatBytes } from '../../src/lib/util/format';
import { removeTempDirs } from '../helpers/tiny-checkpoint-fs';
import { fakeHub, tinyModelFolder } from './tiny-model';

async function usage(page: Page): Promise<number> {
  return page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
}

test.afterAll(() => removeTempDirs());

test('load a local model, try it with and without a trained adapter, assign roles, cache and delete', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const { dir, files } = tinyModelFolder();
  await fakeHub(page, files);

  // Seed pairs to train on: the demo.
  await page.goto('/');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('seed-count')).toContainText('30', { timeout: 60_000 });

  // A few steps of M_yx on the CPU, with a large learning rate so the adapter is not ~0.
  await page.goto('/#/train');
  const form = page.getByTestId('train-form');
  await form.getByLabel('Local folder', { exact: true }).check();
  await form.getByLabel('Folder', { exact: true }).setInputFiles(dir);
  await page.getByTestId('train-mode').selectOption('backward');
  await form.getByLabel('Max tokens per example', { exact: true }).fill('512');
  await form.getByLabel('Peak learning rate', { exact: true }).fill('0.05');
  await form.getByLabel('Warmup steps', { exact: true }).fill('0');
  await page.getByTestId('train-steps').fill('2');
  await form.getByLabel('Batch (rows)', { exact: true }).fill('2');
  await form.getByLabel('Accumulation', { exact: true }).fill('1');
  await form.getByLabel('Eval every (steps)', { exact: true }).fill('0');
  await form.getByLabel('Checkpoint every (steps)', { exact: true }).fill('2');
  await form.getByLabel('Device', { exact: true }).selectOption('wasm');
  await page.getByTestId('train-start').click();
  await expect(
    page.getByTestId('checkpoint-row').first().or(page.getByTestId('train-error')),
  ).toBeVisible({ timeout: 180_000 });
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(page.getByTestId('train-start')).toBeVisible({ timeout: 60_000 });

  // The Models step: load the same folder on the CPU.
  await page.goto('/#/models');
  await expect(page.getByTestId('step-detail')).toHaveText(
    '0 of 3 roles assigned (backward, rater, judge)',
  );
  // web-llm's list, split for this adapter (SwiftShader: no shader-f16), each hidden one with why.
  await page.getByTestId('webllm-list').click();
  // (web-llm's list comes with its library: a large chunk, loaded on this click.)
  await expect(page.getByTestId('webllm-shown').locator('li').first()).toBeVisible({
    timeout: 60_000,
  });
  await page.getByTestId('webllm-hidden').locator('summary').click();
  await expect(page.getByTestId('webllm-hidden')).toContainText(
    'needs the shader-f16 GPU feature, which this device lacks',
  );

  await page.getByTestId('pg-source').selectOption('local');
  await page.getByTestId('pg-folder').setInputFiles(dir);
  await page.getByTestId('pg-device').selectOption('wasm');
  await page.getByTestId('pg-load').click();
  await expect(page.getByTestId('pg-loaded')).toContainText('Loaded tiny-llama on onnx (wasm', {
    timeout: 60_000,
  });

  const generate = async () => {
    await page.getByTestId('pg-generate').click();
    await expect(page.getByTestId('pg-finish')).toBeVisible({ timeout: 60_000 });
    return (await page.getByTestId('pg-output').textContent()) ?? '';
  };
  await page.getByTestId('pg-prompt').fill('Name a colour of the sky at night.');
  await page.getByTestId('pg-temperature').fill('0');
  await page.getByTestId('pg-max-tokens').fill('12');
  const base = await generate();
  expect(base.length).toBeGreaterThan(0);

  const adapter = page.getByTestId('adapter-row').first();
  await expect(adapter).toContainText('tiny-llama (local folder)');
  await expect(adapter).toContainText('seed pairs, reversed (M_yx)');
  await adapter.getByTestId('adapter-use').click();
  await expect(page.getByTestId('pg-adapter')).not.toHaveValue('');
  const tuned = await generate();
  expect(tuned).not.toBe(base);
  // Back to the base model alone: the first output again (greedy is deterministic).
  await page.getByTestId('pg-adapter').selectOption('');
  expect(await generate()).toBe(base);

  // Roles: the base + adapter as M_yx, the base as rater.
  await page.getByTestId('pg-adapter').selectOption({ index: 1 });
  await page.getByTestId('assign-backward').click();
  await expect(page.getByTestId('role-backward-value')).toContainText(
    'tiny-llama on onnx + adapter M_yx (backward)',
  );
  await page.getByTestId('pg-adapter').selectOption('');
  await page.getByTestId('assign-rater').click();
  await expect(page.getByTestId('role-rater-value')).toHaveText('tiny-llama on onnx');
  await expect(page.getByTestId('step-detail')).toHaveText(
    '2 of 3 roles assigned (backward, rater, judge)',
  );

  // The local folder was kept in the model cache (so stages can load it after a reload).
  const total = Object.values(files).reduce((n, f) => n + f.length, 0);
  const rows = page.getByTestId('cached-models').getByTestId('cached-row');
  const kept = rows.filter({ hasText: 'local/tiny-llama' });
  await expect(kept).toContainText('local folder, kept for the method’s stages');
  await expect(kept.getByTestId('cached-size')).toHaveText(formatBytes(total));
  await expect(page.getByTestId('cached-total')).toHaveText(formatBytes(total));

  // A Hub download into the cache, with byte progress in the jobs area.
  await page.getByTestId('custom-model-id').fill('org/tiny');
  const before = await usage(page);
  await page.getByTestId('custom-download').click();
  const cached = rows.filter({ hasText: 'org/tiny' });
  await expect(cached).toContainText('org/tiny', { timeout: 60_000 });
  await expect(cached.getByTestId('cached-size')).toHaveText(formatBytes(total));
  const job = page.getByTestId('job').filter({ hasText: 'Download org/tiny' });
  await expect(job.getByTestId('job-count')).toHaveText(
    `${formatBytes(total)} / ${formatBytes(total)}`,
  );
  expect(await usage(page)).toBeGreaterThan(before + total / 2);

  // After a reload: roles and the cached model are still there.
  await page.reload();
  await expect(page.getByTestId('role-backward-value')).toContainText('+ adapter M_yx');
  await expect(page.getByTestId('role-rater-value')).toHaveText('tiny-llama on onnx');
  await expect(cached).toContainText('org/tiny');

  // The Storage view lists it too; deleting it there makes its storage figure fall to zero.
  // (Chromium's site-wide estimate() lags behind Cache Storage deletes, even across a reload,
  // so the figure is the one measured from the cache itself.)
  await page.goto('/#/storage');
  const storage = page.getByTestId('storage-view');
  const stored = storage.getByTestId('cached-row');
  await expect(stored.filter({ hasText: 'org/tiny' })).toHaveCount(1);
  await expect(storage.getByTestId('cached-total')).toHaveText(formatBytes(2 * total));
  await stored.filter({ hasText: 'org/tiny' }).getByRole('button', { name: 'Delete' }).click();
  await expect(storage.getByTestId('cached-total')).toHaveText(formatBytes(total));
  await stored
    .filter({ hasText: 'local/tiny-llama' })
    .getByRole('button', { name: 'Delete' })
    .click();
  await expect(storage.getByTestId('cache-empty')).toBeVisible();
  await expect(storage.getByTestId('cached-total')).toHaveText('0 B');
  await page.reload();
  await expect(storage.getByTestId('cache-empty')).toBeVisible();
});
