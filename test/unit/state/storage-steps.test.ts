import { describe, expect, it } from 'vitest';
import { StorageState } from '../../../src/lib/state/storage.svelte';
import { STEPS, stepStatus, type StepDef } from '../../../src/lib/state/steps';
import { Studio } from '../../../src/lib/state/studio.svelte';
import { fakeStore, ws } from './fake-store';

const noWorker = () => {
  throw new Error('no worker in this test');
};

describe('StorageState', () => {
  it('measures the estimate and each workspace', async () => {
    const store = fakeStore([ws('a', 'A')]);
    store.usageOf.set('a', { records: { segments: 12 }, bytes: 4000 });
    const s = new StorageState(store);
    await s.refresh(['a']);
    expect(s.estimate).toEqual({ usage: 2048, quota: 8192, persisted: false });
    expect(s.fraction).toBeCloseTo(0.25);
    expect(s.usage.a).toEqual({ records: { segments: 12 }, bytes: 4000 });
  });

  it('asks for persistence only with consent, and treats "declined" as normal', async () => {
    const store = fakeStore();
    const s = new StorageState(store);
    expect(await s.requestPersistence(false)).toBeNull();
    expect(s.error).toMatch(/only asked with your consent/);
    expect(await store.storage.persistenceDecision()).toBeUndefined();

    expect(await s.requestPersistence(true)).toBe('declined');
    expect(s.error).toBeNull();
    expect(s.consentGiven).toBe(true);
    const afterReload = new StorageState(store);
    await afterReload.load();
    expect(afterReload.outcome).toBe('declined');

    store.persistAnswer = true;
    await s.refresh([]);
    expect(await s.requestPersistence(true)).toBe('granted');
    expect(s.estimate?.persisted).toBe(true);

    const reloaded = new StorageState(store);
    await reloaded.load();
    expect(reloaded.consentGiven).toBe(true);
    expect(reloaded.outcome).toBe('granted');
  });
});

describe('step status', () => {
  const built = (id: string): StepDef => ({ ...STEPS.find((s) => s.id === id)!, built: true });

  it('lists the method steps in order', () => {
    expect(STEPS.map((s) => s.title)).toEqual([
      'Data',
      'Models',
      'Augment',
      'Curate',
      'Train',
      'Evaluate',
      'Export',
    ]);
  });

  it('says "not built yet" for unbuilt steps but still reports data and needs', () => {
    const augment = STEPS.find((s) => s.id === 'augment')!;
    const st = stepStatus(augment, { candidates: 3 });
    expect(st.state).toBe('not-built');
    expect(st.detail).toBe('3 candidate pairs');
    expect(st.missing).toBe('needs a corpus with kept segments and a backward model');
  });

  it('moves a built step from blocked to ready to done as records appear', () => {
    const augment = built('augment');
    expect(stepStatus(augment, null)).toMatchObject({ state: 'blocked' });
    expect(stepStatus(augment, { segments: 5 }).state).toBe('blocked');
    expect(stepStatus(augment, { segments: 5, checkpoints: 1 })).toEqual({
      state: 'ready',
      detail: '0 candidate pairs',
      missing: null,
    });
    expect(stepStatus(augment, { segments: 5, checkpoints: 1, candidates: 1 }).state).toBe('done');
  });
});

describe('Studio', () => {
  it('derives step status of the current workspace from its record counts', async () => {
    const store = fakeStore([ws('a', 'Alpha'), ws('b', 'Beta')]);
    store.usageOf.set('a', { records: { sourceFiles: 1, segments: 7, seeds: 2 }, bytes: 10 });
    const studio = new Studio(store, noWorker);
    await studio.start();
    const data = () => studio.steps.find((s) => s.def.id === 'data')!.status;
    expect(data().detail).toBe('1 file, 7 segments, 2 seed pairs');
    await studio.workspaces.select('b');
    expect(data().detail).toBe('0 files, 0 segments, 0 seed pairs');
  });

  it('creating and deleting a workspace keeps storage usage in step', async () => {
    const store = fakeStore();
    const studio = new Studio(store, noWorker);
    await studio.start();
    expect(await studio.createWorkspace('First')).toBe(true);
    const id = studio.workspaces.currentId!;
    expect(studio.storage.usage[id]).toEqual({ records: {}, bytes: 0 });
    expect(await studio.deleteWorkspace(id)).toBe(true);
    expect(studio.storage.usage[id]).toBeUndefined();
    expect(studio.workspaces.list).toEqual([]);
  });
});
