import { describe, expect, it } from 'vitest';
import { QuotaExceededError } from '../../../src/lib/protocol';
import { WorkspacesState, validateName } from '../../../src/lib/state/workspaces.svelte';
import { fakeStore, ws } from './fake-store';

describe('WorkspacesState', () => {
  it('loads the list sorted by name and restores the remembered workspace', async () => {
    const store = fakeStore([ws('a', 'Zebra'), ws('b', 'apple'), ws('c', 'Mango')]);
    store.settingsMap.set('currentWorkspace', 'c');
    const s = new WorkspacesState(store);
    await s.load();
    expect(s.list.map((w) => w.name)).toEqual(['apple', 'Mango', 'Zebra']);
    expect(s.current?.name).toBe('Mango');
    expect(s.loaded).toBe(true);
  });

  it('falls back to the first workspace when the remembered one is gone', async () => {
    const store = fakeStore([ws('a', 'Beta'), ws('b', 'Alpha')]);
    store.settingsMap.set('currentWorkspace', 'deleted');
    const s = new WorkspacesState(store);
    await s.load();
    expect(s.currentId).toBe('b');
  });

  it('creates a workspace, makes it current and remembers it', async () => {
    const store = fakeStore();
    const s = new WorkspacesState(store);
    await s.load();
    expect(s.current).toBeNull();
    const created = await s.create('  My   corpus ');
    expect(created?.name).toBe('My corpus');
    expect(s.current?.id).toBe(created?.id);
    expect(store.settingsMap.get('currentWorkspace')).toBe(created?.id);
    // A new state over the same store (a reload) finds it again.
    const again = new WorkspacesState(store);
    await again.load();
    expect(again.current?.name).toBe('My corpus');
  });

  it('refuses empty or over-long names with a readable error and writes nothing', async () => {
    const store = fakeStore();
    const s = new WorkspacesState(store);
    expect(await s.create('   ')).toBeNull();
    expect(s.error).toBe('Give the workspace a name.');
    expect(await s.create('x'.repeat(81))).toBeNull();
    expect(s.error).toMatch(/at most 80 characters/);
    expect(await store.workspaces.list()).toEqual([]);
    expect(validateName('ok')).toBe('ok');
  });

  it('renames and re-sorts', async () => {
    const s = new WorkspacesState(fakeStore([ws('a', 'Alpha'), ws('b', 'Beta')]));
    await s.load();
    expect(await s.rename('a', 'Zulu')).toBe(true);
    expect(s.list.map((w) => w.name)).toEqual(['Beta', 'Zulu']);
  });

  it('deleting the current workspace selects another', async () => {
    const store = fakeStore([ws('a', 'Alpha'), ws('b', 'Beta')]);
    const s = new WorkspacesState(store);
    await s.load();
    expect(s.currentId).toBe('a');
    expect(await s.remove('a')).toBe(true);
    expect(s.list.map((w) => w.id)).toEqual(['b']);
    expect(s.currentId).toBe('b');
    expect(await s.remove('b')).toBe(true);
    expect(s.current).toBeNull();
    expect(store.settingsMap.get('currentWorkspace')).toBeNull();
  });

  it('turns store failures into readable errors and clears busy', async () => {
    const store = fakeStore();
    const s = new WorkspacesState(store);
    store.failNext = new QuotaExceededError('storage is full');
    expect(await s.create('Big')).toBeNull();
    expect(s.error).toBe('QuotaExceededError: storage is full');
    expect(s.busy).toBe(false);
    expect(s.list).toEqual([]);
  });
});
