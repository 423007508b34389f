// Reading what a training checkpoint recorded (domain/training.ts TrainingCheckpointMeta): the
// meta narrowed with an error naming the checkpoint and the missing field, and the base model a
// resume must load (the recorded one; the request only lends a token or the picked folder).
import type { BaseModelRecord, TrainingCheckpointMeta } from '../domain/training';
import { InputError } from '../protocol/errors';
import { CHECKPOINT_FORMAT } from './checkpoint';
import type { BaseModelChoice } from './train-protocol';
import type { TrainOptions } from './trainer';

/**
 * The base a resumed run loads: the recorded Hub repo and revision (the request lends only its
 * access token), or, for a local folder, the files the user picked again, whose folder name
 * must match the recorded one.
 */
export function recordedBase(recorded: BaseModelRecord, given: BaseModelChoice): BaseModelChoice {
  if (recorded.source === 'hf') {
    const accessToken = given.source === 'hf' ? given.accessToken : undefined;
    return { source: 'hf', id: recorded.id, revision: recorded.revision, accessToken };
  }
  if (given.source !== 'local' || given.id !== recorded.id) {
    throw new InputError(
      `This checkpoint was trained on the local folder "${recorded.id}": pick that folder or its kept copy to resume (got ${given.source} "${given.id}")`,
      { field: 'model' },
    );
  }
  return given;
}

/**
 * Narrows a stored checkpoint's meta to this service's TrainingMeta: the format tag and
 * every field resume and export read. Old or foreign records get an error naming the
 * checkpoint and what is missing instead of failing later on an undefined field.
 */
export function trainingMetaOf(
  meta: Readonly<Record<string, unknown>>,
  checkpointId: string,
): TrainingCheckpointMeta<TrainOptions> {
  const bad = (what: string, field: string) =>
    new InputError(`Checkpoint ${checkpointId} ${what}; it cannot be resumed or exported`, {
      field,
    });
  if (meta.format !== CHECKPOINT_FORMAT)
    throw bad(`has format ${JSON.stringify(meta.format)}, not ${CHECKPOINT_FORMAT}`, 'format');
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const field of ['trainingId', 'dataFingerprint'] as const)
    if (typeof meta[field] !== 'string') throw bad(`does not record "${field}"`, field);
  for (const field of ['request', 'baseModel', 'modelConfig'] as const)
    if (!isObject(meta[field])) throw bad(`does not record "${field}"`, field);
  const request = meta.request as Record<string, unknown>;
  if (!isObject(request.options) || !isObject(request.options.lora))
    throw bad('does not record its training options', 'request.options');
  const base = meta.baseModel as Record<string, unknown>;
  if ((base.source !== 'hf' && base.source !== 'local') || typeof base.id !== 'string')
    throw bad('does not record which base model it was trained on', 'baseModel');
  return meta as TrainingCheckpointMeta<TrainOptions>;
}
