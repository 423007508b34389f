// The Review screen in Chromium (issue 11 §1-3 and Tests) on a run made with the fake engines:
// demo data → augment → curate (paper mode) → "Review candidates" → scroll the virtualised
// table to its last row → filter to pairs below k → accept, reject, undo, accept and edit with
// the keyboard → filter to score 5 and reject one → reload: the overrides are still there, and
// the kept count (here and on the Curate step, which selection computes) counts them → Export
// JSONL (Alpaca): the file has the edited instruction and the accepted low-score pair, not the
// rejected one.
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { augmentNewRun, loadDemo } from './method-steps';
import { accessibilityProblems, screenshots } from './page-checks';

const LONG = { timeout: 60_000 };
const DEMO_SEEDS = 30;

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

async function loadedReview(page: Page, total: string): Promise<void> {
  await expect(page.getByTestId('review-total')).toHaveText(total, LONG);
  await expect(page.getByTestId('review-row').first()).toBeVisible();
}

test('review: scroll, filter, accept/reject/undo/edit by keyboard, reload keeps overrides, export honours them', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // Where the File System Access API exists the app asks where to save; a test cannot answer.
  await page.addInitScript(() => {
    (window as { showSaveFilePicker?: unknown }).showSaveFilePicker = undefined;
  });
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

  // Scroll: the list is virtualised, so the last row is not in the DOM until scrolled to.
  const rows = page.getByTestId('review-row');
  const list = page.getByTestId('review-list');
  const lastRow = rows.filter({ has: page.locator('.n', { hasText: new RegExp(`^${total}$`) }) });
  expect(await rows.count()).toBeLessThan(Number(total));
  await expect(lastRow).toHaveCount(0);
  await list.evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await expect(lastRow).toBeVisible();
  await list.evaluate((el) => el.scrollTo(0, 0));
  await expect(rows.first().locator('.n')).toHaveText('1');

  // Only the pairs the k = 5 rule drops (score 0-4 from M0).
  await page.getByTestId('review-filter-column').selectOption({ index: 1 });
  await page.getByTestId('review-filter-max').fill('4');
  await page.getByTestId('review-filter-max').dispatchEvent('change');
  const shown = Number(await page.getByTestId('review-count').textContent());
  expect(shown).toBeGreaterThan(2);
  expect(shown).toBeLessThan(Number(total));

  const instructionOf = async (i: number) => (await rows.nth(i).locator('.instr').textContent())!;
  const acceptedLow = await instructionOf(0);
  await list.focus();
  await page.keyboard.press('a'); // accept row 0, move to row 1
  await page.keyboard.press('r'); // reject row 1, move to row 2
  await page.keyboard.press('u'); // undo the reject: back on row 1
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await expect(rows.nth(1)).toHaveAttribute('data-verdict', '');
  await page.keyboard.press('j'); // row 2
  await page.keyboard.press('a'); // accept row 2, move to row 3
  await page.keyboard.press('k'); // back to row 2
  await page.keyboard.press('e'); // edit row 2
  await page.getByTestId('review-edit-instruction').fill('An instruction a person wrote');
  await page.getByTestId('review-edit-save').click();
  await expect(page.getByTestId('review-detail-instruction')).toHaveText(
    'An instruction a person wrote',
  );
  await expect(rows.nth(0)).toHaveAttribute('data-verdict', 'accept');
  await expect(rows.nth(2)).toHaveAttribute('data-verdict', 'accept');
  await expect(page.getByTestId('review-changed')).toHaveText('2');
  await expect(page.getByTestId('review-kept')).toHaveText(String(keptBefore + 2));

  // A pair the k = 5 rule keeps (score 5), rejected.
  await page.getByTestId('review-filter-max').fill('5');
  await page.getByTestId('review-filter-max').dispatchEvent('change');
  await page.getByTestId('review-filter-min').fill('5');
  await page.getByTestId('review-filter-min').dispatchEvent('change');
  const rejectedHigh = await instructionOf(0);
  await list.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('r');
  await expect(rows.nth(0)).toHaveAttribute('data-verdict', 'reject');
  await expect(page.getByTestId('review-changed')).toHaveText('3');
  await expect(page.getByTestId('review-kept')).toHaveText(String(keptBefore + 1));
  expect(await accessibilityProblems(page)).toEqual([]);
  await screenshots(page, 'review');

  await page.reload();
  await loadedReview(page, total);
  await expect(page.getByTestId('review-changed')).toHaveText('3');
  await expect(page.getByTestId('review-kept')).toHaveText(String(keptBefore + 1));
  await page.getByTestId('review-search').fill('person wrote');
  await page.getByTestId('review-search').press('Enter');
  await expect(page.getByTestId('review-count')).toHaveText('1');
  await expect(rows.first()).toHaveAttribute('data-verdict', 'accept');
  await expect(rows.first()).toContainText('An instruction a person wrote');

  // Selection (the Curate step's A(1) count) honours the accept.
  await page.getByTestId('nav-curate').click();
  await expect(page.getByTestId('kept-1-paper')).toHaveText(String(keptBefore + 1));

  // Export (Alpaca JSONL, the paper's k = 5 rule): the file reflects the three overrides.
  await page.getByTestId('nav-export').click();
  await page.getByTestId('export-format').selectOption('alpaca');
  await page.getByTestId('export-rule-score').check();
  await page.getByTestId('export-k').fill('5');
  await page.getByTestId('export-k').dispatchEvent('change');
  // Selection agrees with the Review screen's kept count: the seeds and A(1), overrides included.
  const count = DEMO_SEEDS + keptBefore + 1;
  await expect(page.getByTestId('export-count')).toHaveText(String(count));
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-download').click();
  const download = await downloading;
  const instructions = readFileSync((await download.path())!, 'utf8')
    .trimEnd()
    .split('\n')
    .map((l) => (JSON.parse(l) as { instruction: string }).instruction);
  expect(instructions).toHaveLength(count);
  expect(instructions).toContain('An instruction a person wrote');
  expect(instructions).toContain(acceptedLow);
  expect(instructions).not.toContain(rejectedHigh);
});
