// `npm run bench [-- filter]`: runs the Node and browser benchmarks whose file names contain
// `filter`, prints one table and writes test/bench/results.json
// ([{name, value, unit, target, ok, detail}]). Benchmarks are never part of `npm test`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const filter = process.argv[2];
const outDir = 'reports/bench';
// A full run starts clean; a filtered run replaces only what it measures, so results.json
// keeps the latest figure of every benchmark.
if (!filter) rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

const hasBench = (dir) =>
  existsSync(dir) &&
  readdirSync(dir).some((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)));

const runs = [
  ['node', 'vitest.bench.config.ts', 'test/bench/node'],
  ['browser', 'vitest.bench-browser.config.ts', 'test/bench/browser'],
];
let crashed = false;
for (const [label, config, dir] of runs) {
  if (!hasBench(dir)) continue;
  console.log(`\n=== ${label} benchmarks`);
  const args = ['vitest', 'run', '--config', config, ...(filter ? [filter] : [])];
  const r = spawnSync('npx', args, { stdio: 'inherit' });
  if (r.status !== 0) crashed = true;
}

const results = readdirSync(outDir)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => JSON.parse(readFileSync(join(outDir, f), 'utf8')));
writeFileSync('test/bench/results.json', JSON.stringify(results, null, 2) + '\n');

const rows = results.map((r) => [
  r.name,
  String(r.value),
  r.unit,
  r.target ?? '',
  r.ok === null ? '' : r.ok ? 'ok' : 'MISS',
  r.detail ?? '',
]);
const head = ['benchmark', 'value', 'unit', 'target', 'ok', 'detail'];
const widths = head.map((h, i) =>
  Math.min(60, Math.max(h.length, ...rows.map((r) => r[i].length))),
);
const line = (cells) => cells.map((c, i) => c.slice(0, 60).padEnd(widths[i])).join('  ');
console.log('\n' + line(head));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
console.log(`\n${results.length} results written to test/bench/results.json`);
if (results.length === 0)
  console.log(filter ? `No benchmark matches "${filter}".` : 'No benchmarks found.');
process.exit(crashed ? 1 : 0);
