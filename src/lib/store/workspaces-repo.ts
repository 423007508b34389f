// Workspaces (create, list, rename, delete with everything in them, usage), browser storage
// (estimate, persistence on the user's request) and small settings.
import { InputError, NotFoundError } from '../protocol/errors';
import { newId } from '../util/ids';
import { workspaceStores, type Db } from './db';
import { sampleByIndex } from './cursor';
import { approxBatchBytes, approxBytes, toPlain } from './plain';
import type { ModelRole, RoleAssignment, Workspace } from '../domain';
import { writeTx } from './tx';

export interface WorkspaceUsage {
  /** Record count per object store (every workspace-scoped store, zeros included). */
  records: Record<string, number>;
  /** Approximate stored size of all those records (see approxBytes). */
  bytes: number;
}

export interface StorageEstimate {
  usage: number;
  quota: number;
  persisted: boolean;
}

/** What the user decided when asked to keep the studio's data from eviction. */
export interface PersistenceDecision {
  askedAt: number;
  granted: boolean;
}

export const PERSISTENCE_SETTING = 'storage.persistence';

function cleanName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw new InputError('A workspace needs a name', { field: 'name' });
  return trimmed;
}

export function workspacesRepo(db: Db) {
  return {
    async create(name: string): Promise<Workspace> {
      const now = Date.now();
      const workspace: Workspace = {
        id: newId(now),
        name: cleanName(name),
        createdAt: now,
        updatedAt: now,
      };
      await writeTx(db, ['workspaces'], approxBytes(workspace), (tx, requests) => {
        requests.add(tx.objectStore('workspaces').add(workspace));
      });
      return workspace;
    },

    /** All workspaces, newest first. */
    async list(): Promise<Workspace[]> {
      const all = await db.getAll('workspaces');
      return all.sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    },

    get(id: string): Promise<Workspace | undefined> {
      return db.get('workspaces', id);
    },

    async rename(id: string, name: string): Promise<void> {
      const clean = cleanName(name);
      await writeTx(db, ['workspaces'], approxBytes(clean), async (tx, requests) => {
        const store = tx.objectStore('workspaces');
        const workspace = await store.get(id);
        if (!workspace) throw new NotFoundError(`No workspace ${id}`, { workspaceId: id });
        requests.add(store.put({ ...workspace, name: clean, updatedAt: Date.now() }));
      });
    },

    /**
     * Assigns (or, with undefined, clears) the model that plays a role in this workspace
     * (domain/models.ts). Later stages read it; their lineage keeps their own copy.
     */
    async setRole(
      id: string,
      role: ModelRole,
      assignment: RoleAssignment | undefined,
    ): Promise<Workspace> {
      const plain = assignment && toPlain(assignment);
      return writeTx(db, ['workspaces'], approxBytes(plain ?? ''), async (tx, requests) => {
        const store = tx.objectStore('workspaces');
        const workspace = await store.get(id);
        if (!workspace) throw new NotFoundError(`No workspace ${id}`, { workspaceId: id });
        const roles = { ...workspace.roles };
        if (plain) roles[role] = plain;
        else delete roles[role];
        const next: Workspace = { ...workspace, roles, updatedAt: Date.now() };
        requests.add(store.put(next));
        return next;
      });
    },

    /** Removes the workspace and every record of it in every store, in one transaction. */
    async delete(id: string): Promise<void> {
      await writeTx(db, ['workspaces', ...workspaceStores], 0, async (tx, requests) => {
        requests.add(tx.objectStore('workspaces').delete(id));
        for (const name of workspaceStores) {
          const store = tx.objectStore(name);
          const keys = await store.index('byWorkspace').getAllKeys(IDBKeyRange.only(id));
          for (const key of keys) requests.add(store.delete(key));
        }
      });
    },

    /**
     * Record counts per store (exact) and approximate bytes of one workspace. Stores with up
     * to `exactUpTo` records of the workspace are measured record by record; bigger ones from
     * a uniform random sample of `sampleSize` records (mean size × count), so the storage
     * panel stays fast on a corpus of 100k segments.
     */
    async usage(id: string, exactUpTo = 2000, sampleSize = 400): Promise<WorkspaceUsage> {
      const tx = db.transaction(['workspaces', ...workspaceStores]);
      const workspace = await tx.objectStore('workspaces').get(id);
      if (!workspace) throw new NotFoundError(`No workspace ${id}`, { workspaceId: id });
      const records: Record<string, number> = {};
      let bytes = approxBytes(workspace);
      for (const name of workspaceStores) {
        const index = tx.objectStore(name).index('byWorkspace');
        const count = await index.count(IDBKeyRange.only(id));
        records[name] = count;
        if (count === 0) continue;
        if (count <= exactUpTo) {
          bytes += approxBatchBytes(await index.getAll(IDBKeyRange.only(id)));
        } else {
          const sample = await sampleByIndex(index, id, sampleSize);
          bytes += Math.round((approxBatchBytes(sample) / sample.length) * count);
        }
      }
      await tx.done;
      return { records, bytes };
    },
  };
}

export function settingsRepo(db: Db) {
  return {
    async get<T>(key: string): Promise<T | undefined> {
      return (await db.get('settings', key)) as T | undefined;
    },
    async set(key: string, value: unknown): Promise<void> {
      const plain = toPlain(value);
      await writeTx(db, ['settings'], approxBytes(plain), (tx, requests) => {
        requests.add(tx.objectStore('settings').put(plain, key));
      });
    },
    async delete(key: string): Promise<void> {
      await writeTx(db, ['settings'], 0, (tx, requests) => {
        requests.add(tx.objectStore('settings').delete(key));
      });
    },
  };
}

function storageManager(): StorageManager | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.storage;
}

export function storageRepo(settings: ReturnType<typeof settingsRepo>) {
  return {
    /** Origin-wide usage and quota in bytes, and whether storage is persistent. Zeros when unknown. */
    async estimate(): Promise<StorageEstimate> {
      const manager = storageManager();
      const [estimate, persisted] = await Promise.all([
        manager?.estimate ? manager.estimate().catch(() => undefined) : undefined,
        manager?.persisted ? manager.persisted().catch(() => false) : false,
      ]);
      return { usage: estimate?.usage ?? 0, quota: estimate?.quota ?? 0, persisted };
    },

    /**
     * Asks the browser to keep our data from eviction. Call it only after the user agreed in the
     * UI: it is the one call here that may show a browser prompt. `false` is a normal answer
     * (headless Chromium and browsers that decide by engagement give it); the decision is
     * remembered in settings so the UI does not ask again.
     */
    async requestPersistence(): Promise<boolean> {
      const manager = storageManager();
      let granted = false;
      if (manager?.persist) {
        try {
          granted = await manager.persist();
        } catch {
          granted = false;
        }
      }
      const decision: PersistenceDecision = { askedAt: Date.now(), granted };
      await settings.set(PERSISTENCE_SETTING, decision);
      return granted;
    },

    /** The remembered decision, or undefined if the user was never asked. */
    persistenceDecision(): Promise<PersistenceDecision | undefined> {
      return settings.get<PersistenceDecision>(PERSISTENCE_SETTING);
    },
  };
}
