// Gets the page's store from the store service (store/service.ts: one connection per thread)
// and builds the Studio: the only place the state layer opens the store, so the UI can start
// the app without importing src/lib/store.
import { defaultBlobCache } from '../engines/hf/blob-cache';
import { keptLocalModels } from '../engines/hf/local-cache';
import { openStore, type Store } from '../store';
import { corpusPort, createCorpusState } from './corpus-open';
import { createModelsStates } from './models-open';
import type { StudioStore, WorkspaceTotals } from './ports';
import { Studio } from './studio.svelte';
import { TrainState } from './train.svelte';
import { spawnModelWorker, spawnSelfTestWorker, spawnTrainWorker } from './workers';
import { RunState } from './run.svelte';
import { WorkshopState } from './workshop.svelte';
import { ReviewState } from './review.svelte';
import { DEFAULT_KEEP_RULE } from '../pipeline/method-service';
import { EvaluateState } from './evaluate.svelte';
import { SweepState } from './sweep.svelte';
import { ExportState } from './export.svelte';
import { roleModelLoader } from './role-models';
import { fakeEnginesWanted } from './engines';
import { RpcClient } from '../protocol';
import type { CheckpointAdapterRpc } from '../train/train-protocol';

export async function openStudio(dbName?: string): Promise<Studio> {
  const store = await openStore(dbName);
  const studio = new Studio(studioPort(store), spawnSelfTestWorker);
  studio.corpus = createCorpusState(
    store,
    studio.jobs,
    () => studio.workspaces.currentId,
    () => void studio.refreshStorage(),
  );
  studio.train = new TrainState(
    studio.jobs,
    spawnTrainWorker,
    () => studio.workspaces.currentId,
    () => void studio.refreshStorage(),
    () => keptLocalModels(defaultBlobCache()),
  );
  const { models, playground } = createModelsStates(store, studio.jobs, () => {
    void studio.refreshStorage();
  });
  studio.models = models;
  studio.playground = playground;
  const fake = fakeEnginesWanted();
  let adapters: RpcClient<CheckpointAdapterRpc> | null = null;
  // One loader for every method screen: a model loaded for Curate is reused by Evaluate.
  const loadModel = roleModelLoader({
    fake,
    fakeDelayMs: Number(new URLSearchParams(globalThis.location?.search).get('fakeDelay')) || 0,
    serverApiKey: () => studio.playground?.serverApiKey ?? '',
    adapterSpec: (checkpointId, adapterId) =>
      (adapters ??= new RpcClient<CheckpointAdapterRpc>(spawnModelWorker)).call(
        'checkpointAdapter',
        { checkpointId, adapterId },
      ),
  });
  studio.run = new RunState(
    store,
    studio.jobs,
    () => studio.workspaces.currentId,
    () => studio.workspaces.current?.roles,
    loadModel,
    fake,
    () => void studio.refreshStorage(),
  );
  studio.evaluate = new EvaluateState(
    store,
    studio.jobs,
    () => studio.workspaces.currentId,
    () => studio.workspaces.current?.roles,
    () => studio.run?.runId ?? null,
    loadModel,
    fake,
    () => void studio.refreshStorage(),
  );
  studio.sweep = new SweepState(
    store,
    studio.jobs,
    () => studio.workspaces.currentId,
    () => studio.workspaces.current?.roles,
    () => studio.run?.runId ?? null,
    () => studio.run?.runs ?? [],
    () => studio.train,
    () => studio.evaluate,
    () => void studio.refreshStorage(),
  );
  studio.workshop = new WorkshopState(
    store,
    () => studio.workspaces.currentId,
    () => studio.currentTotals,
    () => studio.run?.runId ?? null,
  );
  studio.review = new ReviewState(store, () => studio.run?.keepRule() ?? DEFAULT_KEEP_RULE);
  studio.export = new ExportState(store, () => studio.workspaces.currentId);
  await studio.start();
  await models.load();
  return studio;
}

/** The store as the Studio sees it: its repositories plus the per-workspace totals. */
function studioPort(store: Store): StudioStore {
  const corpus = corpusPort(store);
  return {
    workspaces: store.workspaces,
    storage: store.storage,
    settings: store.settings,
    close: () => store.close(),
    async totals(workspaceId: string): Promise<WorkspaceTotals> {
      const [stats, files, seeds, runs, adapters, evaluations, workspace] = await Promise.all([
        corpus.stats(workspaceId),
        corpus.sourceFiles(workspaceId),
        corpus.seedCount(workspaceId),
        store.runs.list(workspaceId),
        store.checkpoints.countByKind(workspaceId, 'adapter'),
        store.evaluations.list({ workspaceId }),
        store.workspaces.get(workspaceId),
      ]);
      const candidates = await Promise.all(runs.map((r) => store.candidates.countByRun(r.id)));
      return {
        sourceFiles: files.length,
        documents: stats.documents,
        segments: stats.segments,
        kept: stats.kept,
        seeds,
        runs: runs.length,
        candidates: candidates.reduce((a, b) => a + b, 0),
        adapters,
        evaluations: evaluations.length,
        roles: Object.keys(workspace?.roles ?? {}).length,
      };
    },
  };
}
