// @vitest-environment happy-dom
// Imported files with issues show their messages, e.g. how many bytes were replaced with
// U+FFFD and in which encoding the file was read (issue 13 item 3).
import { cleanup, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import ImportList from '../../../src/ui/components/corpus/ImportList.svelte';
import type { SourceFile } from '../../../src/lib/domain';

afterEach(cleanup);

const done = (name: string, issues?: string[]): SourceFile => ({
  id: name,
  workspaceId: 'w',
  name,
  size: 10,
  lastModified: 0,
  importId: 'i',
  status: 'done',
  cursor: { bytes: 10, records: 1 },
  stats: { documents: 1, ...(issues ? { issues: issues.length } : {}) },
  ...(issues ? { issues } : {}),
});

describe('ImportList', () => {
  it('shows the issue messages of imported files, replacement counts included', () => {
    const message =
      'legacy.txt: 3 invalid byte sequences replaced with U+FFFD while decoding as utf-8';
    render(ImportList, {
      unfinished: [],
      failed: [],
      withIssues: [done('legacy.txt', [message])],
      running: false,
      onresume: vi.fn(),
    });
    const box = screen.getByTestId('file-issues');
    expect(box.textContent).toMatch(/1 imported file with issues/);
    expect(box.textContent).toContain(message);
  });

  it('shows nothing when no file has issues', () => {
    render(ImportList, { unfinished: [], failed: [], running: false, onresume: vi.fn() });
    expect(screen.queryByTestId('file-issues')).toBeNull();
  });
});
