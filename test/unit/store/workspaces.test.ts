import { afterEach, describe, expect, it, vi } from 'vitest';
import { freshStore, rawDb } from './helpers';
import { ingestDocs, keptDoc, shortDoc } from '../pipeline/ingest-helper';
import { openDB } from 'idb';
import { newSweep } from '../../helpers/sweep';
import { DB_VERSION, workspaceStores } from '../../../src/lib/store/db';
import { InputError, NotFoundError } from '../../../src/lib/protocol/errors';
import { PERSISTENCE_SETTING } from '../../../src/lib/store/workspaces-repo';
import { makeCandidate } from '../../helpers/candidate';

afterEach(() => vi.unstubAllGlobals());

describe('migrations', () => {
  it('open an empty database at DB_VERSION with every store', async () => {
    const { store, name } = await freshStore();
    const db = await rawDb(name);
    expect(db.version).toBe(DB_VERSION);
    const names = Array.from(db.objectStoreNames);
    for (const s of ['workspaces', 'settings', ...workspaceStores]) expect(names).toContain(s);
    db.close();
    store.close();
    // Reopening at the same version runs no migration and keeps the stores.
    const again = await openDB(name, DB_VERSION);
    expect(Array.from(again.objectStoreNames).sort()).toEqual(names.sort());
    again.close();
  });

  it('lists exactly the stores that have a byWorkspace index as workspace stores', async () => {
    const { store, name } = await freshStore();
    const db = await rawDb(name);
    const names = Array.from(db.objectStoreNames);
    const tx = db.transaction(names as never);
    const withIndex = names.filter((n) =>
      (tx.objectStore(n as never) as { indexNames: DOMStringList }).indexNames.contains(
        'byWorkspace',
      ),
    );
    expect([...workspaceStores].sort()).toEqual(withIndex.sort());
    db.close();
    store.close();
  });
});

describe('workspaces', () => {
  it('create, get, list newest first, rename', async () => {
    const { store } = await freshStore();
    const a = await store.workspaces.create('  First ');
    const b = await store.workspaces.create('Second');
    expect(a.name).toBe('First');
    expect(await store.workspaces.get(a.id)).toEqual(a);
    expect((await store.workspaces.list()).map((w) => w.id)).toEqual([b.id, a.id]);
    await store.workspaces.rename(a.id, 'Renamed');
    expect((await store.workspaces.get(a.id))?.name).toBe('Renamed');
    await expect(store.workspaces.rename('missing', 'x')).rejects.toBeInstanceOf(NotFoundError);
    await expect(store.workspaces.create('   ')).rejects.toBeInstanceOf(InputError);
    store.close();
  });

  it('records a model per role, replaces and clears it, and keeps the other roles', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('Roles');
    const backward = {
      engine: 'onnx' as const,
      modelId: 'HuggingFaceTB/SmolLM2-135M-Instruct',
      source: 'hf' as const,
      adapterCheckpointId: 'ckpt-1',
      assignedAt: 1,
    };
    const rater = {
      engine: 'web-llm' as const,
      modelId: 'Qwen2-0.5B',
      source: 'web-llm' as const,
      assignedAt: 2,
    };
    await store.workspaces.setRole(ws.id, 'backward', backward);
    const after = await store.workspaces.setRole(ws.id, 'rater', rater);
    expect(after.roles).toEqual({ backward, rater });
    expect((await store.workspaces.get(ws.id))?.roles).toEqual({ backward, rater });
    await store.workspaces.setRole(ws.id, 'backward', undefined);
    expect((await store.workspaces.get(ws.id))?.roles).toEqual({ rater });
    await expect(store.workspaces.setRole('missing', 'judge', rater)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    store.close();
  });

  it('delete removes every record of the workspace and leaves others intact', async () => {
    const { store, name: dbName } = await freshStore();
    const fill = async (name: string) => {
      const ws = await store.workspaces.create(name);
      // Through the ingest job: source file, documents, a segment page, a dropped sample,
      // corpus totals and a dedup chunk (every corpus store the workspace has).
      await ingestDocs(store, ws.id, [keptDoc(name.length, 2), shortDoc(1, 1)]);
      await store.seeds.addMany(ws.id, [{ instruction: 'i', output: 'o', source: 'test' }]);
      const run = await store.runs.create(ws.id, { name: 'r', config: {} });
      await store.candidates.putBatch([
        makeCandidate({
          id: `${ws.id}-c`,
          workspaceId: ws.id,
          runId: run.id,
          segmentId: 's',
          instruction: 'q',
        }),
      ]);
      await store.checkpoints.save({
        workspaceId: ws.id,
        runId: run.id,
        kind: 'adapter',
        name: 'c',
        meta: {},
        bytes: new ArrayBuffer(64),
      });
      const evaluation = await store.evaluations.add({
        workspaceId: ws.id,
        runId: run.id,
        results: { kind: 'held-out-loss', model: 'm', examples: 1, loss: 1, perplexity: 2.72 },
      });
      // Schema step 7: a prompt set and one pairwise answer (written by a stage commit).
      await store.promptSets.add({ workspaceId: ws.id, name: 'p', source: 'p.txt', prompts: [] });
      const verdict = { verdict: 'tie' as const, rawOutput: 'Verdict: tie' };
      await store.stages.commitBatch(
        run.id,
        `evaluate-${evaluation.id}`,
        { after: undefined, cursor: 'x', processed: 1, failures: [], total: 1 },
        {
          evalAnswers: [
            {
              id: `${evaluation.id}.000000`,
              evaluationId: evaluation.id,
              workspaceId: ws.id,
              runId: run.id,
              index: 0,
              prompt: 'p',
              answerA: 'a',
              answerB: 'b',
              aFirst: verdict,
              bFirst: verdict,
              score: 0.5,
            },
          ],
        },
      );
      // Schema step 8: a data-scaling sweep.
      await store.sweeps.add(newSweep(ws.id, run.id));
      return ws;
    };
    const keep = await fill('keep');
    const gone = await fill('gone');
    const before = await store.workspaces.usage(keep.id);

    await store.workspaces.delete(gone.id);

    expect(await store.workspaces.get(gone.id)).toBeUndefined();
    const db = await rawDb(dbName);
    for (const name of workspaceStores) {
      expect(await db.countFromIndex(name, 'byWorkspace', gone.id)).toBe(0);
      // The survivor still has a record in every store it was given one in.
      if (name !== 'candidates') expect(before.records[name], name).toBeGreaterThan(0);
    }
    db.close();
    expect(await store.workspaces.usage(keep.id)).toEqual(before);
    store.close();
  });

  it('usage counts records per store and grows bytes with the data', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('u');
    const empty = await store.workspaces.usage(ws.id);
    expect(Object.values(empty.records).every((n) => n === 0)).toBe(true);
    await ingestDocs(store, ws.id, [keptDoc(1, 4), shortDoc(2, 1)]);
    const used = await store.workspaces.usage(ws.id);
    // Both documents in one page record (schema step 9), the four kept segments in another;
    // the dropped one as a sample record of its own.
    expect(used.records.documents).toBe(1);
    expect(used.records.segmentPages).toBe(1);
    expect(used.records.segments).toBe(1);
    expect(used.records.seeds).toBe(0);
    const kept = (await store.segments.page(ws.id, 10, { bucket: 'kept' })).items;
    expect(kept).toHaveLength(4);
    const textBytes = kept.reduce((sum, s) => sum + s.text.length, 0);
    expect(used.bytes - empty.bytes).toBeGreaterThan(textBytes);
    // Plus metadata, the dropped sample and each kept segment's dedup signature (~0.5 KB).
    expect(used.bytes - empty.bytes).toBeLessThan(textBytes * 3);
    await expect(store.workspaces.usage('missing')).rejects.toBeInstanceOf(NotFoundError);
    // Above `exactUpTo` records a store is measured from a random sample: same counts, close bytes.
    const sampled = await store.workspaces.usage(ws.id, 1, 3);
    expect(sampled.records).toEqual(used.records);
    expect(Math.abs(sampled.bytes - used.bytes) / used.bytes).toBeLessThan(0.2);
    store.close();
  });
});

