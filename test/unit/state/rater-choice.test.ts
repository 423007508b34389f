// @vitest-environment happy-dom
// Who rates iteration t (paper §3): by default the run's own M_{t-1}, found through the run's
// train lineage (the adapter trained from this run on seed + A^(t-1)), else the rater role;
// the user can pick another; the curation loads the chosen model + adapter, records it in its
// lineage and ratings, and a resume uses the recorded one whatever the pick is now.
import 'fake-indexeddb/auto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  backwardOptions,
  chosenBackward,
  chosenRater,
  defaultRaterId,
  raterOptions,
  ROLE_RATER_ID,
} from '../../../src/lib/state/rater-choice';
import { RunState, type LoadRoleModel } from '../../../src/lib/state/run.svelte';
import { JobsState } from '../../../src/lib/state/jobs.svelte';
import { roleModelLoader } from '../../../src/lib/state/role-models';
import { FakeEngine } from '../../../src/lib/engines/fake-engine';
import type { RoleAssignment, StageLineage } from '../../../src/lib/domain';
import { freshStore } from '../store/helpers';
import { ingestDocs } from '../pipeline/ingest-helper';

const role: RoleAssignment = {
  engine: 'onnx',
  source: 'local',
  modelId: 'tiny-llama',
  dtype: 'fp32',
  assignedAt: 5,
};

const train = (
  iteration: number,
  ckpt: string,
  id = 'tiny-llama',
  source = 'hf',
): StageLineage => ({
  kind: 'train',
  iteration,
  model: { id },
  adapterCheckpointId: ckpt,
  engine: 'onnx',
  settings: { trainingId: `t-${ckpt}`, baseModel: { source, id } },
});

const lineage: StageLineage[] = [
  { ...train(0, 'myx'), kind: 'train-backward' },
  { kind: 'augment', iteration: 0, model: { id: 'tiny-llama' } },
  { kind: 'curate', iteration: 1, model: { id: 'tiny-llama' } },
  train(1, 'm1-old'),
  train(1, 'm1'),
  train(2, 'm2', 'org/other'),
];

describe('rater choice', () => {
  it('offers the role and the run’s trained M_t, never M_yx', () => {
    const options = raterOptions(lineage, role, false);
    expect(options.map((o) => o.id)).toEqual([ROLE_RATER_ID, 'run:m1-old', 'run:m1', 'run:m2']);
    expect(options[0].label).toBe('The rater role (Models): tiny-llama on onnx');
    expect(options[0].assignment).toBeUndefined();
    // On the role's own base the role's settings carry over (local folder, fp32).
    expect(options[2].assignment).toEqual({ ...role, adapterCheckpointId: 'm1', assignedAt: 0 });
    expect(options[2].label).toBe('M1 of this run: tiny-llama + adapter m1');
    // On another base, the source the training recorded.
    expect(options[3].assignment).toMatchObject({
      engine: 'onnx',
      source: 'hf',
      modelId: 'org/other',
      adapterCheckpointId: 'm2',
    });
    expect(raterOptions(undefined, undefined, true)[0].label).toContain('fake rater');
  });

  it('defaults iteration t to the run’s newest M_{t-1}, else the role', () => {
    const options = raterOptions(lineage, role, false);
    expect(defaultRaterId(1, options)).toBe(ROLE_RATER_ID);
    expect(defaultRaterId(2, options)).toBe('run:m1');
    expect(defaultRaterId(3, options)).toBe('run:m2');
    expect(defaultRaterId(4, options)).toBe(ROLE_RATER_ID);
    expect(defaultRaterId(2, raterOptions([], role, false))).toBe(ROLE_RATER_ID);
  });

  it('keeps the user’s pick while it is offered', () => {
    const options = raterOptions(lineage, role, false);
    expect(chosenRater(2, options, ROLE_RATER_ID).id).toBe(ROLE_RATER_ID);
    expect(chosenRater(1, options, 'run:m1-old').id).toBe('run:m1-old');
    expect(chosenRater(2, options, 'run:gone').id).toBe('run:m1');
  });

  it('the backward model defaults to the run’s newest M_yx, else the backward role', () => {
    const options = backwardOptions(lineage, role, false);
    expect(options.map((o) => o.id)).toEqual([ROLE_RATER_ID, 'run:myx']);
    expect(options[0].label).toBe('The backward role (Models): tiny-llama on onnx');
    expect(chosenBackward(options, null)).toMatchObject({
      id: 'run:myx',
      chainName: 'M_yx',
      assignment: { modelId: 'tiny-llama', source: 'local', adapterCheckpointId: 'myx' },
    });
    expect(chosenBackward(options, ROLE_RATER_ID).id).toBe(ROLE_RATER_ID);
    expect(chosenBackward(backwardOptions([], role, false), null).id).toBe(ROLE_RATER_ID);
  });
});

const DEMO = join(process.cwd(), 'public/demo');
const notes = readdirSync(DEMO)
  .filter((f) => f.endsWith('.md') && f !== 'README.md')
  .slice(0, 2)
  .map((f) => readFileSync(join(DEMO, f), 'utf8'));

