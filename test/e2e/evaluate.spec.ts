// The Evaluate step end to end in Chromium on the fake engines (issue 12 items 1-2): a prompt
// set imported (and a bad one refused with its line), a pairwise evaluation of two role models
// judged in both orders, its results persisted and shown again after a reload; then a second
// evaluation cancelled mid-way, reloaded and continued to the end with every prompt answered once.
import { expect, test } from '@playwright/test';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

const LONG = { timeout: 60_000 };

test('import a prompt set, evaluate A against B, reload, cancel and continue', async ({ page }) => {
  test.setTimeout(120_000);
  await page.goto('/?engine=fake&fakeDelay=4#/evaluate');
  await expect(page.getByTestId('step-not-built')).toHaveCount(0);

  // Prompt sets: a bad file names its line and field; a good one becomes the chosen set.
  const file = (name: string, text: string) => ({
    name,
    mimeType: 'text/plain',
    buffer: Buffer.from(text),
  });
  await page
    .getByTestId('eval-import')
    .setInputFiles(file('bad.jsonl', '{"prompt":"Fine?"}\n{"prompt": 7}\n'));
  await expect(page.getByTestId('eval-import-message')).toContainText('bad.jsonl');
  await expect(page.getByTestId('eval-import-message')).toContainText('line 2');
  await page
    .getByTestId('eval-import')
    .setInputFiles(
      file(
        'mine.jsonl',
        '{"prompt":"How do I sharpen a kitchen knife?","category":"how-to"}\n' +
          '{"prompt":"Why is the sea salty?","category":"information"}\n' +
          '{"prompt":"Write a haiku about rain.","category":"writing"}\n',
      ),
    );
  await expect(page.getByTestId('eval-import-message')).toContainText('Imported 3 prompts');
  await expect(page.getByTestId('eval-set').locator('option:checked')).toContainText('mine');

  // A (rater role) against B (backward role), judged by the judge role, S_a + S_w.
  await page.getByTestId('eval-b-role').selectOption('backward');
  await page.getByTestId('eval-tagging').selectOption('both');
  await page.getByTestId('eval-batch').fill('2');
  await page.getByTestId('eval-start').click();
  await expect(page.getByTestId('eval-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('eval-error')).toHaveCount(0);
  await expect(page.getByTestId('eval-answer')).toHaveCount(3);
  const rate = (await page.getByTestId('eval-win-rate').textContent())!;
  expect(rate).toMatch(/^\d+\.\d% ± \d+\.\d%$/);
  await expect(page.getByTestId('eval-n')).toContainText('A won');
  await expect(page.getByTestId('eval-lengths')).toContainText('characters');

  // Persisted: after a reload the same figures and answers are shown.
  await page.reload();
  await expect(page.getByTestId('eval-win-rate')).toHaveText(rate, LONG);
  await expect(page.getByTestId('eval-answer')).toHaveCount(3);
  await page.getByTestId('eval-answer').first().locator('summary').click();
  await expect(page.getByTestId('eval-verdict-a-first').first()).toHaveText(
    /A better|B better|tie|unread/,
  );
  await expect(page.getByTestId('eval-verdict-b-first').first()).toBeVisible();

  // The embedded starter set: cancelled after a few prompts, reloaded, continued.
  await page.getByTestId('eval-set').selectOption('starter');
  await page.getByTestId('eval-limit').fill('8');
  await page.getByTestId('eval-batch').fill('1');
  await page.getByTestId('eval-start').click();
  await expect(page.getByTestId('eval-count')).toContainText(/^[2-7]/, LONG);
  await page.getByTestId('eval-cancel').click();
  await expect(page.getByTestId('eval-live')).toHaveCount(0, LONG);
  await page.reload();
  await expect(page.getByTestId('eval-unfinished')).toBeVisible(LONG);
  const answered = await page.getByTestId('eval-answer').count();
  expect(answered).toBeGreaterThan(0);
  expect(answered).toBeLessThan(8);
  await page.getByTestId('eval-resume').click();
  await expect(page.getByTestId('eval-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('eval-unfinished')).toHaveCount(0);
  await expect(page.getByTestId('eval-answer')).toHaveCount(8);
  await expect(page.getByTestId('eval-categories')).toBeVisible();
  // Each of the 8 prompts once, in the set's order.
  const prompts = await page.getByTestId('eval-answer').locator('summary').allTextContents();
  expect(new Set(prompts).size).toBe(8);
});
