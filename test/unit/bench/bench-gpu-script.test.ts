// `npm run bench:gpu -- --size tiny` end to end (issue 14 item 3): the script writes a tiny
// random checkpoint and its transformers.js export, runs the browser half in headless
// Chromium (WebGPU through SwiftShader here) and writes a report whose every figure carries
// its roofline bound. Checks the report's shape, not speeds (SwiftShader is a CPU).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { GpuBenchReport } from '../../../scripts/bench-gpu';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const out = 'reports/bench-gpu-ci.json';

describe.skipIf(!existsSync(chromium))('npm run bench:gpu at tiny size', () => {
  it(
    'measures prefill, decode at batch 1 and 8, a LoRA step and transformers.js, each against its bound',
    () => {
      rmSync(out, { force: true });
      const r = spawnSync(
        'node',
        [
          'scripts/run-ts.mjs',
          'scripts/bench-gpu.ts',
          '--size',
          'tiny',
          '--gpu',
          'h200',
          '--out',
          out,
        ],
        { encoding: 'utf8', timeout: 14 * 60_000 },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
      const report = JSON.parse(readFileSync(out, 'utf8')) as GpuBenchReport;
      expect(report.gpu.name).toBe('NVIDIA H200 SXM');
      expect(report.size).toBe('tiny');
      expect(report.params).toBeGreaterThan(0);
      expect(report.rows.map((row) => row.name)).toEqual([
        'ours prefill',
        'ours decode batch 1',
        'ours decode batch 8',
        'ours LoRA train step r16x7 1x8',
        'transformers.js prefill',
        'transformers.js decode batch 1',
      ]);
      for (const row of report.rows) {
        expect(row.value, row.name).toBeGreaterThan(0);
        expect(row.bound, row.name).toBeGreaterThan(0);
        expect(row.ofBound, row.name).toBeCloseTo(row.value / row.bound, 9);
      }
      expect(report.versusTransformers.prefill).toBeGreaterThan(0);
      expect(report.versusTransformers.decode).toBeGreaterThan(0);
      rmSync(out, { force: true });
    },
    15 * 60_000,
  );
});
