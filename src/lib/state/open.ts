// Gets the page's store from the store service (store/service.ts: one connection per thread)
// and builds the Studio: the only place the state layer opens the store, so the UI can start
// the app without importing src/lib/store.
import { openStore } from '../store';
import { createCorpusState } from './corpus-open';
import { Studio } from './studio.svelte';
import { TrainState } from './train.svelte';
import { spawnSelfTestWorker, spawnTrainWorker } from './workers';

export async function openStudio(dbName?: string): Promise<Studio> {
  const store = await openStore(dbName);
  const studio = new Studio(store, spawnSelfTestWorker);
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
  );
  await studio.start();
  return studio;
}
