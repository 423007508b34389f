// The Export step in Chromium on a fake-engine run (issue 11 items 4–6): demo → augment →
// curate (paper mode) → Export shows the run's statistics beside the paper's → pick OpenAI
// JSONL with the tagging sentences, download (the Blob path: the file picker needs a person),
// parse the file (the count shown, a system message on every record) → the dataset card →
// the file loads back as seed pairs on the Data step, tags stripped.
import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { augmentNewRun, finishCuration, loadDemo } from './method-steps';

const DEMO_SEEDS = 30;

test('statistics, export, download, and import back as seeds', async ({ page }) => {
  test.setTimeout(120_000);
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
  // Where the File System Access API exists the app asks where to save; a test cannot answer,
  // so the page takes the download path every other browser takes.
  await page.addInitScript(() => {
    (window as { showSaveFilePicker?: unknown }).showSaveFilePicker = undefined;
  });
  await page.goto('/?engine=fake#/data');
  await loadDemo(page);
  await augmentNewRun(page, 'export me');
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-start').click();
  await finishCuration(page, 'curation-1-paper');
  const rated = Number(
    await page.getByTestId('curation-1-paper').locator('td').nth(2).textContent(),
  );

  await page.getByTestId('nav-export').click();
  await expect(page.getByTestId('step-not-built')).toHaveCount(0);
  const stats = page.getByTestId('statistics-panel');
  await expect(stats).toBeVisible();
  await expect(page.getByTestId('stats-row-seed').getByTestId('stats-count')).toHaveText(
    String(DEMO_SEEDS),
  );
  await expect(page.getByTestId('stats-row-all').getByTestId('stats-count')).toHaveText(
    String(rated),
  );
  // The histogram's bars add up to the candidates rated.
  const bars = page.getByTestId('histogram-M0-1').locator('[data-testid^="bar-"]');
  const counts = (await bars.allTextContents()).map(Number);
  expect(counts.reduce((a, b) => a + b, 0)).toBe(rated);
  await expect(page.getByTestId('export-in-memory')).toBeVisible();

  await page.getByTestId('export-format').selectOption('openai');
  await page.getByTestId('export-tags').check();
  await page.getByTestId('export-rule-all').check();
  await expect(page.getByTestId('export-count')).toHaveText(String(DEMO_SEEDS + rated));
  const downloading = page.waitForEvent('download');
  await page.getByTestId('export-download').click();
  const download = await downloading;
  expect(download.suggestedFilename()).toBe('export-me-openai.jsonl');
  const text = readFileSync((await download.path())!, 'utf8');
  const records = text
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as { messages: { role: string; content: string }[] });
  expect(records).toHaveLength(DEMO_SEEDS + rated);
  expect(records.every((r) => r.messages[0].role === 'system')).toBe(true);
  expect(records[0].messages[0].content).toBe('Answer in the style of an AI Assistant.');
  expect(records.at(-1)!.messages[0].content).toBe('Answer with knowledge from web search.');
  await expect(page.getByTestId('export-saved')).toContainText('export-me-openai.jsonl');

  const cardDownload = page.waitForEvent('download');
  await page.getByTestId('export-card').click();
  const card = readFileSync((await (await cardDownload).path())!, 'utf8');
  expect(card).toMatch(/^---\n/);
  expect(card).toContain('export-me-openai.jsonl');

  // Import back: the exported file is a seed set for the next project.
  await page.getByTestId('nav-data').click();
  await page.getByTestId('seed-input').setInputFiles({
    name: download.suggestedFilename(),
    mimeType: 'application/jsonl',
    buffer: Buffer.from(text),
  });
  await expect(page.getByTestId('seed-preview')).toContainText('detected openai-messages');
  // The first pair is the first user turn, not the system message (the tag is stripped).
  await expect(page.getByTestId('seed-preview').locator('tbody tr').first()).toContainText(
    records[0].messages[1].content.slice(0, 60),
  );
  await expect(page.getByTestId('seed-preview')).not.toContainText('Answer in the style');
  await page.getByTestId('seed-import').click();
  const result = (await page.getByTestId('seed-result').textContent())!;
  const imported = Number(/Imported (\d+)/.exec(result)![1]);
  const duplicates = Number(/(\d+) duplicate/.exec(result)?.[1] ?? 0);
  expect(imported + duplicates).toBe(DEMO_SEEDS + rated);
  await expect(page.getByTestId('seed-count')).toContainText(String(DEMO_SEEDS + imported));
});
