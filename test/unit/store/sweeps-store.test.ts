// Schema step 8 (issue 12 item 3): data-scaling sweeps. The upgrade from a version-7 database
// keeps its data; arms are updated one at a time; a sweep goes with its run and workspace.
import { describe, expect, it } from 'vitest';
import { openDB } from 'idb';
import { freshStore } from './helpers';
import { openStore } from '../../../src/lib/store';
import { DB_VERSION, upgrade, type Db } from '../../../src/lib/store/db';
import { newId } from '../../../src/lib/util/ids';
import { newSweep } from '../../helpers/sweep';

describe('sweeps store (schema step 8)', () => {
  it('upgrades a version-7 database with data in it, keeping that data', async () => {
    expect(DB_VERSION).toBeGreaterThanOrEqual(8);
    const name = `upgrade8-${newId()}`;
    const old = await openDB(name, 7, {
      upgrade: (db, oldVersion, _v, tx) => upgrade(db as unknown as Db, oldVersion, tx as never, 7),
    });
    expect(old.objectStoreNames.contains('sweeps')).toBe(false);
    const now = Date.now();
    await old.put('workspaces', { id: 'w', name: 'old', createdAt: now, updatedAt: now });
    await old.put('promptSets', {
      id: 'p',
      workspaceId: 'w',
      name: 'mine',
      source: 'mine.txt',
      prompts: [{ text: 'Hi?' }],
      createdAt: now,
    });
    old.close();

    const store = await openStore(name);
    expect((await store.promptSets.get('p'))?.name).toBe('mine');
    const run = await store.runs.create('w', { name: 'r', config: {} });
    const sweep = await store.sweeps.add(newSweep('w', run.id));
    expect(await store.sweeps.list('w')).toEqual([sweep]);
    store.close();
  });

  it('updates one arm at a time, removes cleared fields, and goes with its run', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const run = await store.runs.create(ws.id, { name: 'r', config: {} });
    const sweep = await store.sweeps.add(newSweep(ws.id, run.id));
    await store.sweeps.updateArm(sweep.id, 'curated-4', {
      status: 'trained',
      adapterCheckpointId: 'ck',
      error: 'old',
    });
    const next = await store.sweeps.updateArm(sweep.id, 'curated-4', { error: undefined });
    expect(next.arms[0]).toEqual(sweep.arms[0]);
    expect(next.arms[1]).toEqual({
      key: 'curated-4',
      kind: 'curated',
      n: 4,
      status: 'trained',
      adapterCheckpointId: 'ck',
    });
    expect((await store.sweeps.get(sweep.id))?.arms).toEqual(next.arms);
    await expect(store.sweeps.updateArm(sweep.id, 'nope', { status: 'done' })).rejects.toThrow(
      /No arm nope/,
    );
    await store.runs.delete(run.id);
    expect(await store.sweeps.list(ws.id)).toEqual([]);
    const again = await store.sweeps.add(newSweep(ws.id, 'r2'));
    await store.workspaces.delete(ws.id);
    expect(await store.sweeps.get(again.id)).toBeUndefined();
    store.close();
  });
});
