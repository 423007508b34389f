// State of the Train step (method.md §1: M_yx, M0, M1/M2; §6 hyper-parameters): the form, the
// running job (a tracked job with cancel), live loss curves, and the workspace's checkpoints
// with resume and PEFT download. Everything runs in the training worker.
import { RpcClient, type WorkerLike } from '../protocol';
import type { CheckpointInfo } from '../store/artifacts-repo';
import type { MetricPoint } from '../train/checkpoint';
import type {
  BaseModelChoice,
  StartTrainingRequest,
  TrainDevice,
  TrainEvent,
  TrainingDataSummary,
  TrainRpc,
} from '../train/train-protocol';
import { ADAPTER_CONFIG_FILE } from '../train/peft';
import type { JobsState } from './jobs.svelte';
import { describeError } from './ports';
import {
  curationFromForm,
  defaultTrainForm,
  MODE_NAMES,
  optionsFromForm,
  type TrainForm,
} from './train-form';

export type { CheckpointInfo, MetricPoint };

export { ALL_MODULES, defaultTrainForm, optionsFromForm, type TrainForm } from './train-form';

export class TrainState {
  form = $state<TrainForm>(defaultTrainForm());
  /** A picked local model folder (File objects are not proxied). */
  localFiles = $state.raw<File[]>([]);
  running = $state(false);
  error = $state<string | null>(null);
  summary = $state<TrainingDataSummary | null>(null);
  totalSteps = $state(0);
  /** Where the running/last run's graphs run. */
  device = $state<TrainDevice | null>(null);
  step = $state(0);
  curve = $state.raw<MetricPoint[]>([]);
  checkpoints = $state<CheckpointInfo[]>([]);
  runs = $state<{ id: string; name: string }[]>([]);
  /** Local models kept in the model cache: usable as the base without their folder. */
  keptLocal = $state<string[]>([]);
  private client: RpcClient<TrainRpc>;
  private cancelCurrent: (() => void) | null = null;

  constructor(
    private readonly jobs: JobsState,
    spawn: () => WorkerLike,
    private readonly workspaceId: () => string | null,
    private readonly onChanged?: () => void,
    /** The names of the kept local copies (hf/local-cache.ts keptLocalModels). */
    private readonly listKeptLocal: () => Promise<string[]> = async () => [],
  ) {
    this.client = new RpcClient<TrainRpc>(spawn, { cancelGraceMs: 5000 });
  }

  get lastTrain(): MetricPoint | undefined {
    return lastOf(this.curve, 'train');
  }

  get lastEval(): MetricPoint | undefined {
    return lastOf(this.curve, 'eval');
  }

  modelChoice(): BaseModelChoice | string {
    const f = this.form;
    if (f.modelSource === 'local') {
      // The kept copy loads in the worker as stages load it: by name, without files.
      if (f.localKept) return { source: 'local', id: f.localKept };
      if (!this.localFiles.length)
        return 'Pick a local model folder (config.json, tokenizer files, *.safetensors) or a kept copy.';
      // The folder's own name identifies the base (resume asks for "that folder" again, and
      // the Models screen shows it), not the Hub id field, which is hidden for a folder.
      const folder = this.localFiles[0]?.webkitRelativePath?.split('/')[0];
      const id = folder || f.modelId.trim() || 'local-model';
      return { source: 'local', id, files: this.localFiles };
    }
    const id = f.modelId.trim();
    if (!/^[\w.-]+\/[\w.-]+$/.test(id)) return 'Enter a Hugging Face model id like "owner/name".';
    const accessToken = f.accessToken.trim();
    return accessToken ? { source: 'hf', id, accessToken } : { source: 'hf', id };
  }

  async refresh(): Promise<void> {
    const ws = this.workspaceId();
    if (!ws) return;
    try {
      const [checkpoints, runs, kept] = await Promise.all([
        this.client.call('listCheckpoints', { workspaceId: ws }),
        this.client.call('listRuns', { workspaceId: ws }),
        this.listKeptLocal(),
      ]);
      this.keptLocal = kept;
      // While a run streams checkpoint events, a slower listing must not drop them.
      const streamed = this.running
        ? this.checkpoints.filter((c) => !checkpoints.some((x) => x.id === c.id))
        : [];
      this.checkpoints = [...streamed, ...checkpoints.reverse()];
      this.runs = runs;
    } catch (err) {
      this.error = describeError(err);
    }
  }

