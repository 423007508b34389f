// The method end to end in Chromium on the fake engines (?engine=fake, slowed to 2 ms per
// word so progress can be watched): demo data → augment → curate in paper mode, paused and
// the page reloaded in the middle → the stage is offered again and finishes with the same
// ratings as an uninterrupted run → fast mode and the agreement report → iteration 2 re-rates.
import { expect, test } from '@playwright/test';
import { augmentNewRun, finishCuration, LONG, loadDemo } from './run-helpers';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

test('demo → augment → curate (reload mid-way) → fast mode → iteration 2', async ({ page }) => {
  test.setTimeout(300_000);
  await page.goto('/?engine=fake&fakeDelay=2#/data');
  await loadDemo(page);

  // Reference: the same corpus augmented and curated without interruption.
  await augmentNewRun(page, 'reference');
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-batch').fill('2');
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-1-paper');
  const reference = await page.getByTestId('curation-1-paper').textContent();

  // The run under test: paused after a few batches, then the page is reloaded.
  await augmentNewRun(page, 'main');
  const candidates = await page.getByTestId('augment-candidates').textContent();
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-batch').fill('2');
  await page.getByTestId('curate-start').click();
  await expect(page.getByTestId('stage-count')).toContainText(/^[1-9]/, LONG);
  await page.getByTestId('stage-pause').click();
  await expect(page.getByTestId('stage-unfinished')).toBeVisible(LONG);
  await page.reload();
  // The newest run is chosen on open.
  await expect(page.getByTestId('run-select').locator('option:checked')).toHaveText('main');
  await expect(page.getByTestId('stage-unfinished')).toContainText('curate-1-paper');
  await page.getByTestId('stage-resume').click();
  await finishCuration(page, 'curation-1-paper');
  await expect(page.getByTestId('stage-unfinished')).toHaveCount(0);
  // Same candidates, same ratings: nothing lost or repeated.
  await page.getByTestId('nav-augment').click();
  await expect(page.getByTestId('augment-candidates')).toHaveText(candidates!);
  await page.getByTestId('nav-curate').click();
  await expect(page.getByTestId('curation-1-paper')).toHaveText(reference!);

  // Fast mode on the same pairs, and how it agrees with paper mode.
  await page.getByTestId('curate-fast').check();
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-1-fast');
  await expect(page.getByTestId('agreement-1')).toBeVisible();
  await expect(page.getByTestId('chain-A1')).toContainText('(fast)');

  // Iteration 2: M1 re-rates every candidate; A(1) stays.
  await page.getByTestId('curate-paper').check();
  await page.getByTestId('curate-iteration').fill('2');
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-2-paper');
  await expect(page.getByTestId('curation-1-paper')).toHaveText(reference!);
  await expect(page.getByTestId('chain-A2')).toContainText('(paper)');
  await expect(page.getByTestId('chain-M2')).toBeVisible();
});
