// Trained adapters as the Models screen lists them (issue 9 §3): each LoRA checkpoint with the
// base model it was trained on, the data (method.md §1: reversed seed → M_yx, seed → M0,
// seed + curated → M1/M2), the step and date; and whether it can go on the loaded model.
import type { ModelChoice } from '../domain/models';
import type { CheckpointInfo } from '../store/artifacts-repo';

export interface AdapterRow {
  id: string;
  name: string;
  /** The base model's Hub id or local folder name, or null for records without one. */
  baseModel: string | null;
  baseSource: 'hf' | 'local' | null;
  data: string;
  step: number | null;
  createdAt: number;
  byteLength: number;
}

const DATA: Record<string, string> = {
  backward: 'seed pairs, reversed (M_yx)',
  seed: 'seed pairs (M0)',
  'seed+curated': 'seed + curated pairs (M1/M2)',
};

/** The adapter checkpoints among `checkpoints`, newest first, described for the list. */
export function adapterRows(checkpoints: CheckpointInfo[]): AdapterRow[] {
  return checkpoints
    .filter((c) => c.kind === 'adapter')
    .map((c): AdapterRow => {
      const meta = c.meta as {
        baseModel?: { id?: unknown; source?: unknown };
        request?: { mode?: unknown; k?: unknown };
        imported?: { folder?: unknown };
      };
      const id = typeof meta.baseModel?.id === 'string' ? meta.baseModel.id : null;
      const source = meta.baseModel?.source;
      const mode = typeof meta.request?.mode === 'string' ? meta.request.mode : '';
      const k = typeof meta.request?.k === 'number' ? `, score ≥ ${meta.request.k}` : '';
      return {
        id: c.id,
        name: c.name,
        baseModel: id,
        baseSource: source === 'hf' || source === 'local' ? source : null,
        data:
          typeof meta.imported?.folder === 'string'
            ? `imported: ${meta.imported.folder}`
            : mode
              ? `${DATA[mode] ?? mode}${mode === 'seed+curated' ? k : ''}`
              : 'unknown',
        step: c.step ?? null,
        createdAt: c.createdAt,
        byteLength: c.byteLength,
      };
    })
    .sort((a, b) => b.createdAt - a.createdAt);
}

/**
 * Why the adapter cannot go on the loaded model, or null when it can: only our ONNX engine
 * (and the fake) run our adapters, and only on the base they were trained on (the engine
 * checks the tensor shapes again when it is added).
 */
export function adapterMismatch(row: AdapterRow, model: ModelChoice | null): string | null {
  if (!model) return 'Load its base model in the playground first.';
  if (model.engine !== 'onnx' && model.engine !== 'fake')
    return `The ${model.engine} engine does not run our LoRA adapters; load the base in the ONNX engine.`;
  // A Hub base is known by its id; a local folder's name may differ between machines, so
  // there the engine's shape check when the adapter is added is what decides.
  if (row.baseSource === 'hf' && model.engine === 'onnx' && row.baseModel !== model.modelId)
    return `Trained on ${row.baseModel}; the playground has ${model.modelId} loaded.`;
  return null;
}
