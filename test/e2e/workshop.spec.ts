// Workshop mode (issue 12 §4) in Chromium: the demo data, a fake-engine run curated by M0 and
// re-rated by M1, then the walk at #/workshop with the keyboard only, every slide screenshot at
// projector sizes (1920×1080 and 1280×720) and checked with axe; the slides show the run's own
// numbers (keep rate at k = 5, the statistics table, M0 vs M1) and say what is missing (no
// evaluation yet); printing lays out every slide without the controls or the app's frame.
import { expect, test } from '@playwright/test';
import { WORKSHOP_SLIDES } from '../../src/lib/state/workshop-slides';
import { augmentNewRun, finishCuration, loadDemo } from './method-steps';
import { accessibilityProblems, screens, watchProblems } from './page-checks';

const projector = { width: 1920, height: 1080 };
const small = { width: 1280, height: 720 };

test('workshop: keyboard walk on a fake-engine run, screenshots, axe, print', async ({ page }) => {
  test.setTimeout(120_000);
  const problems = watchProblems(page);
  await page.goto('/?engine=fake#/data');
  await loadDemo(page);
  await augmentNewRun(page, 'workshop');
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-1-paper');
  await page.getByTestId('curate-iteration').fill('2');
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-2-paper');

  await page.setViewportSize(projector);
  await page.getByTestId('nav-workshop').click();
  await expect(page.getByTestId('ws-run')).toHaveText('workshop');
  const total = WORKSHOP_SLIDES.length;
  for (const [i, slide] of WORKSHOP_SLIDES.entries()) {
    if (i > 0) await page.keyboard.press(i % 2 ? 'ArrowRight' : 'PageDown');
    await expect(page.getByTestId('workshop-progress')).toHaveText(`${i + 1} / ${total}`);
    const shown = page.getByTestId(`slide-${slide.id}`);
    await expect(shown).toBeVisible();
    await expect(page.locator('section.slide:visible')).toHaveCount(1);
    await page.screenshot({ path: `${screens}/workshop-${i + 1}-${slide.id}-1920x1080.png` });
    await page.setViewportSize(small);
    await page.screenshot({ path: `${screens}/workshop-${i + 1}-${slide.id}-1280x720.png` });
    await page.setViewportSize(projector);
    expect(await accessibilityProblems(page), slide.id).toEqual([]);
  }

  // The run's own numbers, and the honest gaps.
  await page.keyboard.press('Home');
  await expect(page.getByTestId('workshop-progress')).toHaveText(`1 / ${total}`);
  await expect(page.getByTestId('ws-keep-rate')).toContainText('paper: 8.3 %');
  await expect(page.getByTestId('ws-keep-rate')).toContainText(/\d+\.\d %/);
  await expect(page.getByTestId('fake-curate')).toBeAttached();
  await expect(page.getByTestId('ws-stats').locator('tbody tr')).toHaveCount(4);
  await expect(page.getByTestId('ws-raters')).toContainText('Kept by M1');
  await expect(page.getByTestId('missing-evaluate')).toContainText('Evaluate step');
  // The data-scaling sweep is built (Evaluate step): nothing on this slide says otherwise.
  await expect(page.getByTestId('not-built-evaluate')).toHaveCount(0);
  await page.keyboard.press('End');
  await expect(page.getByTestId('workshop-progress')).toHaveText(`${total} / ${total}`);
  await page.keyboard.press('PageUp');
  await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('workshop-progress')).toHaveText(`${total - 2} / ${total}`);

  // The printed report: every slide, in order, and nothing of the app's frame.
  await page.emulateMedia({ media: 'print' });
  for (const slide of WORKSHOP_SLIDES)
    await expect(page.getByTestId(`slide-${slide.id}`)).toBeVisible();
  await expect(page.getByTestId('workshop-print')).toBeHidden();
  await expect(page.getByTestId('step-nav')).toBeHidden();
  await page.screenshot({ path: `${screens}/workshop-print-1920x1080.png`, fullPage: true });
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByTestId('workshop-print')).toBeVisible();

  // The frame under the walk is out of the tab order until the walk is left.
  await expect(page.locator('aside:has([data-testid="step-nav"])')).toHaveAttribute('inert', '');
  await page.getByTestId('workshop-exit').click();
  await expect(page.getByTestId('workshop')).toHaveCount(0);
  await expect(page.locator('aside:has([data-testid="step-nav"])')).not.toHaveAttribute('inert');

  expect(problems, problems.join('\n')).toEqual([]);
});
