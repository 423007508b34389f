// The method end to end on a real (tiny, random) model in Chromium, through the app's real ONNX
// engine in its workers, not the fake (issue 10, "Tests"): demo data → M_yx trained on the
// reversed seed from the Augment screen → augmentation → curation in paper mode, paused and the
// page reloaded in the middle → the run finishes with the same ratings as an uninterrupted run
// (greedy decoding makes them comparable) → fast mode → M1 trained on seed + A(1) from the Train
// step, attached to the run → the Curate step offers the run's M1 as iteration 2's rater →
// A(2) → M2 trained on seed + A(2) from the Train step, shown in the chain with the pairs it
// trained on. The model is served as a Hugging Face repo by the test. A random model writes
// junk, so this asserts counts, persistence, lineage and equality, never quality; the corpus is
// cut to a few segments and the generations to a few tokens.
import { expect, test, type Page } from '@playwright/test';
import { removeTempDirs } from '../helpers/tiny-checkpoint-fs';
import { fakeHub, tinyModelFolder } from './tiny-model';

const SEGMENTS = 2;
const LONG = { timeout: 120_000 };

test.afterAll(() => removeTempDirs());

const t0 = Date.now();
/** Where the time goes, in the test's log. */
const mark = (what: string) =>
  console.log(`[method-real] ${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`);

test.beforeEach(async ({ page }) => {
  page.on('pageerror', (err) => console.log(`pageerror: ${err.message}`));
});

/** A training of a few steps on the CPU from the Train step, on the served tiny model. */
async function train(page: Page, setUp: () => Promise<void>): Promise<void> {
  const form = page.getByTestId('train-form');
  await form.getByLabel('Hugging Face id', { exact: true }).check();
  await page.getByTestId('train-model-id').fill('org/tiny');
  await setUp();
  await form.getByLabel('Max tokens per example', { exact: true }).fill('512');
  await form.getByLabel('Peak learning rate', { exact: true }).fill('0.05');
  await form.getByLabel('Warmup steps', { exact: true }).fill('0');
  await page.getByTestId('train-steps').fill('1');
  await form.getByLabel('Batch (rows)', { exact: true }).fill('2');
  await form.getByLabel('Accumulation', { exact: true }).fill('1');
  await form.getByLabel('Eval every (steps)', { exact: true }).fill('0');
  await form.getByLabel('Checkpoint every (steps)', { exact: true }).fill('1');
  await form.getByLabel('Device', { exact: true }).selectOption('wasm');
  const before = await page.getByTestId('checkpoint-row').count();
  await page.getByTestId('train-start').click();
  await expect(
    page.getByTestId('checkpoint-row').nth(before).or(page.getByTestId('train-error')),
  ).toBeVisible(LONG);
  const error = page.getByTestId('train-error');
  if (await error.count()) throw new Error(`training failed: ${await error.textContent()}`);
  await expect(page.getByTestId('train-start')).toBeVisible(LONG);
}

/** Every rating of a run's candidates, by segment, as stored in IndexedDB. */
async function ratingsOf(page: Page, runName: string): Promise<Record<string, unknown>> {
  return page.evaluate(async (name) => {
    const db = await new Promise<IDBDatabase>((ok, fail) => {
      const req = indexedDB.open('humpback-studio');
      req.onsuccess = () => ok(req.result);
      req.onerror = () => fail(req.error);
    });
    const all = <T>(store: string) =>
      new Promise<T[]>((ok, fail) => {
        const req = db.transaction(store).objectStore(store).getAll();
        req.onsuccess = () => ok(req.result as T[]);
        req.onerror = () => fail(req.error);
      });
    const runs = await all<{ id: string; name: string }>('runs');
    const runId = runs.find((r) => r.name === name)!.id;
    const candidates = await all<{
      runId: string;
      segmentId: string;
      instruction: string;
      ratings: { iteration: number; mode: string; score?: number; raw?: string }[];
    }>('candidates');
    db.close();
    return Object.fromEntries(
      candidates
        .filter((c) => c.runId === runId)
        .map((c) => [
          c.segmentId,
          {
            instruction: c.instruction,
            ratings: c.ratings.map((r) => [r.iteration, r.mode, r.score ?? null, r.raw ?? null]),
          },
        ]),
    );
  }, runName);
}

