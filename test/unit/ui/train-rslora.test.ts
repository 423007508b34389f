// @vitest-environment happy-dom
// The Train form's rsLoRA checkbox (issue 8 item 7): found by its label, off by default, and
// when ticked the training request carries lora.useRslora = true (the trainer then feeds
// lora.scale = alpha/√r and the PEFT download says use_rslora: true).
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderTrainView } from './train-harness';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

describe('Train form: rsLoRA scaling', () => {
  it.each([
    ['left off', false],
    ['ticked', true],
  ])('%s, the request says useRslora %s', async (_, tick) => {
    const { seen, close } = renderTrainView();
    const box = screen.getByLabelText('rsLoRA scaling (α/√r)') as HTMLInputElement;
    expect(box.type).toBe('checkbox');
    expect(box.checked).toBe(false);
    if (tick) await fireEvent.click(box);
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0].options.lora.useRslora).toBe(tick);
    close();
  });
});
