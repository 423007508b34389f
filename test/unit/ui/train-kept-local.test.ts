// @vitest-environment happy-dom
// The Train step on a kept local model (hf/local-cache.ts): a folder loaded before is offered
// by name, and training on it sends the worker the same reference stages use (local, no files),
// which the model service loads from the model cache. An adapter's base path names a kept copy
// by its last part.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { keptBaseOf } from '../../../src/lib/state/train.svelte';
import { renderTrainView } from './train-harness';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

describe('Train form: a kept local copy as the base', () => {
  it('offers the kept copies and trains on one without a folder', async () => {
    const { seen, train, close } = renderTrainView(['my-tiny', 'other']);
    await fireEvent.click(screen.getByLabelText('Local folder'));
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() =>
      expect(screen.getByTestId('train-error').textContent).toContain('or a kept copy'),
    );
    const select = (await screen.findByTestId('train-local-kept')) as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['', 'my-tiny', 'other']);
    // (happy-dom's select does not drive Svelte's bind:value; the form field is what it binds)
    train.form.localKept = 'my-tiny';
    await waitFor(() => expect(select.value).toBe('my-tiny'));
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0].model).toEqual({ source: 'local', id: 'my-tiny' });
    close();
  });

  it('finds the kept copy an adapter config names, by name or by its path', () => {
    const config = (base: unknown) =>
      new TextEncoder().encode(JSON.stringify({ base_model_name_or_path: base }));
    const kept = ['my-base'];
    expect(keptBaseOf(config('my-base'), kept)).toBe('my-base');
    expect(keptBaseOf(config('C:\\models\\my-base\\'), kept)).toBe('my-base');
    expect(keptBaseOf(config('org/other'), kept)).toBeUndefined();
    expect(keptBaseOf(config(7), kept)).toBeUndefined();
    expect(keptBaseOf(new TextEncoder().encode('{'), kept)).toBeUndefined();
  });
});
