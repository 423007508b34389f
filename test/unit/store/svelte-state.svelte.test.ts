// @vitest-environment happy-dom
// Records built from Svelte 5 $state (Proxies) can be written as they are: the store copies
// them to plain data at its boundary (plain.ts), where IndexedDB itself would throw.
import { describe, expect, it } from 'vitest';
import { freshStore } from './helpers';

describe('writing $state objects', () => {
  it('stores a $state seed list and settings object', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const seeds = $state([{ instruction: 'Say hi', output: 'Hi', source: 'ui' }]);
    const prefs = $state({ threshold: 4.5, models: ['a', 'b'] });
    expect(() => structuredClone(prefs)).toThrow();
    await store.seeds.addMany(ws.id, seeds);
    await store.settings.set('prefs', prefs);
    expect((await store.seeds.list(ws.id))[0]).toMatchObject({ instruction: 'Say hi' });
    expect(await store.settings.get('prefs')).toEqual({ threshold: 4.5, models: ['a', 'b'] });
    store.close();
  });
});
