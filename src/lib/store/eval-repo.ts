// Pairwise evaluation records (issue 12, schema step 7): prompt sets of a workspace, and the
// per-prompt answers and verdicts of an evaluation. Answers are written only by the evaluate
// stage's batch commits (stages-repo.ts), together with its cursor; this repository reads them.
import { NotFoundError } from '../protocol/errors';
import { newId } from '../util/ids';
import type { Db } from './db';
import { requireWorkspace } from './corpus-repo';
import { approxBytes, toPlain } from './plain';
import type { EvalAnswer, Id, PromptSet } from '../domain';
import { writeTx } from './tx';

export type NewPromptSet = Omit<PromptSet, 'id' | 'createdAt'> & { id?: Id };

export function promptSetsRepo(db: Db) {
  return {
    async add(input: NewPromptSet): Promise<PromptSet> {
      const set: PromptSet = { ...toPlain(input), id: input.id ?? newId(), createdAt: Date.now() };
      await writeTx(db, ['workspaces', 'promptSets'], approxBytes(set), async (tx, requests) => {
        requireWorkspace(await tx.objectStore('workspaces').get(set.workspaceId), set.workspaceId);
        requests.add(tx.objectStore('promptSets').put(set));
      });
      return set;
    },
    get(id: Id): Promise<PromptSet | undefined> {
      return db.get('promptSets', id);
    },
    /** The workspace's prompt sets, oldest first. */
    async list(workspaceId: Id): Promise<PromptSet[]> {
      const all = await db.getAllFromIndex('promptSets', 'byWorkspace', workspaceId);
      return all.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    },
    async delete(id: Id): Promise<void> {
      await writeTx(db, ['promptSets'], 0, (tx, requests) => {
        requests.add(tx.objectStore('promptSets').delete(id));
      });
    },
  };
}

/** The id of prompt `index` of an evaluation: id order is prompt order. */
export function evalAnswerId(evaluationId: Id, index: number): Id {
  return `${evaluationId}.${String(index).padStart(6, '0')}`;
}

export function evalAnswersRepo(db: Db) {
  const range = (evaluationId: Id) =>
    IDBKeyRange.bound(`${evaluationId}.`, `${evaluationId}.\uffff`);
  return {
    /** Every answer record of an evaluation, in prompt order. */
    list(evaluationId: Id): Promise<EvalAnswer[]> {
      return db.getAll('evalAnswers', range(evaluationId));
    },
    count(evaluationId: Id): Promise<number> {
      return db.countFromIndex('evalAnswers', 'byEvaluation', evaluationId);
    },
    async get(evaluationId: Id, index: number): Promise<EvalAnswer> {
      const a = await db.get('evalAnswers', evalAnswerId(evaluationId, index));
      if (!a) throw new NotFoundError(`No answer ${index} in evaluation ${evaluationId}`);
      return a;
    },
  };
}
