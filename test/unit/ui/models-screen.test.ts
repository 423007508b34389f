// @vitest-environment happy-dom
// The Models screen's panels in happy-dom: the catalogue shows a verdict and reason per
// checkpoint for the device; picking the server engine shows where data would go and says the
// engine is not in this build; a loaded (fake) model streams into the output box.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { tick } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import { MemoryBlobCache } from '../../../src/lib/engines/hf/blob-cache';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { startOpenAiTestServer } from '../../helpers/openai-test-server';
import { playgroundEngine } from '../../../src/lib/state/models-open';
import { ModelsState } from '../../../src/lib/state/models.svelte';
import { PlaygroundState } from '../../../src/lib/state/playground.svelte';
import ModelCatalogue from '../../../src/ui/components/models/ModelCatalogue.svelte';
import PlaygroundPanel from '../../../src/ui/components/models/PlaygroundPanel.svelte';

afterEach(() => cleanup());

describe('Models screen', () => {
  it('shows each recommended checkpoint with the verdict for this device', async () => {
    const models = new ModelsState({
      jobs: new JobsState(),
      cache: new MemoryBlobCache(),
      webLlmRecords: async () => [],
      cacheStorage: null,
      settings: { get: async () => undefined, set: async () => {} },
    });
    models.setDevice(
      { shaderF16: true, maxBufferSize: 2 ** 30, maxStorageBufferBindingSize: 128 * 2 ** 20 },
      8,
    );
    render(ModelCatalogue, { models, ontry: () => {} });
    const rows = screen.getAllByTestId('catalogue-row');
    expect(rows).toHaveLength(6);
    expect(screen.getByTestId('device-summary').textContent).toMatch(/WebGPU with shader-f16/);
    const qwen = rows.find((r) => r.textContent!.includes('Qwen/Qwen2.5-0.5B-Instruct'))!;
    expect(qwen.querySelector('[data-testid="catalogue-fit"]')!.textContent).toMatch(
      /too big\s+its largest tensor needs 260 MB, this webgpu device allows 128 MB per buffer/,
    );
  });

  it('the server choice names where data goes, and a wrong model name is a clear error', async () => {
    const server = await startOpenAiTestServer({ models: ['tiny-fake'] });
    try {
      const pg = new PlaygroundState({
        jobs: new JobsState(),
        createEngine: (kind, choice, secrets) =>
          playgroundEngine(kind, choice, secrets, { fake: false }),
        checkpointAdapter: async () => {
          throw new Error('unused');
        },
        accessToken: () => '',
      });
      render(PlaygroundPanel, { pg, adapterName: (id: string) => id, onassign: () => {} });
      pg.engineKind = 'server'; // what the engine select binds
      await tick();
      expect((await screen.findByTestId('server-notice')).textContent).toMatch(
        /sent to this server/,
      );
      await fireEvent.input(screen.getByTestId('pg-server-url'), {
        target: { value: server.baseUrl },
      });
      expect(screen.getByTestId('server-notice').textContent).toMatch(/\(this machine\)/);
      await fireEvent.input(screen.getByTestId('pg-model-id'), { target: { value: 'not-served' } });
      await fireEvent.click(screen.getByTestId('pg-load'));
      await waitFor(
        () => expect(screen.getByTestId('pg-error').textContent).toMatch(/not-served/),
        { timeout: 10_000 },
      );
    } finally {
      await server.close();
    }
  });

  it('streams a fake model’s reply into the output and offers the roles', async () => {
    const pg = new PlaygroundState({
      jobs: new JobsState(),
      createEngine: () => new FakeEngine(),
      checkpointAdapter: async () => {
        throw new Error('unused');
      },
      accessToken: () => '',
    });
    const assigned: string[] = [];
    render(PlaygroundPanel, {
      pg,
      adapterName: (id: string) => id,
      onassign: (r: string) => assigned.push(r),
    });
    await fireEvent.click(screen.getByTestId('pg-load'));
    await waitFor(() => expect(screen.getByTestId('pg-loaded')).toBeTruthy());
    await fireEvent.input(screen.getByTestId('pg-prompt'), {
      target: { value: 'Describe autumn leaves falling gently' },
    });
    await fireEvent.click(screen.getByTestId('pg-generate'));
    await waitFor(() => expect(screen.getByTestId('pg-finish').textContent).toMatch(/finished/));
    expect(screen.getByTestId('pg-output').textContent!.length).toBeGreaterThan(0);
    await fireEvent.click(screen.getByTestId('assign-rater'));
    expect(assigned).toEqual(['rater']);
  });
});
