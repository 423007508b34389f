// Data-scaling sweep records (issue 12 item 3, schema step 8). A sweep's arms are updated one
// at a time in read-modify-write transactions, so the bookkeeping a reload resumes from is
// always the last finished step of an arm (trained, evaluation created, evaluated).
import { NotFoundError } from '../protocol/errors';
import { newId } from '../util/ids';
import type { Db } from './db';
import { requireWorkspace } from './corpus-repo';
import { approxBytes, toPlain } from './plain';
import type { Id, Sweep, SweepArm } from '../domain';
import { writeTx } from './tx';

export type NewSweep = Omit<Sweep, 'id' | 'createdAt'> & { id?: Id };

export function sweepsRepo(db: Db) {
  return {
    async add(input: NewSweep): Promise<Sweep> {
      const sweep: Sweep = { ...toPlain(input), id: input.id ?? newId(), createdAt: Date.now() };
      await writeTx(db, ['workspaces', 'sweeps'], approxBytes(sweep), async (tx, requests) => {
        requireWorkspace(
          await tx.objectStore('workspaces').get(sweep.workspaceId),
          sweep.workspaceId,
        );
        requests.add(tx.objectStore('sweeps').put(sweep));
      });
      return sweep;
    },
    get(id: Id): Promise<Sweep | undefined> {
      return db.get('sweeps', id);
    },
    /** The workspace's sweeps, oldest first. */
    async list(workspaceId: Id): Promise<Sweep[]> {
      const all = await db.getAllFromIndex('sweeps', 'byWorkspace', workspaceId);
      return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
    /** Merges `patch` into arm `key` (fields set to undefined are removed). */
    async updateArm(id: Id, key: string, patch: Partial<Omit<SweepArm, 'key'>>): Promise<Sweep> {
      return writeTx(db, ['sweeps'], approxBytes(patch), async (tx, requests) => {
        const store = tx.objectStore('sweeps');
        const current = await store.get(id);
        if (!current) throw new NotFoundError(`No sweep ${id}`, { sweepId: id });
        if (!current.arms.some((a) => a.key === key))
          throw new NotFoundError(`No arm ${key} in sweep ${id}`, { sweepId: id });
        const arms = current.arms.map((a) => (a.key === key ? mergeArm(a, patch) : a));
        const next: Sweep = { ...current, arms };
        requests.add(store.put(next));
        return next;
      });
    },
    async delete(id: Id): Promise<void> {
      await writeTx(db, ['sweeps'], 0, (tx, requests) => {
        requests.add(tx.objectStore('sweeps').delete(id));
      });
    },
  };
}

function mergeArm(arm: SweepArm, patch: Partial<Omit<SweepArm, 'key'>>): SweepArm {
  const next: Record<string, unknown> = { ...arm };
  for (const [k, v] of Object.entries(patch))
    if (v === undefined) delete next[k];
    else next[k] = toPlain(v);
  return next as unknown as SweepArm;
}