  start(): Promise<void> {
    const ws = this.workspaceId();
    const model = this.modelChoice();
    if (!ws) return this.fail('Create or pick a workspace first.');
    if (typeof model === 'string') return this.fail(model);
    const f = $state.snapshot(this.form) as TrainForm;
    if (f.mode === 'seed+curated' && !f.runId)
      return this.fail('Pick the run whose curated pairs to add.');
    if (!f.targets.length) return this.fail('Pick at least one LoRA target module.');
    const req: StartTrainingRequest = {
      workspaceId: ws,
      // M_t is named by its iteration: M1 on seed + A(1), M2 on seed + A(2) (§3).
      name:
        f.mode === 'seed+curated'
          ? `M${f.iteration} (seed + A(${f.iteration}))`
          : MODE_NAMES[f.mode],
      model,
      mode: f.mode,
      ...(f.runId ? { runId: f.runId } : {}),
      ...(f.mode === 'seed+curated'
        ? {
            k: f.k,
            curation: curationFromForm(f),
          }
        : {}),
      maxLength: f.maxLength,
      evalFraction: 0.05,
      device: f.device,
      options: optionsFromForm(f),
    };
    return this.runJob(`Train ${req.name}`, true, (signal, onProgress) =>
      this.client.call('start', req, { signal, onProgress, onEvent: (e) => this.onEvent(e) }),
    );
  }

  resume(checkpointId: string, maxSteps?: number): Promise<void> {
    const model = this.modelChoice();
    if (typeof model === 'string') return this.fail(model);
    const device = this.form.device;
    return this.runJob('Resume training', true, (signal, onProgress) =>
      this.client.call(
        'resume',
        { checkpointId, model, device, ...(maxSteps ? { maxSteps } : {}) },
        { signal, onProgress, onEvent: (e) => this.onEvent(e) },
      ),
    );
  }

  cancel(): void {
    this.cancelCurrent?.();
  }

  /**
   * One arm of the data-scaling sweep (sweep.svelte.ts): trains `req` on this form's base model
   * in the training worker, inside the caller's job, and resolves to the adapter checkpoint it
   * ended with. The live curve shows it like any run.
   */
  async trainArm(
    req: Omit<StartTrainingRequest, 'model'>,
    base: { source: 'hf' | 'local'; id: string },
    opts: { signal?: AbortSignal; onProgress?: (fraction: number) => void },
  ): Promise<string> {
    const model = this.armBase(base);
    if (this.running) throw new Error('A training run is in progress; wait for it or cancel it.');
    let last: string | null = null;
    this.running = true;
    this.curve = [];
    try {
      await this.client.call(
        'start',
        { ...req, model },
        {
          ...(opts.signal ? { signal: opts.signal } : {}),
          onProgress: (p) => {
            if (p.kind === 'train' && p.total) opts.onProgress?.(p.done / p.total);
          },
          onEvent: (e) => {
            if (e.kind === 'checkpoint') last = e.info.id;
            this.onEvent(e);
          },
        },
      );
    } finally {
      this.running = false;
    }
    if (!last) throw new Error(`${req.name}: training saved no checkpoint`);
    return last;
  }

  async deleteCheckpoint(id: string): Promise<void> {
    try {
      await this.client.call('deleteCheckpoint', { checkpointId: id });
      await this.refresh();
      this.onChanged?.();
    } catch (err) {
      this.error = describeError(err);
    }
  }

  /**
   * A PEFT adapter made elsewhere, from its picked folder or its two files: checked against
   * the base its config names (the worker loads it) and added as an adapter checkpoint.
   * Returns the new checkpoint's id, or null with `error` set (nothing stored then).
   */
  async importAdapter(files: File[]): Promise<string | null> {
    const ws = this.workspaceId();
    if (!ws) return null;
    this.error = null;
    try {
      const path = files[0]?.webkitRelativePath ?? '';
      const folderName = path.includes('/') ? path.split('/')[0] : 'adapter';
      const bytes: Record<string, Uint8Array> = {};
      for (const f of files)
        if (f.name.endsWith('.json') || f.name.endsWith('.safetensors'))
          bytes[f.name] = new Uint8Array(await f.arrayBuffer());
      const kept = keptBaseOf(bytes[ADAPTER_CONFIG_FILE], await this.listKeptLocal());
      const info = await this.client.call('importAdapter', {
        workspaceId: ws,
        folderName,
        files: bytes,
        ...(kept ? { model: { source: 'local' as const, id: kept } } : {}),
        // The Train form's token, for a gated base (the worker keeps it in memory only).
        ...(this.form.accessToken.trim() ? { accessToken: this.form.accessToken.trim() } : {}),
      });
      await this.refresh();
      this.onChanged?.();
      return info.id;
    } catch (err) {
      this.error = describeError(err);
      return null;
    }
  }

