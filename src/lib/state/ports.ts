// The part of the store (src/lib/store/index.ts) that the state classes use. State classes
// depend on this shape, not on IndexedDB, so they run against a fake in unit tests.
import type { Workspace } from '../domain';
import type { ModelRole, RoleAssignment } from '../domain/models';

export type { Workspace };

export interface WorkspaceUsage {
  /** Record count per object store (sourceFiles, segments, seeds, candidates, ...). */
  records: Record<string, number>;
  bytes: number;
}

/**
 * What one workspace holds, counted the way the method counts it: corpus totals from the
 * workspace's `corpusStats` record (kept segments live in page records, dropped ones only as
 * capped samples, so raw object-store counts would disagree with the Corpus panel), and trained
 * adapters rather than any checkpoint. The one source of every count the UI shows twice
 * (step summary, badges, Corpus panel, Storage view).
 */
export interface WorkspaceTotals {
  sourceFiles: number;
  documents: number;
  /** Segments cut from the documents, before filters and dedup (paper §2.1, App. E). */
  segments: number;
  /** Segments that passed the filters and dedup: the unlabelled examples of §2.1. */
  kept: number;
  seeds: number;
  runs: number;
  candidates: number;
  /** Checkpoints of kind 'adapter' (LoRA adapters the trainer saved). */
  adapters: number;
  evaluations: number;
  /** Model roles assigned on the Models step (backward, rater, judge: domain/models.ts). */
  roles: number;
}

export const emptyTotals = (): WorkspaceTotals => ({
  sourceFiles: 0,
  documents: 0,
  segments: 0,
  kept: 0,
  seeds: 0,
  runs: 0,
  candidates: 0,
  adapters: 0,
  evaluations: 0,
  roles: 0,
});

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
    /** Records a role's model (undefined clears it); returns the updated workspace. */
    setRole(
      id: string,
      role: ModelRole,
      assignment: RoleAssignment | undefined,
    ): Promise<Workspace>;
    usage(id: string): Promise<WorkspaceUsage>;
  };
  storage: {
    estimate(): Promise<StorageEstimate>;
    /** Asks the browser to keep the data; the store remembers the answer. */
    requestPersistence(): Promise<boolean>;
    /** The remembered answer, or undefined if the user never asked. */
    persistenceDecision(): Promise<{ askedAt: number; granted: boolean } | undefined>;
  };
  /** The workspace's totals (see WorkspaceTotals); wired over the store in open.ts. */
  totals(workspaceId: string): Promise<WorkspaceTotals>;
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
