// A PEFT LoRA adapter made elsewhere (adapter_config.json + adapter_model.safetensors, as
// huggingface/peft's save_pretrained writes them) → an 'adapter' checkpoint of the workspace
// in the trainer's own layout (checkpoint.ts), so listing, the model worker's checkpointAdapter,
// the PEFT download and removal treat it exactly like a trained one. The files are read by the
// same readers the engine uses (peft.ts / peft-format.ts) against the base model's config, so a
// DoRA config, a bias, or tensors for layers the base lacks are refused before anything is
// written; a bad import leaves the store untouched.
import type { F32Tensor } from '../engines/onnx/safetensors';
import type { ModelService } from '../engines/model-service';
import { InputError } from '../protocol/errors';
import type { CallContext } from '../protocol/server';
import type { CheckpointInfo } from '../store/artifacts-repo';
import { newId } from '../util/ids';
import { encodeTrainingState, type CheckpointRepo } from './checkpoint';
import { ADAPTER_CONFIG_FILE, ADAPTER_WEIGHTS_FILE, importPeftAdapter } from './peft';
import type { BaseModelChoice, ImportAdapterRequest } from './train-protocol';
import { DEFAULT_TRAIN_OPTIONS, type TrainOptions } from './trainer';
import type { TrainingMeta } from '../domain/training';

/** The dataFingerprint of an imported adapter: there is no training data to compare. */
export const IMPORTED_FINGERPRINT = 'imported';

/** The adapter_config.json text as an object, or an InputError naming the file. */
function readConfigJson(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (err) {
    throw new InputError(`not valid JSON: ${(err as Error).message}`, {
      file: ADAPTER_CONFIG_FILE,
    });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value))
    throw new InputError('must be a JSON object', { file: ADAPTER_CONFIG_FILE });
  return value as Record<string, unknown>;
}

/** The base to check the adapter against: the one given, else the config's Hub id. */
export function importBase(
  cfg: Record<string, unknown>,
  given: BaseModelChoice | undefined,
): BaseModelChoice {
  if (given) return given;
  const id = cfg.base_model_name_or_path;
  if (typeof id !== 'string' || !id.trim())
    throw new InputError(
      'does not name its base model; the adapter can only be checked against a known base',
      { file: ADAPTER_CONFIG_FILE, field: 'base_model_name_or_path' },
    );
  return { source: 'hf', id: id.trim() };
}

/**
 * Validates the two PEFT files against the base and stores them as one adapter checkpoint
 * (step 0, zero AdamW moments: checkpoint.ts's layout needs them; the record is marked
 * `imported` so resume refuses it).
 */
export async function importAdapterCheckpoint(
  repo: CheckpointRepo,
  models: ModelService,
  req: ImportAdapterRequest,
  ctx: Pick<CallContext<unknown>, 'signal' | 'progress'>,
): Promise<CheckpointInfo> {
  const configBytes = req.files[ADAPTER_CONFIG_FILE];
  const weights = req.files[ADAPTER_WEIGHTS_FILE];
  for (const [file, bytes] of [
    [ADAPTER_CONFIG_FILE, configBytes],
    [ADAPTER_WEIGHTS_FILE, weights],
  ] as const) {
    if (!bytes)
      throw new InputError(`missing from "${req.folderName}": pick both PEFT files`, { file });
  }
  const cfg = readConfigJson(configBytes);
  const choice = importBase(cfg, req.model);
  const token = choice.source === 'hf' ? (choice.accessToken ?? req.accessToken) : undefined;
  const base = await models.load(
    choice.source === 'hf'
      ? { source: 'hf', id: choice.id, revision: choice.revision, accessToken: token }
      : { source: 'local', id: choice.id, files: choice.files },
    { signal: ctx.signal, onProgress: (p) => ctx.progress(p) },
  );
  // Refusals (DoRA, bias, rank_pattern, unknown or missing tensors, wrong shapes) name the file.
  const { lora, tensors } = importPeftAdapter(base.config, cfg, weights);
  const zeros = (t: F32Tensor): F32Tensor => ({
    shape: [...t.shape],
    data: new Float32Array(t.data.length),
  });
  const meta: TrainingMeta<TrainOptions> = {
    trainingId: newId(),
    request: {
      workspaceId: req.workspaceId,
      name: req.folderName,
      // Recorded only because the record's type needs one; `imported` is what readers check.
      mode: 'seed',
      maxLength: 0,
      evalFraction: 0,
      device: 'wasm',
      options: { ...DEFAULT_TRAIN_OPTIONS, lora },
    },
    baseModel: {
      source: choice.source,
      id: choice.id,
      ...(choice.source === 'hf' && choice.revision ? { revision: choice.revision } : {}),
    },
    modelConfig: base.configJson,
    dataFingerprint: IMPORTED_FINGERPRINT,
    imported: { folder: req.folderName },
  };
  const { bytes, meta: stored } = encodeTrainingState(
    {
      step: 0,
      cursor: { epoch: 0, index: 0 },
      lora: tensors,
      adamM: Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, zeros(t)])),
      adamV: Object.fromEntries(Object.entries(tensors).map(([n, t]) => [n, zeros(t)])),
      history: [],
      bestEvalLoss: null,
    },
    meta,
  );
  return repo.save({
    workspaceId: req.workspaceId,
    kind: 'adapter',
    name: `${req.folderName} (imported)`,
    step: 0,
    meta: stored,
    bytes,
  });
}
