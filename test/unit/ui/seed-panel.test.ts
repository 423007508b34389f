// @vitest-environment happy-dom
// The seed field mapping follows the app's form layout: every select is named by the label
// next to it, and applying sends the chosen fields.
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import type { ComponentProps } from 'svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import SeedPanel from '../../../src/ui/components/corpus/SeedPanel.svelte';

afterEach(cleanup);

type Preview = NonNullable<ComponentProps<typeof SeedPanel>['preview']>;

const preview: Preview = {
  file: 'pairs.csv',
  fields: ['question', 'context', 'answer'],
  shape: null,
  mapping: null,
  rows: [],
  valid: 0,
  errors: [],
  duplicates: [],
  problem: 'Unknown columns: map the fields by hand',
};

describe('SeedPanel field mapping', () => {
  it('names each select by its label and applies the chosen mapping', async () => {
    const onmapping = vi.fn();
    render(SeedPanel, {
      count: 0,
      preview,
      mapping: null,
      result: null,
      busy: false,
      skipDuplicates: true,
      onskipduplicates: vi.fn(),
      onfile: vi.fn(),
      onmapping,
      onimport: vi.fn(),
    });
    const apply = screen.getByRole('button', { name: 'Apply mapping' }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true);
    await fireEvent.change(screen.getByLabelText('Instruction'), { target: { value: 'question' } });
    await fireEvent.change(screen.getByLabelText('Input (optional)'), {
      target: { value: 'context' },
    });
    await fireEvent.change(screen.getByLabelText('Output'), { target: { value: 'answer' } });
    expect(apply.disabled).toBe(false);
    await fireEvent.click(apply);
    expect(onmapping).toHaveBeenCalledWith({
      instruction: 'question',
      input: 'context',
      output: 'answer',
    });
  });
});

describe('SeedPanel duplicates', () => {
  it('lists duplicate pairs and toggles skipping them', async () => {
    const onskipduplicates = vi.fn();
    render(SeedPanel, {
      count: 0,
      preview: {
        ...preview,
        shape: 'alpaca',
        valid: 2,
        problem: null,
        duplicates: [{ line: 3, firstLine: 1 }],
      },
      mapping: null,
      result: null,
      busy: false,
      skipDuplicates: true,
      onskipduplicates,
      onfile: vi.fn(),
      onmapping: vi.fn(),
      onimport: vi.fn(),
    });
    expect(screen.getByTestId('seed-duplicates').textContent).toMatch(
      /1 duplicate pair\s+\(line 3 repeats 1\)/,
    );
    const box = screen.getByLabelText('skip duplicates') as HTMLInputElement;
    expect(box.checked).toBe(true);
    await fireEvent.click(box);
    expect(onskipduplicates).toHaveBeenCalledWith(false);
  });
});