describe('settings and storage', () => {
  it('settings round-trip and delete', async () => {
    const { store } = await freshStore();
    expect(await store.settings.get('x')).toBeUndefined();
    await store.settings.set('x', { a: [1, 2], nested: { b: 'c' } });
    expect(await store.settings.get<{ a: number[] }>('x')).toEqual({
      a: [1, 2],
      nested: { b: 'c' },
    });
    await store.settings.delete('x');
    expect(await store.settings.get('x')).toBeUndefined();
    store.close();
  });

  it('estimate() falls back to zeros without navigator.storage', async () => {
    const { store } = await freshStore();
    vi.stubGlobal('navigator', {});
    expect(await store.storage.estimate()).toEqual({ usage: 0, quota: 0, persisted: false });
    store.close();
  });

  it('estimate() reports navigator.storage numbers', async () => {
    const { store } = await freshStore();
    vi.stubGlobal('navigator', {
      storage: {
        estimate: async () => ({ usage: 1234, quota: 99999 }),
        persisted: async () => true,
      },
    });
    expect(await store.storage.estimate()).toEqual({ usage: 1234, quota: 99999, persisted: true });
    store.close();
  });

  it('requestPersistence calls persist() only when asked and remembers the decision', async () => {
    const { store } = await freshStore();
    const persist = vi.fn(async () => false);
    vi.stubGlobal('navigator', { storage: { persist } });
    await store.storage.estimate();
    expect(persist).not.toHaveBeenCalled();
    expect(await store.storage.persistenceDecision()).toBeUndefined();
    expect(await store.storage.requestPersistence()).toBe(false);
    expect(persist).toHaveBeenCalledTimes(1);
    const decision = await store.settings.get<{ granted: boolean }>(PERSISTENCE_SETTING);
    expect(decision?.granted).toBe(false);
    persist.mockResolvedValueOnce(true);
    expect(await store.storage.requestPersistence()).toBe(true);
    expect((await store.storage.persistenceDecision())?.granted).toBe(true);
    store.close();
  });
});
