// In-memory StudioStore for state tests: same contract as src/lib/store, no IndexedDB.
import {
  emptyTotals,
  type StudioStore,
  type Workspace,
  type WorkspaceTotals,
  type WorkspaceUsage,
} from '../../../src/lib/state/ports';

export interface FakeStore extends StudioStore {
  settingsMap: Map<string, unknown>;
  usageOf: Map<string, WorkspaceUsage>;
  /** What the workspace holds; missing fields are 0. */
  totalsOf: Map<string, Partial<WorkspaceTotals>>;
  persistAnswer: boolean;
  failNext: Error | null;
}

export function fakeStore(initial: Workspace[] = []): FakeStore {
  const rows = new Map(initial.map((w) => [w.id, { ...w }]));
  let nextId = 1;
  let decision: { askedAt: number; granted: boolean } | undefined;
  const store: FakeStore = {
    settingsMap: new Map(),
    usageOf: new Map(),
    totalsOf: new Map(),
    persistAnswer: false,
    failNext: null,
    workspaces: {
      async create(name) {
        failIfAsked();
        const now = Date.now();
        const ws = { id: `w${nextId++}`, name, createdAt: now, updatedAt: now };
        rows.set(ws.id, ws);
        return { ...ws };
      },
      async list() {
        failIfAsked();
        return [...rows.values()].map((w) => ({ ...w }));
      },
      async get(id) {
        return rows.get(id);
      },
      async rename(id, name) {
        failIfAsked();
        const w = rows.get(id);
        if (w) w.name = name;
      },
      async delete(id) {
        failIfAsked();
        rows.delete(id);
        store.usageOf.delete(id);
        store.totalsOf.delete(id);
      },
      async setRole(id, role, assignment) {
        failIfAsked();
        const w = rows.get(id);
        if (!w) throw new Error(`No workspace ${id}`);
        const roles = { ...w.roles };
        if (assignment) roles[role] = structuredClone(assignment);
        else delete roles[role];
        w.roles = roles;
        w.updatedAt = Date.now();
        return structuredClone(w);
      },
      async usage(id) {
        return store.usageOf.get(id) ?? { records: {}, bytes: 0 };
      },
    },
    async totals(id) {
      return { ...emptyTotals(), ...store.totalsOf.get(id) };
    },
    storage: {
      async estimate() {
        return { usage: 2048, quota: 8192, persisted: false };
      },
      async requestPersistence() {
        decision = { askedAt: Date.now(), granted: store.persistAnswer };
        return store.persistAnswer;
      },
      async persistenceDecision() {
        return decision;
      },
    },
    settings: {
      async get<T>(key: string) {
        return store.settingsMap.get(key) as T | undefined;
      },
      async set(key, value) {
        store.settingsMap.set(key, value);
      },
    },
    close() {},
  };
  function failIfAsked() {
    const e = store.failNext;
    store.failNext = null;
    if (e) throw e;
  }
  return store;
}

export const ws = (id: string, name: string, createdAt = 1): Workspace => ({
  id,
  name,
  createdAt,
  updatedAt: createdAt,
});
