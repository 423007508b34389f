// The Review screen in Chromium (issue 11 §1-3) on a run made with the fake engines: demo data
// → augment → curate (paper mode) → "Review candidates" → filter to pairs below k → accept,
// reject, undo and edit with the keyboard → reload: the overrides are still there, and the
// kept count (here and on the Curate step, which selection computes) went up by the accept.
import { expect, test, type Page } from '@playwright/test';
import { augmentNewRun, loadDemo } from './method-steps';
import { accessibilityProblems, screenshots } from './page-checks';

const LONG = { timeout: 60_000 };

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

async function loadedReview(page: Page, total: string): Promise<void> {
  await expect(page.getByTestId('review-total')).toHaveText(total, LONG);
  await expect(page.getByTestId('review-row').first()).toBeVisible();
}

test('review: filter, accept/reject/undo/edit by keyboard, reload keeps overrides', async ({
  page,
}) => {
  test.setTimeout(120_000);
  await page.goto('/?engine=fake#/data');
  await loadDemo(page);
  await augmentNewRun(page, 'review');
  const total = (await page.getByTestId('augment-candidates').textContent())!;
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-start').click();
  await expect(page.getByTestId('curation-1-paper')).toBeVisible(LONG);
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  const keptBefore = Number(await page.getByTestId('kept-1-paper').textContent());

  await page.getByTestId('curate-review').click();
  await expect(page).toHaveURL(/#\/review$/);
  await loadedReview(page, total);
  await expect(page.getByTestId('review-kept')).toHaveText(String(keptBefore));
  expect(await accessibilityProblems(page)).toEqual([]);

  // Only the pairs the k = 5 rule drops (score 0-4 from M0).
  await page.getByTestId('review-filter-column').selectOption({ index: 1 });
  await page.getByTestId('review-filter-max').fill('4');
  await page.getByTestId('review-filter-max').dispatchEvent('change');
  const shown = Number(await page.getByTestId('review-count').textContent());
  expect(shown).toBeGreaterThan(2);
  expect(shown).toBeLessThan(Number(total));

  const rows = page.getByTestId('review-row');
  const list = page.getByTestId('review-list');
  await list.focus();
  await page.keyboard.press('a'); // accept row 0, move to row 1
  await page.keyboard.press('r'); // reject row 1, move to row 2
  await page.keyboard.press('u'); // undo the reject: back on row 1
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(rows.nth(1)).toHaveAttribute('data-verdict', '');
  await page.keyboard.press('j'); // row 2
  await page.keyboard.press('r'); // reject row 2, move to row 3
  await page.keyboard.press('k'); // back to row 2
  await page.keyboard.press('e'); // edit row 2
  await page.getByTestId('review-edit-instruction').fill('An instruction a person wrote');
  await page.getByTestId('review-edit-save').click();
  await expect(page.getByTestId('review-detail-instruction')).toHaveText(
    'An instruction a person wrote',
  );
  await expect(rows.nth(0)).toHaveAttribute('data-verdict', 'accept');
  await expect(rows.nth(2)).toHaveAttribute('data-verdict', 'reject');
  await expect(page.getByTestId('review-changed')).toHaveText('2');
  await expect(page.getByTestId('review-kept')).toHaveText(String(keptBefore + 1));
  expect(await accessibilityProblems(page)).toEqual([]);
  await screenshots(page, 'review');

  await page.reload();
  await loadedReview(page, total);
  await expect(page.getByTestId('review-changed')).toHaveText('2');
  await expect(page.getByTestId('review-kept')).toHaveText(String(keptBefore + 1));
  await page.getByTestId('review-search').fill('person wrote');
  await page.getByTestId('review-search').press('Enter');
  await expect(page.getByTestId('review-count')).toHaveText('1');
  await expect(rows.first()).toHaveAttribute('data-verdict', 'reject');
  await expect(rows.first()).toContainText('An instruction a person wrote');

  // Selection (the Curate step's A(1) count) honours the accept.
  await page.getByTestId('nav-curate').click();
  await expect(page.getByTestId('kept-1-paper')).toHaveText(String(keptBefore + 1));
});