  /** The adapter as a PEFT zip (adapter_config.json + adapter_model.safetensors). */
  async downloadAdapter(id: string): Promise<{ fileName: string; blob: Blob } | null> {
    try {
      const { fileName, zip } = await this.client.call('exportAdapter', { checkpointId: id });
      return {
        fileName,
        blob: new Blob([zip as Uint8Array<ArrayBuffer>], { type: 'application/zip' }),
      };
    } catch (err) {
      this.error = describeError(err);
      return null;
    }
  }

  dispose(): void {
    this.cancel();
  }

  /**
   * The sweep's base: its Hub id (with this form's token), the same local folder picked here,
   * or else that folder's kept copy (the worker names it when the copy is gone).
   */
  private armBase(base: { source: 'hf' | 'local'; id: string }): BaseModelChoice {
    const token = this.form.accessToken.trim();
    if (base.source === 'hf')
      return { source: 'hf', id: base.id, ...(token ? { accessToken: token } : {}) };
    const picked = this.modelChoice();
    if (typeof picked !== 'string' && picked.source === 'local' && picked.id === base.id)
      return picked;
    return { source: 'local', id: base.id };
  }

  private onEvent(e: TrainEvent): void {
    if (e.kind === 'data') {
      this.summary = e.summary;
      this.totalSteps = e.totalSteps;
      this.device = e.device;
      this.step = e.startStep;
      this.curve = e.history;
    } else if (e.kind === 'metric') {
      this.curve = [...this.curve, e.point];
      if (e.point.kind === 'train') this.step = e.point.step;
    } else {
      this.checkpoints = [e.info, ...this.checkpoints.filter((c) => c.id !== e.info.id)];
      this.onChanged?.();
    }
  }

  private async runJob(
    label: string,
    clearCurve: boolean,
    work: (
      signal: AbortSignal,
      onProgress: (p: import('../protocol').Progress) => void,
    ) => Promise<{ history: MetricPoint[] }>,
  ): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.error = null;
    if (clearCurve) this.curve = [];
    const { job, result } = this.jobs.start(label, ({ signal, onProgress }) =>
      work(signal, onProgress),
    );
    this.cancelCurrent = () => job.cancel();
    try {
      const res = await result;
      this.curve = res.history;
    } catch (err) {
      if (!job.signal.aborted) this.error = describeError(err);
    } finally {
      this.running = false;
      this.cancelCurrent = null;
      await this.refresh();
    }
  }

  private async fail(message: string): Promise<void> {
    this.error = message;
  }
}

function lastOf(points: MetricPoint[], kind: MetricPoint['kind']): MetricPoint | undefined {
  for (let i = points.length - 1; i >= 0; i--) if (points[i].kind === kind) return points[i];
  return undefined;
}

/**
 * The kept local copy an imported adapter's config names as its base
 * (`base_model_name_or_path`: a name, or a path whose last part is the folder's name), if any;
 * else undefined and the worker asks the Hub.
 */
export function keptBaseOf(config: Uint8Array | undefined, kept: string[]): string | undefined {
  if (!config || !kept.length) return undefined;
  let named: unknown;
  try {
    named = (JSON.parse(new TextDecoder().decode(config)) as Record<string, unknown>)
      .base_model_name_or_path;
  } catch {
    return undefined; // the worker names the broken file
  }
  if (typeof named !== 'string' || !named.trim()) return undefined;
  const path = named.trim().replace(/[\\/]+$/, '');
  const last = path.split(/[\\/]/).at(-1) ?? path;
  return [path, last].find((name) => kept.includes(name));
}
