// Storage panel state: browser usage/quota, per-workspace usage and totals (the counts every
// view shows, see ports.ts WorkspaceTotals), and the consent-gated
// request for persistent storage. `persist()` returning false is normal (Chromium grants it
// only to sites it considers important; environment.md §4), so "declined" is not an error.
import {
  describeError,
  type StorageEstimate,
  type StudioStore,
  type WorkspaceTotals,
  type WorkspaceUsage,
} from './ports';

export type PersistOutcome = 'granted' | 'declined' | null;

export class StorageState {
  estimate = $state<StorageEstimate | null>(null);
  usage = $state<Record<string, WorkspaceUsage>>({});
  totals = $state<Record<string, WorkspaceTotals>>({});
  consentGiven = $state(false);
  outcome = $state<PersistOutcome>(null);
  refreshing = $state(false);
  error = $state<string | null>(null);
  /** Fraction of the quota in use, 0..1, or null when unknown. */
  fraction = $derived(
    this.estimate && this.estimate.quota > 0 ? this.estimate.usage / this.estimate.quota : null,
  );

  constructor(private readonly store: StudioStore) {}

  /** Restores the earlier answer, so the panel does not ask again after a reload. */
  async load(): Promise<void> {
    const decision = await this.store.storage.persistenceDecision();
    this.consentGiven = decision !== undefined;
    if (decision) this.outcome = decision.granted ? 'granted' : 'declined';
  }

  /** Re-reads the estimate and the usage and totals of the given workspaces. */
  async refresh(workspaceIds: string[]): Promise<void> {
    this.refreshing = true;
    this.error = null;
    try {
      const [estimate, usages, totals] = await Promise.all([
        this.store.storage.estimate(),
        Promise.all(workspaceIds.map((id) => this.store.workspaces.usage(id))),
        Promise.all(workspaceIds.map((id) => this.store.totals(id))),
      ]);
      this.estimate = estimate;
      this.usage = Object.fromEntries(workspaceIds.map((id, i) => [id, usages[i]]));
      this.totals = Object.fromEntries(workspaceIds.map((id, i) => [id, totals[i]]));
      if (this.estimate.persisted) this.outcome = 'granted';
    } catch (err) {
      this.error = describeError(err);
    } finally {
      this.refreshing = false;
    }
  }

  /** Asks the browser to keep the data; only after the user agreed (`consent` true). */
  async requestPersistence(consent: boolean): Promise<PersistOutcome> {
    if (!consent) {
      this.error = 'Tick the box first: the browser is only asked with your consent.';
      return null;
    }
    this.error = null;
    try {
      this.consentGiven = true;
      const granted = await this.store.storage.requestPersistence();
      this.outcome = granted ? 'granted' : 'declined';
      if (this.estimate) this.estimate = { ...this.estimate, persisted: granted };
    } catch (err) {
      this.error = describeError(err);
    }
    return this.outcome;
  }

  forget(workspaceId: string): void {
    const rest = { ...this.usage };
    delete rest[workspaceId];
    this.usage = rest;
    const restTotals = { ...this.totals };
    delete restTotals[workspaceId];
    this.totals = restTotals;
  }
}