describe('RunState on the run’s own models', () => {
  it('augments with the run’s M_yx, rates iteration 2 with its M1, records both, resumes with them', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    await store.seeds.addMany(ws.id, [
      { instruction: 'Name a colour.', output: 'Blue.', source: 't' },
    ]);
    await ingestDocs(store, ws.id, notes);
    const inner = roleModelLoader({
      fake: true,
      create: () => new FakeEngine(),
      adapterSpec: () => Promise.reject(new Error('fake mode needs none')),
    });
    const loads: (RoleAssignment | undefined)[] = [];
    const load: LoadRoleModel = (r, a) => {
      loads.push(a);
      return inner(r, a);
    };
    const make = () =>
      new RunState(
        store,
        new JobsState(),
        () => ws.id,
        () => undefined,
        load,
        true,
      );
    const run = make();
    await run.load();
    await run.createRun('r');
    // M_yx trained from this run (the Augment screen's button) writes its instructions.
    await store.runs.appendLineage(run.runId!, {
      ...train(0, 'ckpt-myx', 'fake-backward'),
      kind: 'train-backward',
    });
    await run.refresh();
    expect(run.backward.id).toBe('run:ckpt-myx');
    await run.startAugment();
    expect(loads.at(-1)).toMatchObject({ adapterCheckpointId: 'ckpt-myx' });
    const augmented = (await store.runs.get(run.runId!))!.config.lineage!.find(
      (l) => l.kind === 'augment',
    );
    expect(augmented).toMatchObject({ adapterCheckpointId: 'ckpt-myx' });
    await run.startCurate();
    expect(run.error).toBeNull();
    expect(run.rater.id).toBe(ROLE_RATER_ID);

    // The Train step trained M1 from this run (train-service appends this entry).
    await store.runs.appendLineage(run.runId!, {
      ...train(1, 'ckpt-m1', 'fake-rater'),
      settings: { trainingId: 't1', baseModel: { source: 'hf', id: 'fake-rater' } },
    });
    await run.refresh();
    run.curateForm.iteration = 2;
    expect(run.rater.id).toBe('run:ckpt-m1');
    expect(run.rater.label).toBe('M1 of this run: fake-rater + adapter ckpt-m1');
    await run.startCurate();
    expect(run.error).toBeNull();
    expect(loads.at(-1)).toMatchObject({ modelId: 'fake-rater', adapterCheckpointId: 'ckpt-m1' });
    const got = (await store.runs.get(run.runId!))!;
    const entry = got.config.lineage!.find((l) => l.stage === 'curate-2-paper')!;
    expect(entry).toMatchObject({ adapterCheckpointId: 'ckpt-m1', model: { id: 'fake-rater' } });
    expect(entry.settings).toMatchObject({ model: { id: 'run:ckpt-m1' } });
    const rated = (await store.candidates.listByRun(run.runId!)).filter((c) => !c.filterReason);
    expect(rated.length).toBeGreaterThan(0);
    for (const c of rated)
      expect(c.ratings.find((r) => r.iteration === 2)?.rater).toBe('fake-rater+ckpt-m1');
    expect(run.chain.find((l) => l.id === 'M1')?.detail).toBe('fake-rater + adapter ckpt-m1');

    // The user picks the role instead: fast mode of iteration 2 rates without the adapter.
    run.raterPick = ROLE_RATER_ID;
    run.curateForm.mode = 'fast';
    await run.startCurate();
    const fast = (await store.runs.get(run.runId!))!.config.lineage!.find(
      (l) => l.stage === 'curate-2-fast',
    )!;
    expect(fast.adapterCheckpointId).toBeUndefined();
    expect(loads.at(-1)).toBeUndefined();

    // A resume loads the rater its lineage recorded, not today's pick.
    loads.length = 0;
    await store.runs.updateStage(run.runId!, 'curate-2-paper', { status: 'paused' });
    const again = make();
    await again.load();
    await again.resume('curate-2-paper');
    expect(again.error).toBeNull();
    expect(loads).toEqual([expect.objectContaining({ adapterCheckpointId: 'ckpt-m1' })]);
  });
});

describe('the backward default after a reload', () => {
  // The cause of "after a reload the Augment step does not default to the run's M_yx": the
  // page forgot which run was open and showed the newest run, which has no M_yx of its own.
  it('reopens the run the user was on, so its own M_yx is the default again', async () => {
    const { store } = await freshStore();
    const ws = await store.workspaces.create('w');
    const backwardRole: RoleAssignment = {
      engine: 'onnx',
      source: 'hf',
      modelId: 'org/tiny',
      assignedAt: 1,
    };
    let current = ws.id;
    const make = () =>
      new RunState(
        store,
        new JobsState(),
        () => current,
        () => ({ backward: backwardRole }),
        () => Promise.reject(new Error('no model needed')),
        false,
      );
    const page = make();
    await page.load();
    await page.createRun('main');
    const mainId = page.runId!;
    await store.runs.appendLineage(mainId, {
      ...train(0, 'ckpt-myx', 'org/tiny'),
      kind: 'train-backward',
    });
    await page.createRun('reference');
    await page.select(mainId);
    expect(page.backward.id).toBe('run:ckpt-myx');

    const reloaded = make();
    await reloaded.load();
    expect(reloaded.run?.name).toBe('main');
    expect(reloaded.backward).toMatchObject({
      id: 'run:ckpt-myx',
      chainName: 'M_yx',
      assignment: { modelId: 'org/tiny', adapterCheckpointId: 'ckpt-myx' },
    });
    expect(reloaded.missingRole('backward')).toBeNull();

    // Another workspace and back: each reopens its own last run.
    const other = await store.workspaces.create('w2');
    current = other.id;
    await reloaded.load();
    await reloaded.createRun('elsewhere');
    current = ws.id;
    await reloaded.load();
    expect(reloaded.run?.name).toBe('main');

    // A run that is gone falls back to the newest.
    await store.runs.delete(mainId);
    const again = make();
    await again.load();
    expect(again.run?.name).toBe('reference');
    expect(again.backward.id).toBe(ROLE_RATER_ID);
  });
});
