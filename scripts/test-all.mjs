// `npm test`: every quality gate and every test runner, in order, then one summary line
// `N passed, N failed, N skipped` that CI reads. Each gate (svelte-check, ESLint, Prettier,
// the production build) counts as one test; runners report their own counts via JSON.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';

const reports = 'reports';
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });

const totals = { passed: 0, failed: 0, skipped: 0 };
const failures = [];

function run(label, cmd, args, env = {}) {
  const started = Date.now();
  console.log(`\n=== ${label}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  console.log(`=== ${label}: exit ${r.status} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return r.status === 0;
}

function gate(label, cmd, args) {
  const ok = run(label, cmd, args);
  if (ok) totals.passed += 1;
  else {
    totals.failed += 1;
    failures.push(label);
  }
  return ok;
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

function vitest(label, args, report) {
  const ok = run(label, 'npx', [
    'vitest',
    'run',
    ...args,
    '--reporter=default',
    '--reporter=json',
    `--outputFile.json=${report}`,
  ]);
  const json = readJson(report);
  if (!json) {
    totals.failed += 1;
    failures.push(`${label} (no report)`);
    return;
  }
  totals.passed += json.numPassedTests;
  totals.failed += json.numFailedTests;
  totals.skipped += json.numPendingTests + json.numTodoTests;
  // A suite that fails to load reports no failed test but a failed run.
  if (!ok && json.numFailedTests === 0) {
    totals.failed += 1;
    failures.push(`${label} (suite error)`);
  } else if (json.numFailedTests > 0) failures.push(label);
}

function playwrightRun(label) {
  const report = `${reports}/playwright.json`;
  const ok = run(label, 'npx', ['playwright', 'test', '--reporter=list,json'], {
    PLAYWRIGHT_JSON_OUTPUT_NAME: report,
  });
  const json = readJson(report);
  if (!json) {
    totals.failed += 1;
    failures.push(`${label} (no report)`);
    return;
  }
  const s = json.stats;
  totals.passed += s.expected + s.flaky;
  totals.failed += s.unexpected;
  totals.skipped += s.skipped;
  if (!ok && s.unexpected === 0) {
    totals.failed += 1;
    failures.push(`${label} (run error)`);
  } else if (s.unexpected > 0) failures.push(label);
}

const only = process.argv[2]; // optional: unit | browser | e2e | gates

if (!only || only === 'gates') {
  gate('svelte-check', 'npx', [
    'svelte-check',
    '--tsconfig',
    './tsconfig.json',
    '--fail-on-warnings',
  ]);
  gate('eslint', 'npx', ['eslint', '.', '--max-warnings=0']);
  gate('prettier', 'npx', ['prettier', '--check', '.', '--log-level=warn']);
}
if (!only || only === 'unit') vitest('unit (node)', [], `${reports}/vitest-node.json`);
// End-to-end tests run against dist/ (`vite preview`), so they always get a fresh build: an
// old dist/ would test old code. The browser runner serves the sources itself and needs none.
const built =
  (!only || only === 'e2e') && gate('vite build', 'npx', ['vite', 'build', '--logLevel', 'warn']);
if (!only || only === 'browser')
  vitest(
    'browser (chromium)',
    ['--config', 'vitest.browser.config.ts'],
    `${reports}/vitest-browser.json`,
  );
if ((!only || only === 'e2e') && !built) console.log('=== e2e skipped: the build failed');
else if (!only || only === 'e2e') playwrightRun('e2e (playwright)');

if (failures.length) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
