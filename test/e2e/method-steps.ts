// Steps of the method through the UI on the fake engines, shared by the e2e specs that need a
// run (method, workshop, export, review): the demo data, a new augmented run, a finished curation.
import { readFileSync } from 'node:fs';
import { expect, type Page } from '@playwright/test';

export const demoDocuments = (
  JSON.parse(readFileSync('public/demo/manifest.json', 'utf8')) as { documents: string[] }
).documents.length;

export const LONG = { timeout: 120_000 };

/** Imports the demo data on the Data step and waits until it is in. */
export async function loadDemo(page: Page): Promise<void> {
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('count-documents')).toHaveText(String(demoDocuments), {
    timeout: 90_000,
  });
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0, { timeout: 90_000 });
}

export async function augmentNewRun(page: Page, name: string): Promise<void> {
  await page.getByTestId('nav-augment').click();
  await page.getByTestId('run-name').fill(name);
  await page.getByTestId('run-create').click();
  await expect(page.getByTestId('run-select').locator('option:checked')).toHaveText(name);
  await page.getByTestId('augment-start').click();
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('augment-candidates')).not.toHaveText('0');
}

export async function finishCuration(page: Page, row: string): Promise<void> {
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId(row)).toBeVisible();
}
