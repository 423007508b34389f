// The first minute of a new user (issue 15): a fresh browser profile opens on the demo offer,
// one click loads and segments the demo, and every screen is then opened. The walk fails on
// any console warning or error, any failed request or response >= 400, any serious or critical
// accessibility violation (axe-core), and any disagreement between the counts shown in the step
// summary, the badges, the Corpus panel and the Storage view. Screenshots of every screen at a
// laptop (1280×800) and a projector (1024×768) size land in test-results/screens/. The same
// walk runs against the dev server too (the README's first command), where Svelte reports its
// dev-only warnings (ownership, a11y) on the console.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { formatBytes } from '../../src/lib/util/format';
import {
  accessibilityProblems,
  focusOrderProblems,
  screens,
  screenshots,
  sizes,
  watchProblems,
} from './page-checks';

const steps = ['data', 'models', 'augment', 'curate', 'train', 'evaluate', 'export'];

const demoDocuments = (
  JSON.parse(readFileSync('public/demo/manifest.json', 'utf8')) as { documents: string[] }
).documents;

/** Bytes of the demo documents, as the import reads them. */
function demoBytes(): number {
  return demoDocuments.reduce((n, f) => n + statSync(`public/demo/${f}`).size, 0);
}

async function number(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

interface WalkOptions {
  /** Origin to open; the preview server from playwright.config.ts when absent. */
  origin?: string;
  /** Save screenshots and run axe on each screen. */
  inspect: boolean;
}

/** The walk of a new user; returns every console / network problem seen on the way. */
async function walk(page: Page, { origin = '', inspect }: WalkOptions): Promise<string[]> {
  mkdirSync(screens, { recursive: true });
  const problems = watchProblems(page);
  await page.setViewportSize(sizes[0]);
  const check = async (screen: string) => {
    if (!inspect) return;
    await screenshots(page, screen);
    expect(await accessibilityProblems(page), screen).toEqual([]);
  };

  // 1. The first screen offers the demo; nothing has to be set up first.
  await page.goto(`${origin}/`);
  await expect(page.getByTestId('workspace-select').locator('option:checked')).toHaveText(
    'My workspace',
  );
  await expect(page.getByTestId('demo-offer')).toBeVisible();
  await expect(page.getByTestId('capability-ok')).toBeVisible();
  // Headless Chromium never asks for a favicon, but every desktop browser does, on every load:
  // the page must name one that exists, or the console shows a 404 for /favicon.ico.
  const icon = await page.locator('link[rel="icon"]').getAttribute('href');
  expect((await page.request.get(new URL(icon!, page.url()).href)).status()).toBe(200);
  await check('first-screen');

  // 2. One click loads and segments it.
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('count-documents')).toHaveText(String(demoDocuments.length), {
    timeout: 90_000,
  });
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0, { timeout: 90_000 });
  await expect(page.getByTestId('demo-offer')).toHaveCount(0);
  const job = page.getByTestId('job').first();
  await expect(job).toHaveAttribute('data-status', 'done');
  // The demo files have no size until fetched: the job counts the bytes read, with no total.
  await expect(job.getByTestId('job-count')).toHaveText(formatBytes(demoBytes()));

  // 3. Every count shown twice agrees: Corpus panel, step summary, badges.
  const documents = await number(page, 'count-documents');
  const segments = await number(page, 'count-segments');
  const kept = await number(page, 'count-kept');
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThan(segments);
  const summary = `${documents} documents, ${kept} kept of ${segments} segments, 30 seed pairs`;
  await expect(page.getByTestId('step-detail')).toHaveText(summary);
  await expect(page.getByTestId('step-data').getByTestId('step-badge')).toHaveText('done');
  await expect(page.getByTestId('nav-data').getByTestId('step-badge')).toHaveText('done');
  await expect(page.getByTestId('seed-count')).toContainText('30');
  await check('data');

  // 4. Every other step, then Storage and Diagnostics.
  for (const step of steps.slice(1)) {
    await page.getByTestId(`nav-${step}`).click();
    await expect(page.getByTestId(`step-${step}`)).toBeVisible();
    const badge = await page.getByTestId(`step-${step}`).getByTestId('step-badge').textContent();
    await expect(page.getByTestId(`nav-${step}`).getByTestId('step-badge')).toHaveText(badge!);
    if (step === 'train') {
      await expect(page.getByTestId('train-form')).toBeVisible();
      // Data done, seeds present, no adapter yet.
      expect(badge).toBe('ready');
      if (inspect) {
        for (const size of sizes) {
          await page.setViewportSize(size);
          expect(await focusOrderProblems(page, '[data-testid="train-form"]'), 'train').toEqual([]);
        }
        await page.setViewportSize(sizes[0]);
      }
    }
    if (step === 'augment')
      await expect(page.getByTestId('step-needs')).toContainText('a backward model');
    await check(step);
  }

  await page.getByTestId('nav-storage').click();
  await expect(page.getByTestId('storage-contents')).toContainText(
    `${documents} documents, ${kept} kept of ${segments} segments, 30 seed pairs`,
  );
  const usage = (await page.getByTestId('storage-usage').textContent())!.split(' available')[0];
  await check('storage');

  await page.getByTestId('nav-diagnostics').click();
  await expect(page.getByTestId('capability-details')).toBeVisible();
  await expect(page.getByTestId('diagnostics-storage')).toHaveText(usage.trim());
  await check('diagnostics');

  // 5. A reload shows the same numbers (they come from the store, not from the import job).
  await page.goto(`${origin}/#/data`);
  await expect(page.getByTestId('count-kept')).toHaveText(String(kept));
  await expect(page.getByTestId('step-detail')).toHaveText(summary);
  return problems;
}

test('a new user reaches the segmented demo in one click, and every screen is clean', async ({
  page,
}) => {
  test.setTimeout(240_000);
  const problems = await walk(page, { inspect: true });
  expect(problems, problems.join('\n')).toEqual([]);
});

test.describe('on the dev server (`npm run dev`)', () => {
  const port = Number(process.env.E2E_DEV_PORT ?? 5179);
  let server: ChildProcess | undefined;

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(180_000);
    server = spawn('npx', ['vite', '--port', String(port), '--strictPort'], {
      stdio: 'ignore',
      detached: true,
    });
    // Let Vite discover and pre-bundle the app's dependencies once, so the walk itself does
    // not see the full reload that follows a first optimisation.
    const warm = await browser.newPage();
    await expect(async () => {
      await warm.goto(`http://localhost:${port}/`);
      await expect(warm.getByTestId('workspace-select')).toBeVisible({ timeout: 5_000 });
    }).toPass({ timeout: 150_000 });
    await warm.waitForLoadState('networkidle');
    await warm.close();
  });

  test.afterAll(() => {
    if (server?.pid) process.kill(-server.pid);
  });

  test('the same walk shows no dev-only warnings', async ({ page }) => {
    test.setTimeout(240_000);
    const problems = await walk(page, { origin: `http://localhost:${port}`, inspect: false });
    expect(problems, problems.join('\n')).toEqual([]);
  });
});
