// The data-scaling sweep in miniature end to end in Chromium (issue 12 item 3): the demo data,
// a fake-engine run curated at iteration 1, then a sweep whose arms train real LoRA adapters on
// a tiny generated Llama (served as a Hub repo; 1 step on the CPU each) and are judged on the
// fake engines against the rater role. The page is reloaded after the first arm; the sweep is
// continued and finishes with every arm done, its curve and alpha shown.
import { expect, test } from '@playwright/test';
import { removeTempDirs } from '../helpers/tiny-checkpoint-fs';
import { augmentNewRun, finishCuration, loadDemo, LONG } from './method-steps';
import { fakeHub, tinyModelFolder } from './tiny-model';

test.afterAll(() => removeTempDirs());

test('a tiny sweep: train and judge each arm, reload mid-sweep, continue, alpha', async ({
  page,
  context,
}) => {
  test.setTimeout(240_000);
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
  await fakeHub(context, tinyModelFolder().files);
  await page.goto('/?engine=fake#/data');
  await loadDemo(page);
  await augmentNewRun(page, 'sweep');
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-1-paper');

  // The Train step's base and small settings, which every arm uses.
  await page.getByTestId('nav-train').click();
  const form = page.getByTestId('train-form');
  await page.getByTestId('train-model-id').fill('org/tiny');
  await page.getByTestId('train-mode').selectOption('seed+curated');
  await form.getByLabel('Keep score ≥ k', { exact: true }).fill('3');
  // One length bucket and one adapted module: the fewest graphs to compile per arm.
  await form.getByLabel('Max tokens per example', { exact: true }).fill('64');
  for (const m of ['k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'])
    await form.getByLabel(m, { exact: true }).uncheck();
  await form.getByLabel('Warmup steps', { exact: true }).fill('0');
  await form.getByLabel('Batch (rows)', { exact: true }).fill('2');
  await form.getByLabel('Accumulation', { exact: true }).fill('1');
  await form.getByLabel('Eval every (steps)', { exact: true }).fill('0');
  await form.getByLabel('Device', { exact: true }).selectOption('wasm');

  // Too large a size is capped with a note; two sizes remain. (Each arm's training costs
  // ~20-40 s here, so the ablation arms are left to the unit tests: sweep-panel.test.ts.)
  await page.getByTestId('nav-evaluate').click();
  await page.getByTestId('sweep-sizes').fill('1, 2, 100000');
  await page.getByTestId('sweep-curation').uncheck();
  await page.getByTestId('sweep-tagging').uncheck();
  await page.getByTestId('sweep-limit').fill('2');
  await page.getByTestId('sweep-steps').fill('1');
  await page.getByTestId('sweep-start').click();
  await expect(page.getByTestId('sweep-note')).toContainText('N = 100000 left out');
  await expect(page.getByTestId('sweep-arm')).toHaveCount(2);
  await expect(page.getByTestId('sweep-arm').first()).toHaveAttribute('data-status', 'done', LONG);
  await expect(page.getByTestId('sweep-error')).toHaveCount(0);

  // A reload mid-sweep: the finished arm stays finished, the rest continue.
  await page.reload();
  await expect(page.getByTestId('sweep-unfinished')).toBeVisible(LONG);
  const first = await page.getByTestId('sweep-arm').first().locator('td').nth(3).textContent();
  await page.getByTestId('sweep-resume').click();
  await expect(page.getByTestId('sweep-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('sweep-error')).toHaveCount(0);
  await expect(page.getByTestId('sweep-unfinished')).toHaveCount(0);
  for (const row of await page.getByTestId('sweep-arm').all())
    await expect(row).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('sweep-arm').first().locator('td').nth(3)).toHaveText(first!);
  await expect(page.getByTestId('sweep-point')).toHaveCount(2);
  await expect(page.getByTestId('sweep-alpha')).toContainText(/Your α = -?\d+\.\d\d/);
  // Each arm trained one adapter (listed for the Evaluate form) and made one evaluation.
  await expect(page.getByTestId('eval-select').locator('option')).toHaveCount(2);
});