async function augment(page: Page, runName: string): Promise<void> {
  await page.getByTestId('nav-augment').click();
  if (runName !== 'main') {
    await page.getByTestId('run-name').fill(runName);
    await page.getByTestId('run-create').click();
  }
  await expect(page.getByTestId('run-select').locator('option:checked')).toHaveText(runName);
  await page.getByTestId('augment-limit').fill(String(SEGMENTS));
  await page.getByLabel('Temperature', { exact: true }).fill('0');
  await page.getByLabel('Max new tokens', { exact: true }).fill('8');
  await page.getByLabel('Batch', { exact: true }).fill(String(SEGMENTS));
  await page.getByTestId('augment-start').click();
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('augment-candidates')).toHaveText(String(SEGMENTS));
}

/** Paper mode, greedy, a short reasoning budget, one pair per batch. */
async function curateForm(page: Page): Promise<void> {
  await page.getByTestId('nav-curate').click();
  await page.getByTestId('curate-paper').check();
  await page.getByLabel('Temperature (paper)').fill('0');
  await page.getByLabel('Reasoning budget (tokens)').fill('6');
  await page.getByTestId('curate-batch').fill('1');
}

test('a real tiny model: M_yx → augment → curate (reload) → fast → M1 → A(2) → M2', async ({
  page,
}) => {
  // About 9.5 min at load average 20 on this 2-core machine; the budget leaves room for that.
  test.setTimeout(900_000);
  const { files } = tinyModelFolder(4096);
  await fakeHub(page.context(), files);
  await page.goto('/#/data');
  await page.getByTestId('load-demo').click();
  await expect(page.getByTestId('seed-count')).toContainText('30', LONG);
  await expect(page.getByTestId('ingest-progress')).toHaveCount(0, LONG);

  mark('demo loaded');
  // The run, and its backward model M_yx trained from the Augment screen.
  await page.getByTestId('nav-augment').click();
  await page.getByTestId('run-name').fill('main');
  await page.getByTestId('run-create').click();
  await page.getByTestId('augment-train-backward').click();
  await expect(page.getByTestId('train-mode')).toHaveValue('backward');
  await expect(page.getByTestId('train-run').locator('option:checked')).toHaveText(/main/);
  await train(page, async () => undefined);

  mark('M_yx trained');
  // Roles: the base + M_yx writes instructions, the base rates (M0).
  await page.goto('/#/models');
  await page.getByTestId('pg-source').selectOption('hf');
  await page.getByTestId('pg-model-id').fill('org/tiny');
  await page.getByTestId('pg-device').selectOption('wasm');
  await page.getByTestId('pg-load').click();
  await expect(page.getByTestId('pg-loaded')).toContainText('Loaded org/tiny on onnx', LONG);
  const adapter = page.getByTestId('adapter-row').filter({ hasText: 'M_yx' });
  await adapter.getByTestId('adapter-use').click();
  await expect(page.getByTestId('pg-adapter')).not.toHaveValue('', LONG);
  await page.getByTestId('assign-backward').click();
  await expect(page.getByTestId('role-backward-value')).toContainText('+ adapter M_yx');
  await page.getByTestId('pg-adapter').selectOption('');
  await page.getByTestId('assign-rater').click();
  await expect(page.getByTestId('role-rater-value')).toHaveText('org/tiny on onnx');

  mark('roles assigned');
  // Reference: a run augmented and curated without interruption.
  await augment(page, 'main');
  mark('main augmented');
  await augment(page, 'reference');
  await curateForm(page);
  await page.getByTestId('curate-start').click();
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('curation-1-paper')).toBeVisible();
  const reference = await ratingsOf(page, 'reference');
  mark('reference run augmented and curated');

  // The run under test: paused after its first pair, the page reloaded, then continued.
  await page.getByTestId('run-select').selectOption({ label: 'main' });
  await curateForm(page);
  await page.getByTestId('curate-start').click();
  await expect(page.getByTestId('stage-count')).toContainText(/^[1-9]/, LONG);
  await page.getByTestId('stage-pause').click();
  await expect(page.getByTestId('stage-unfinished')).toContainText('curate-1-paper', LONG);
  mark('paused');
  await page.reload();
  // The reload reopens the run the user was on (not the newest, 'reference').
  await expect(page.getByTestId('run-select').locator('option:checked')).toHaveText('main');
  await expect(page.getByTestId('stage-unfinished')).toContainText('curate-1-paper');
  await page.getByTestId('stage-resume').click();
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('stage-unfinished')).toHaveCount(0);
  mark('resumed and finished');
  const main = await ratingsOf(page, 'main');
  // The same segments, instructions and ratings (score and raw output): nothing lost or repeated.
  expect(Object.keys(main)).toHaveLength(SEGMENTS);
  expect(Object.values(main)).toEqual(Object.values(reference));
  const rated = Object.values(main).filter((c) => (c as { ratings: unknown[] }).ratings.length);
  expect(rated.length).toBeGreaterThan(0);

  // Fast mode on the same pairs, and its agreement with paper mode.
  await page.getByTestId('curate-fast').check();
  await page.getByTestId('curate-start').click();
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('curation-1-fast')).toBeVisible();
  await expect(page.getByTestId('agreement-1')).toBeVisible();

  mark('fast mode done');
  // M1 on seed + A(1) of this run from the Train step: its adapter is attached to the run.
  await page.goto('/#/train');
  await train(page, async () => {
    await page.getByTestId('train-mode').selectOption('seed+curated');
    await page.getByTestId('train-run').selectOption({ label: 'main' });
    await page.getByTestId('train-iteration').fill('1');
  });

  mark('M1 trained');
  // Iteration 2 is rated by the run's own M1 by default, recorded in the chain.
  await curateForm(page);
  await page.getByTestId('run-select').selectOption({ label: 'main' });
  await page.getByTestId('curate-iteration').fill('2');
  await expect(page.getByTestId('curate-rater-note')).toContainText('M1 of this run: org/tiny');
  await page.getByTestId('curate-start').click();
  await expect(page.getByTestId('stage-live')).toHaveCount(0, LONG);
  await expect(page.getByTestId('curation-2-paper')).toBeVisible();
  await expect(page.getByTestId('chain-M1')).toContainText('org/tiny + adapter');
  await expect(page.getByTestId('chain-A2')).toContainText(`of ${rated.length} (paper)`);
  const after = await ratingsOf(page, 'main');
  // A(1) stays; every usable pair has its iteration-2 rating too.
  for (const [id, c] of Object.entries(after) as [string, { ratings: unknown[][] }][]) {
    const before = (main[id] as { ratings: unknown[][] }).ratings;
    expect(c.ratings.slice(0, before.length)).toEqual(before);
    if (before.length) expect(c.ratings.some((r) => r[0] === 2)).toBe(true);
  }
  mark('A(2) done');

  // M2 on seed + A(2) from the Train step: the chain shows it with the pairs it trained on.
  const keptA2 = Number(
    (await page.getByTestId('chain-A2').textContent())?.match(/(\d+) kept/)?.[1],
  );
  await page.goto('/#/train');
  await train(page, async () => {
    await page.getByTestId('train-mode').selectOption('seed+curated');
    await page.getByTestId('train-run').selectOption({ label: 'main' });
    await page.getByTestId('train-iteration').fill('2');
  });
  await expect(page.getByTestId('checkpoint-row').filter({ hasText: 'M2' })).toHaveCount(1);
  await page.getByTestId('nav-curate').click();
  await expect(page.getByTestId('chain-M2')).toContainText(
    new RegExp(`org/tiny \\+ adapter .*, trained on 30 seed \\+ ${keptA2} A\\(2\\) pairs`),
  );
  mark('M2 trained');
});
