// @vitest-environment happy-dom
// The Train form's access-token field (issue 8 item 1): a gated Hugging Face model's token goes
// with the model choice to the model worker, which sends it to the Hub only; without one the
// request carries none, and a local folder never carries it.
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderTrainView } from './train-harness';

vi.mock('uplot', () => ({ default: class {} }));
afterEach(cleanup);

describe('Train form: Hugging Face access token', () => {
  it.each([
    ['', undefined],
    ['  hf_secret123  ', 'hf_secret123'],
  ])('token %j reaches the request as %j', async (typed, sent) => {
    const { seen, close } = renderTrainView();
    const field = screen.getByLabelText('Access token') as HTMLInputElement;
    expect(field.type).toBe('password');
    if (typed) await fireEvent.input(field, { target: { value: typed } });
    await fireEvent.click(screen.getByTestId('train-start'));
    await waitFor(() => expect(seen).toHaveLength(1));
    expect(seen[0].model).toEqual(
      sent
        ? { source: 'hf', id: 'HuggingFaceTB/SmolLM2-135M-Instruct', accessToken: sent }
        : { source: 'hf', id: 'HuggingFaceTB/SmolLM2-135M-Instruct' },
    );
    close();
  });

  it('is offered only for Hugging Face models', async () => {
    const { close } = renderTrainView();
    await fireEvent.click(screen.getByLabelText('Local folder'));
    expect(screen.queryByLabelText('Access token')).toBeNull();
    close();
  });
});
