import { describe, expect, it } from 'vitest';
import { StorageState } from '../../../src/lib/state/storage.svelte';
import { emptyTotals, type WorkspaceTotals } from '../../../src/lib/state/ports';
import { STEPS, stepStatus, type StepDef } from '../../../src/lib/state/steps';
import { DEFAULT_WORKSPACE_NAME, Studio } from '../../../src/lib/state/studio.svelte';
import { fakeStore, ws } from './fake-store';

const noWorker = () => {
  throw new Error('no worker in this test');
};

describe('StorageState', () => {
  it('measures the estimate and each workspace', async () => {
    const store = fakeStore([ws('a', 'A')]);
    store.usageOf.set('a', { records: { segments: 12 }, bytes: 4000 });
    store.totalsOf.set('a', { documents: 3, segments: 20, kept: 15 });
    const s = new StorageState(store);
    await s.refresh(['a']);
    expect(s.estimate).toEqual({ usage: 2048, quota: 8192, persisted: false });
    expect(s.fraction).toBeCloseTo(0.25);
    expect(s.usage.a).toEqual({ records: { segments: 12 }, bytes: 4000 });
    expect(s.totals.a).toEqual({ ...emptyTotals(), documents: 3, segments: 20, kept: 15 });
    s.forget('a');
    expect(s.usage.a).toBeUndefined();
    expect(s.totals.a).toBeUndefined();
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
  const totals = (t: Partial<WorkspaceTotals>): WorkspaceTotals => ({ ...emptyTotals(), ...t });
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
    // Every step is built now; the rule still holds for a step marked unbuilt.
    const exportStep = { ...STEPS.find((s) => s.id === 'export')!, built: false };
    const st = stepStatus(exportStep, totals({ evaluations: 3 }));
    expect(st.state).toBe('not-built');
    expect(st.detail).toBe('0 candidate pairs in 0 runs, 0 seed pairs');
    expect(st.missing).toBe(exportStep.needs);
  });

  it('moves a built step from blocked to ready to done as records appear', () => {
    const augment = built('augment');
    expect(stepStatus(augment, null)).toMatchObject({ state: 'blocked' });
    expect(stepStatus(augment, totals({ kept: 5 })).state).toBe('blocked');
    expect(stepStatus(augment, totals({ kept: 5, adapters: 1 }))).toEqual({
      state: 'ready',
      detail: '0 candidate pairs',
      missing: null,
    });
    expect(stepStatus(augment, totals({ kept: 5, adapters: 1, candidates: 1 })).state).toBe('done');
  });

  it('counts kept segments for Data and Augment, not raw segments', () => {
    const data = STEPS.find((s) => s.id === 'data')!;
    // Segments were cut but every one was dropped: nothing for the method to use yet.
    const allDropped = totals({ documents: 2, segments: 9, kept: 0, seeds: 4 });
    expect(stepStatus(data, allDropped).state).toBe('ready');
    expect(stepStatus(built('augment'), { ...allDropped, adapters: 1 }).state).toBe('blocked');
    const demo = totals({ sourceFiles: 40, documents: 40, segments: 120, kept: 71, seeds: 30 });
    expect(stepStatus(data, demo)).toEqual({
      state: 'done',
      detail: '40 documents, 71 kept of 120 segments, 30 seed pairs',
      missing: null,
    });
  });

  it('calls Train done when an adapter exists, not when runs exist', () => {
    const train = STEPS.find((s) => s.id === 'train')!;
    expect(stepStatus(train, totals({ seeds: 3, runs: 2 })).state).toBe('ready');
    expect(stepStatus(train, totals({ seeds: 3, adapters: 1 }))).toMatchObject({
      state: 'done',
      detail: '1 trained adapter',
    });
  });
});

describe('Studio', () => {
  it('derives step status of the current workspace from its totals', async () => {
    const store = fakeStore([ws('a', 'Alpha'), ws('b', 'Beta')]);
    // Raw store counts (dropped samples in `segments`) must not leak into the status.
    store.usageOf.set('a', { records: { sourceFiles: 1, segments: 49, seeds: 2 }, bytes: 10 });
    store.totalsOf.set('a', { sourceFiles: 1, documents: 1, segments: 12, kept: 7, seeds: 2 });
    const studio = new Studio(store, noWorker);
    await studio.start();
    const data = () => studio.steps.find((s) => s.def.id === 'data')!.status;
    expect(data()).toMatchObject({
      state: 'done',
      detail: '1 document, 7 kept of 12 segments, 2 seed pairs',
    });
    await studio.workspaces.select('b');
    expect(data()).toMatchObject({
      state: 'ready',
      detail: 'no corpus yet, no seed pairs yet',
    });
  });

  it('a first visit starts in a default workspace, and so does deleting the last one', async () => {
    const store = fakeStore();
    const studio = new Studio(store, noWorker);
    await studio.start();
    expect(studio.workspaces.list.map((w) => w.name)).toEqual([DEFAULT_WORKSPACE_NAME]);
    const first = studio.workspaces.currentId!;
    expect(store.settingsMap.get('currentWorkspace')).toBe(first);
    expect(studio.storage.totals[first]).toEqual(emptyTotals());

    // A reload finds it again instead of making another.
    const again = new Studio(store, noWorker);
    await again.start();
    expect(again.workspaces.list.map((w) => w.id)).toEqual([first]);

    expect(await studio.deleteWorkspace(first)).toBe(true);
    expect(studio.storage.usage[first]).toBeUndefined();
    expect(studio.workspaces.list).toHaveLength(1);
    expect(studio.workspaces.currentId).not.toBe(first);
    expect(studio.workspaces.current?.name).toBe(DEFAULT_WORKSPACE_NAME);
  });

  it('creating and deleting a workspace keeps storage usage in step', async () => {
    const store = fakeStore([ws('a', 'Alpha')]);
    const studio = new Studio(store, noWorker);
    await studio.start();
    expect(await studio.createWorkspace('First')).toBe(true);
    const id = studio.workspaces.currentId!;
    expect(studio.storage.usage[id]).toEqual({ records: {}, bytes: 0 });
    expect(await studio.deleteWorkspace(id)).toBe(true);
    expect(studio.storage.usage[id]).toBeUndefined();
    expect(studio.workspaces.list.map((w) => w.name)).toEqual(['Alpha']);
  });

  it('makes no default workspace when the list could not be read', async () => {
    const store = fakeStore();
    store.failNext = new Error('IndexedDB is broken');
    const studio = new Studio(store, noWorker);
    await studio.start();
    expect(studio.workspaces.error).toBe('IndexedDB is broken');
    expect(await store.workspaces.list()).toEqual([]);
  });
});
