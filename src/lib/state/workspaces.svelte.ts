// Workspaces: the list, the current one (remembered across reloads in settings), and the
// create / rename / delete verbs the UI calls. Errors land in `error` as readable text.
import type { ModelRole, RoleAssignment } from '../domain/models';
import { describeError, type StudioStore, type Workspace } from './ports';

const CURRENT_KEY = 'currentWorkspace';
export const MAX_WORKSPACE_NAME = 80;

export class WorkspacesState {
  list = $state<Workspace[]>([]);
  currentId = $state<string | null>(null);
  current = $derived(this.list.find((w) => w.id === this.currentId) ?? null);
  loaded = $state(false);
  busy = $state(false);
  error = $state<string | null>(null);

  constructor(private readonly store: StudioStore) {}

  async load(): Promise<void> {
    await this.guard(async () => {
      this.list = sortByName(await this.store.workspaces.list());
      const remembered = await this.store.settings.get<string>(CURRENT_KEY);
      const keep = this.list.some((w) => w.id === remembered) ? remembered! : null;
      this.currentId = keep ?? this.list[0]?.id ?? null;
    });
    this.loaded = true;
  }

  /** Creates a workspace and makes it current. Returns it, or null with `error` set. */
  async create(name: string): Promise<Workspace | null> {
    const clean = validateName(name);
    if (typeof clean !== 'string') {
      this.error = clean.error;
      return null;
    }
    return this.guard(async () => {
      const ws = await this.store.workspaces.create(clean);
      this.list = sortByName([...this.list, ws]);
      await this.select(ws.id);
      return ws;
    });
  }

  async select(id: string): Promise<void> {
    this.currentId = id;
    await this.store.settings.set(CURRENT_KEY, id);
  }

  async rename(id: string, name: string): Promise<boolean> {
    const clean = validateName(name);
    if (typeof clean !== 'string') {
      this.error = clean.error;
      return false;
    }
    const ok = await this.guard(async () => {
      await this.store.workspaces.rename(id, clean);
      this.list = sortByName(
        this.list.map((w) => (w.id === id ? { ...w, name: clean, updatedAt: Date.now() } : w)),
      );
      return true;
    });
    return ok ?? false;
  }

  /**
   * Assigns (or, with undefined, clears) the model that plays `role` in the current workspace
   * (domain/models.ts); Augment and Curate read it from the workspace record.
   */
  async setRole(role: ModelRole, assignment: RoleAssignment | undefined): Promise<boolean> {
    const id = this.currentId;
    if (!id) {
      this.error = 'Create or pick a workspace first.';
      return false;
    }
    const ok = await this.guard(async () => {
      const next = await this.store.workspaces.setRole(id, role, assignment);
      this.list = sortByName(this.list.map((w) => (w.id === id ? next : w)));
      return true;
    });
    return ok ?? false;
  }

  /** Deletes the workspace and everything in it; selects another one if it was current. */
  async remove(id: string): Promise<boolean> {
    const ok = await this.guard(async () => {
      await this.store.workspaces.delete(id);
      this.list = this.list.filter((w) => w.id !== id);
      if (this.currentId === id) {
        const next = this.list[0]?.id ?? null;
        this.currentId = next;
        await this.store.settings.set(CURRENT_KEY, next);
      }
      return true;
    });
    return ok ?? false;
  }

  clearError(): void {
    this.error = null;
  }

  private async guard<T>(fn: () => Promise<T>): Promise<T | null> {
    this.busy = true;
    this.error = null;
    try {
      return await fn();
    } catch (err) {
      this.error = describeError(err);
      return null;
    } finally {
      this.busy = false;
    }
  }
}

export function validateName(name: string): string | { error: string } {
  const clean = name.trim().replace(/\s+/g, ' ');
  if (!clean) return { error: 'Give the workspace a name.' };
  if (clean.length > MAX_WORKSPACE_NAME)
    return { error: `Workspace names can have at most ${MAX_WORKSPACE_NAME} characters.` };
  return clean;
}

function sortByName(list: Workspace[]): Workspace[] {
  return [...list].sort((a, b) => a.name.localeCompare(b.name) || a.createdAt - b.createdAt);
}
