// Which model rates iteration t (paper §3, "Iterative self-curation"): M_{t-1} rates the
// candidates to select A^(t). For t = 1 that is M0, the rater role as assigned in Models. For
// t ≥ 2 it is the run's own M_{t-1}: the adapter trained from this run on seed + A^(t-1) (its
// 'train' lineage entry, written by train-service when a training is started with the run), on
// the base model it was trained on. The user can still pick another rater (the role, or another
// of the run's trained adapters); whichever rates is recorded in the curation's lineage.
// Likewise the backward model of augmentation (§2.2) defaults to the run's own M_yx (the
// adapter trained from this run on the reversed seed pairs, from the Augment screen).
import type { RoleAssignment, StageKind, StageLineage } from '../domain';

/** One choice of rater offered on the Curate screen. */
export interface RaterOption {
  /** 'role' for the rater role; `run:<checkpoint id>` for an adapter trained from this run. */
  id: string;
  label: string;
  /** What the stage loads: undefined = the rater role as it is assigned now. */
  assignment: RoleAssignment | undefined;
  /** The model this option is in the chain (M0, M1, ...), when known. */
  chainName?: string;
}

export const ROLE_RATER_ID = 'role';

/** The base model a train lineage entry records (train-service writes settings.baseModel). */
function baseSource(entry: StageLineage): RoleAssignment['source'] {
  const base = entry.settings?.baseModel as { source?: unknown } | undefined;
  return base?.source === 'local' ? 'local' : 'hf';
}

/**
 * The run's trained adapters of one kind, newest last: 'train' entries (seed or seed+curated
 * mode: M_t for t = iteration) rate; 'train-backward' (M_yx) writes instructions.
 */
function trainedModels(
  lineage: StageLineage[],
  role: RoleAssignment | undefined,
  kind: Extract<StageKind, 'train' | 'train-backward'>,
): RaterOption[] {
  const byCheckpoint = new Map<string, RaterOption>();
  for (const entry of lineage) {
    if (entry.kind !== kind || !entry.adapterCheckpointId || !entry.model) continue;
    const sameBase = role?.modelId === entry.model.id && role.engine === 'onnx';
    const assignment: RoleAssignment = {
      // On the role's own base model the role's settings (dtype, source) carry over.
      ...(sameBase
        ? role
        : {
            engine: entry.engine ?? 'onnx',
            source: baseSource(entry),
            modelId: entry.model.id,
            ...(entry.model.revision ? { revision: entry.model.revision } : {}),
          }),
      adapterCheckpointId: entry.adapterCheckpointId,
      assignedAt: 0,
    };
    const chainName = kind === 'train' ? `M${entry.iteration}` : 'M_yx';
    byCheckpoint.set(entry.adapterCheckpointId, {
      id: `run:${entry.adapterCheckpointId}`,
      label: `${chainName} of this run: ${entry.model.id} + adapter ${entry.adapterCheckpointId}`,
      assignment,
      chainName,
    });
  }
  return [...byCheckpoint.values()];
}

/** A role as an option, labelled with what it is assigned to. */
function roleOption(
  role: RoleAssignment | undefined,
  fake: boolean,
  name: 'rater' | 'backward' = 'rater',
): RaterOption {
  const what = role
    ? `${role.modelId} on ${role.engine}${role.adapterCheckpointId ? ` + adapter ${role.adapterCheckpointId}` : ''}`
    : fake
      ? `the fake ${name} model (demo mode)`
      : 'not assigned';
  return { id: ROLE_RATER_ID, label: `The ${name} role (Models): ${what}`, assignment: undefined };
}

/** Every rater the Curate screen offers for this run: the role first, then the run's M_t. */
export function raterOptions(
  lineage: StageLineage[] | undefined,
  role: RoleAssignment | undefined,
  fake: boolean,
): RaterOption[] {
  return [roleOption(role, fake), ...trainedModels(lineage ?? [], role, 'train')];
}

/** Every backward model the Augment screen offers: the role first, then the run's M_yx. */
export function backwardOptions(
  lineage: StageLineage[] | undefined,
  role: RoleAssignment | undefined,
  fake: boolean,
): RaterOption[] {
  return [
    roleOption(role, fake, 'backward'),
    ...trainedModels(lineage ?? [], role, 'train-backward'),
  ];
}

/** The backward model: the pick if still offered, else the run's newest M_yx, else the role. */
export function chosenBackward(options: RaterOption[], picked: string | null): RaterOption {
  return (
    options.find((o) => o.id === picked) ??
    options.filter((o) => o.chainName === 'M_yx').at(-1) ??
    options[0]!
  );
}

/**
 * The default rater of iteration t: the run's M_{t-1} when it was trained from this run (the
 * newest such training), else the rater role (M0 as assigned in Models, for t = 1).
 */
export function defaultRaterId(iteration: number, options: RaterOption[]): string {
  const want = `M${iteration - 1}`;
  const own = options.filter((o) => o.chainName === want);
  return own.at(-1)?.id ?? ROLE_RATER_ID;
}

/** The option the user picked if it is still offered, else the default for the iteration. */
export function chosenRater(
  iteration: number,
  options: RaterOption[],
  picked: string | null,
): RaterOption {
  const id = picked && options.some((o) => o.id === picked) ? picked : null;
  const want = id ?? defaultRaterId(iteration, options);
  return options.find((o) => o.id === want) ?? options[0]!;
}
