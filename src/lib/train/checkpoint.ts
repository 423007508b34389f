// Everything a training run needs to continue exactly where it stopped (nanoGPT keeps model,
// optimizer, iter_num, config): LoRA tensors + AdamW moments as one safetensors buffer, and the
// counters (optimizer step, data cursor), loss history and config as JSON metadata. No RNG
// state is stored because there is none to store: the data order is a pure function of
// (seed, epoch) and the dropout masks of (seed, step, micro-batch), so restoring the counters
// restores every random draw.
import {
  parseSafetensors,
  toFloat32,
  writeSafetensors,
  type F32Tensor,
  type TensorToWrite,
} from '../engines/onnx/safetensors';
import { InputError, NotFoundError } from '../protocol/errors';
import type { CheckpointInfo, NewCheckpoint } from '../store/artifacts-repo';
import type { Checkpoint, MetricPointRecord } from '../domain';
import { adamMName, adamVName } from './optimizer-graph';

export const CHECKPOINT_FORMAT = 'humpback-train-state/1';

/** Position in the micro-batch stream: epoch and index into that epoch's plan. */
export interface TrainCursor {
  epoch: number;
  index: number;
}

/** One point of the loss curves (stored in checkpoint metadata, so defined in domain/). */
export type MetricPoint = MetricPointRecord;

export interface TrainingState {
  /** Optimizer steps completed. */
  step: number;
  cursor: TrainCursor;
  /** Graph-layout LoRA tensors (lora.{i}.{module}.A/B). */
  lora: Record<string, F32Tensor>;
  adamM: Record<string, F32Tensor>;
  adamV: Record<string, F32Tensor>;
  history: MetricPoint[];
  bestEvalLoss: number | null;
}

/** The JSON half of a checkpoint (the store keeps it in Checkpoint.meta). */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  step: number;
  cursor: TrainCursor;
  history: MetricPoint[];
  bestEvalLoss: number | null;
  /** Caller fields: training id, mode, base model, options (all plain JSON). */
  [key: string]: unknown;
}

export function encodeTrainingState(
  state: TrainingState,
  extra: Record<string, unknown> = {},
): { bytes: ArrayBuffer; meta: CheckpointMeta } {
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, t] of Object.entries(state.lora)) {
    tensors[name] = { dtype: 'F32', shape: t.shape, data: t.data };
    tensors[adamMName(name)] = { dtype: 'F32', shape: t.shape, data: state.adamM[name].data };
    tensors[adamVName(name)] = { dtype: 'F32', shape: t.shape, data: state.adamV[name].data };
  }
  const file = writeSafetensors(tensors, { format: CHECKPOINT_FORMAT });
  return {
    bytes: file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer,
    meta: {
      ...extra,
      format: CHECKPOINT_FORMAT,
      step: state.step,
      cursor: { ...state.cursor },
      history: state.history.map((p) => ({ ...p })),
      bestEvalLoss: state.bestEvalLoss,
    },
  };
}

export function decodeTrainingState(
  bytes: ArrayBuffer,
  meta: Record<string, unknown>,
): TrainingState {
  if (meta.format !== CHECKPOINT_FORMAT) {
    throw new InputError(
      `Not a training checkpoint (format ${String(meta.format)}, expected ${CHECKPOINT_FORMAT})`,
      {
        field: 'format',
      },
    );
  }
  const file = parseSafetensors(new Uint8Array(bytes), 'checkpoint.safetensors');
  const lora: Record<string, F32Tensor> = {};
  const adamM: Record<string, F32Tensor> = {};
  const adamV: Record<string, F32Tensor> = {};
  const copy = (name: string): F32Tensor => {
    const t = toFloat32(file.tensors.get(name) ?? missing(name), name);
    return { shape: [...t.shape], data: new Float32Array(t.data) };
  };
  for (const name of file.tensors.keys()) {
    if (!name.startsWith('lora.')) continue;
    lora[name] = copy(name);
    adamM[name] = copy(adamMName(name));
    adamV[name] = copy(adamVName(name));
  }
  const m = meta as CheckpointMeta;
  return {
    step: m.step,
    cursor: { ...m.cursor },
    lora,
    adamM,
    adamV,
    history: m.history.map((p) => ({ ...p })),
    bestEvalLoss: m.bestEvalLoss,
  };
}

function missing(name: string): never {
  throw new InputError(`Training checkpoint is missing tensor "${name}"`, { field: name });
}

/** The store's checkpoints repository as this module uses it (store/artifacts-repo.ts). */
export interface CheckpointRepo {
  save(input: NewCheckpoint): Promise<CheckpointInfo>;
  get(id: string): Promise<Checkpoint | undefined>;
}

/** A trainer `saveCheckpoint` that writes every state to IndexedDB as one 'adapter' record. */
export function storeCheckpoints(
  repo: CheckpointRepo,
  target: { workspaceId: string; runId?: string; name: string; meta: Record<string, unknown> },
  onSaved?: (info: CheckpointInfo) => void,
): (state: TrainingState) => Promise<void> {
  return async (state) => {
    const { bytes, meta } = encodeTrainingState(state, target.meta);
    const info = await repo.save({
      workspaceId: target.workspaceId,
      ...(target.runId ? { runId: target.runId } : {}),
      kind: 'adapter',
      name: `${target.name} · step ${state.step}`,
      step: state.step,
      meta,
      bytes,
    });
    onSaved?.(info);
  };
}

/** Reads a stored checkpoint back into a resumable state. */
export async function loadCheckpoint(
  repo: CheckpointRepo,
  id: string,
): Promise<{ state: TrainingState; meta: CheckpointMeta; record: Checkpoint }> {
  const record = await repo.get(id);
  if (!record) throw new NotFoundError(`No checkpoint ${id}`, { checkpointId: id });
  return {
    state: decodeTrainingState(record.bytes, record.meta),
    meta: record.meta as CheckpointMeta,
    record,
  };
}
