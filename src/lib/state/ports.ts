// The part of the store (src/lib/store/index.ts) that the state classes use. State classes
// depend on this shape, not on IndexedDB, so they run against a fake in unit tests.
import type { Workspace } from '../domain';

export type { Workspace };

export interface WorkspaceUsage {
  /** Record count per object store (sourceFiles, segments, seeds, candidates, ...). */
  records: Record<string, number>;
  bytes: number;
}

export interface StorageEstimate {
  usage: number;
  quota: number;
  persisted: boolean;
}

export interface StudioStore {
  workspaces: {
    create(name: string): Promise<Workspace>;
    list(): Promise<Workspace[]>;
    get(id: string): Promise<Workspace | undefined>;
    rename(id: string, name: string): Promise<unknown>;
    delete(id: string): Promise<void>;
    usage(id: string): Promise<WorkspaceUsage>;
  };
  storage: {
    estimate(): Promise<StorageEstimate>;
    /** Asks the browser to keep the data; the store remembers the answer. */
    requestPersistence(): Promise<boolean>;
    /** The remembered answer, or undefined if the user never asked. */
    persistenceDecision(): Promise<{ askedAt: number; granted: boolean } | undefined>;
  };
  settings: {
    get<T>(key: string): Promise<T | undefined>;
    set(key: string, value: unknown): Promise<void>;
  };
  close(): void;
}

/** A readable one-line message for any thrown value (the UI shows it verbatim). */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const generic = err.name === 'Error' || err.message.startsWith(err.name);
    return generic ? err.message : `${err.name}: ${err.message}`;
  }
  return String(err);
}
