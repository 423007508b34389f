// @vitest-environment happy-dom
// The Export step (issue 11 items 4–5) through the real ExportState over the real store
// (fake-indexeddb): the statistics panel shows the run's table and histogram, the form's rule
// changes the count, and the download streams the selected pairs into the saved file (the
// Blob path, with a recording download environment).
import 'fake-indexeddb/auto';
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { Candidate } from '../../../src/lib/domain';
import {
  ExportState,
  exportOptions,
  defaultExportForm,
} from '../../../src/lib/state/export.svelte';
import type { DownloadEnv } from '../../../src/lib/util/download';
import ExportView from '../../../src/ui/views/ExportView.svelte';
import { freshStore } from '../store/helpers';

afterEach(cleanup);

describe('exportOptions', () => {
  it('turns the form into the export library options', () => {
    const f = { ...defaultExportForm(), rating: 'M0 fast@1', includeSeed: false, k: 4 };
    expect(exportOptions(f)).toEqual({
      format: 'alpaca',
      systemTags: false,
      selection: {
        rule: { by: 'score', k: 4 },
        origins: ['augmented'],
        rater: 'M0 fast',
        iteration: 1,
      },
    });
    expect(exportOptions({ ...f, rule: 'expected', rating: '' }).selection).toEqual({
      rule: { by: 'expected', atLeast: 4.5 },
      origins: ['augmented'],
    });
  });
});

describe('Export step', () => {
  it('statistics, count by rule, and a streamed download', async () => {
    const { store } = await freshStore();
    const ws = (await store.workspaces.create('w')).id;
    await store.seeds.addMany(ws, [{ instruction: 'Seed?', output: 'Seed.', source: 's' }]);
    const run = await store.runs.create(ws, { name: 'Run A', config: {} });
    await store.candidates.putBatch(
      [5, 3, 5, 1].map((score, i): Candidate => ({
        id: `c${i}`,
        workspaceId: ws,
        runId: run.id,
        segmentId: `s${i}`,
        documentId: 'd',
        headerPath: [],
        output: `Passage ${i}`,
        rawInstruction: `Question ${i}?`,
        instruction: `Question ${i}?`,
        producedBy: 'm',
        ratings: [{ rater: 'x', iteration: 1, mode: 'paper', score, ratedAt: i }],
      })),
    );
    const saved: Blob[] = [];
    const env: DownloadEnv = {
      createObjectURL: (b) => (saved.push(b), 'blob:x'),
      revokeObjectURL: () => {},
      clickDownload: () => {},
    };
    const exporter = new ExportState(store, () => ws, env);
    render(ExportView, { exporter, workspaceId: ws });

    await waitFor(() => expect(screen.getByTestId('export-count').textContent).toBe('3'));
    const row = (id: string) => screen.getByTestId(`stats-row-${id}`);
    expect(row('seed').querySelector('[data-testid="stats-count"]')?.textContent).toBe('1');
    expect(row('all').querySelector('[data-testid="stats-count"]')?.textContent).toBe('4');
    expect(row('a5').querySelector('[data-testid="stats-count"]')?.textContent).toBe('2');
    const bars = screen.getByTestId('histogram-M0-1').querySelectorAll('[data-testid^="bar-"]');
    expect([...bars].map((b) => b.textContent)).toEqual(['1', '0', '1', '0', '2', '0']);
    expect(screen.getByTestId('export-in-memory')).toBeTruthy();

    await fireEvent.click(screen.getByTestId('export-rule-all'));
    await waitFor(() => expect(screen.getByTestId('export-count').textContent).toBe('5'));
    await fireEvent.click(screen.getByTestId('export-download'));
    await waitFor(() =>
      expect(screen.getByTestId('export-saved').textContent).toContain('run-a-alpaca.jsonl'),
    );
    const lines = (await saved[0].text())
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.instruction)).toEqual([
      'Seed?',
      'Question 0?',
      'Question 1?',
      'Question 2?',
      'Question 3?',
    ]);

    // The run report and the dataset card describe this export.
    await fireEvent.click(screen.getByTestId('export-report-json'));
    await waitFor(() => expect(saved).toHaveLength(2));
    const report = JSON.parse(await saved[1].text());
    expect(report.statistics.map((r: { count: number }) => r.count)).toEqual([1, 2, 2, 4]);
    expect(report.exported).toEqual([{ path: 'run-a-alpaca.jsonl', format: 'alpaca', rows: 5 }]);
    expect(report.histograms[0].svg).toMatch(/^<svg/);
    await fireEvent.click(screen.getByTestId('export-report-md'));
    await waitFor(() => expect(saved).toHaveLength(3));
    expect(await saved[2].text()).toContain('## Data statistics');
    await fireEvent.click(screen.getByTestId('export-card'));
    await waitFor(() => expect(saved).toHaveLength(4));
    expect(await saved[3].text()).toContain('5 instruction–response pairs: 1 from the seed set');
  });
});
