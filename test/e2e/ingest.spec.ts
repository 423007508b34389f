// Corpus ingestion end to end in Chromium: every reader format through the Data step, the
// embedded demo with its planted junk, and a reload in the middle of an import that resumes
// from the last committed batch (same counts as an uninterrupted import: no duplicates, no gaps).
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { bigJsonl, everyFormat } from './ingest-fixtures';

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

async function newWorkspace(page: Page, name: string): Promise<void> {
  await page.getByTestId('workspace-new').click();
  await page.getByTestId('workspace-name').fill(name);
  await page.getByTestId('workspace-submit').click();
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(name);
  await expect(page.getByTestId('drop-zone')).toBeVisible();
}

async function count(page: Page, id: string): Promise<number> {
  return Number(await page.getByTestId(id).textContent());
}

async function waitIdle(page: Page, timeout = 90_000): Promise<void> {
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0, { timeout });
}

test('every supported format imports', async ({ page }) => {
  await page.goto('/');
  await newWorkspace(page, 'Formats');
  const files = everyFormat();
  await page.getByTestId('file-input').setInputFiles(files);
  const expected = files.reduce((n, f) => n + f.documents, 0);
  await expect(page.getByTestId('count-documents')).toHaveText(String(expected), {
    timeout: 60_000,
  });
  await waitIdle(page);
  await expect(page.getByTestId('failed-files')).toHaveCount(0);
  expect(await count(page, 'count-kept')).toBeGreaterThanOrEqual(expected);
  await expect(page.getByTestId('segment-row').first()).toBeVisible();
});

test('the demo loads and every planted junk reason has a count', async ({ page }) => {
  const manifest = JSON.parse(readFileSync('public/demo/manifest.json', 'utf8')) as {
    documents: string[];
    junk: { expect: string }[];
  };
  await page.goto('/');
  await newWorkspace(page, 'Demo');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('count-documents')).toHaveText(String(manifest.documents.length), {
    timeout: 60_000,
  });
  await waitIdle(page);
  for (const reason of new Set(manifest.junk.map((j) => j.expect))) {
    expect(await count(page, `reason-count-${reason}`), reason).toBeGreaterThan(0);
  }
  await expect(page.getByTestId('seed-count')).not.toHaveText('(0 in this workspace)');
  // Samples of a dropped reason are shown with their header path.
  const reason = manifest.junk[0].expect;
  await page.getByTestId(`reason-${reason}`).getByRole('button', { name: 'show samples' }).click();
  await expect(page.getByTestId('samples').locator('article').first()).toBeVisible();
});

test('a reload mid-import resumes with no duplicates and no gaps', async ({ page }) => {
  test.setTimeout(300_000);
  const big = bigJsonl(1500);
  await page.goto('/');

  // Reference: the same file imported without interruption.
  await newWorkspace(page, 'Reference');
  await page.getByTestId('file-input').setInputFiles([big]);
  await expect(page.getByTestId('count-documents')).toHaveText(String(big.documents), {
    timeout: 200_000,
  });
  await waitIdle(page);
  const reference = {
    segments: await count(page, 'count-segments'),
    kept: await count(page, 'count-kept'),
  };

  await newWorkspace(page, 'Interrupted');
  await page.getByTestId('file-input').setInputFiles([big]);
  await expect
    .poll(
      async () => {
        const text =
          (await page
            .getByTestId('live-counts')
            .textContent()
            .catch(() => null)) ?? '';
        return Number(text.match(/(\d+) documents/)?.[1] ?? 0);
      },
      { timeout: 100_000 },
    )
    .toBeGreaterThan(300);
  await page.reload();
  // The interrupted file continues by itself after the reload, from its committed cursor.
  await expect(page.getByTestId('job').filter({ hasText: 'Resume import' })).toBeVisible({
    timeout: 30_000,
  });
  await expect(page.getByTestId('count-documents')).toHaveText(String(big.documents), {
    timeout: 200_000,
  });
  await waitIdle(page);
  expect(await count(page, 'count-segments')).toBe(reference.segments);
  expect(await count(page, 'count-kept')).toBe(reference.kept);
  await expect(page.getByTestId('unfinished-imports')).toHaveCount(0);
});
