// Loading a method role's model for a stage (Workspace.roles, assigned in the Models step):
// an engine of the role's kind (state/engines.ts: a worker, or the fake with ?engine=fake), the
// model loaded once and kept for the next stage, and the role's adapter checkpoint registered
// on it. In fake mode a role with no assignment runs on a fake model named after the role, so
// the whole method can be demonstrated and tested without a download.
import type { AdapterSpec, Engine, ModelSpec } from '../engines/engine';
import type { MethodModel } from '../pipeline/method-model';
import { InputError } from '../protocol/errors';
import type { ModelRole, RoleAssignment } from '../domain';
import { createEngine } from './engines';
import { normalizeBaseUrl } from '../engines/server/settings';
import type { LoadRoleModel } from './run.svelte';

export interface RoleModelDeps {
  fake: boolean;
  /** A checkpoint's LoRA as an AdapterSpec (the model worker's checkpointAdapter RPC). */
  adapterSpec(checkpointId: string, adapterId: string): Promise<AdapterSpec>;
  create?: typeof createEngine;
  /** Fake mode: milliseconds per generated word (`?engine=fake&fakeDelay=20`, to watch progress). */
  fakeDelayMs?: number;
  /**
   * The API key for a role on the server engine: typed on the Models screen and held in that
   * tab's memory only (never stored with the role), so after a reload it must be typed again.
   */
  serverApiKey?: () => string;
}

function specOf(role: ModelRole, a: RoleAssignment | undefined, fake: boolean): ModelSpec {
  if (fake) return { id: a?.modelId ?? `fake-${role}`, source: 'fake' };
  if (!a) throw new InputError(`No model is assigned to the ${role} role`, { field: role });
  if (a.engine === 'server') {
    if (!a.serverUrl)
      throw new InputError(`The ${role} role's server has no URL: assign it again in Models`, {
        field: role,
      });
    return { id: a.modelId, source: 'server' };
  }
  if (a.source === 'server' || a.source === 'fake')
    throw new InputError(`The ${role} role's model (${a.source}) cannot run method stages`, {
      field: role,
    });
  return {
    id: a.modelId,
    source: a.source,
    ...(a.revision ? { revision: a.revision } : {}),
    ...(a.dtype ? { dtype: a.dtype } : {}),
  };
}

export function roleModelLoader(deps: RoleModelDeps): LoadRoleModel {
  const loaded = new Map<string, Promise<{ engine: Engine; contextTokens: number }>>();
  const adapters = new Set<string>();
  return async (role, assignment) => {
    const spec = specOf(role, assignment, deps.fake);
    const kind = deps.fake ? 'fake' : (assignment?.engine ?? 'onnx');
    const serverUrl = kind === 'server' ? normalizeBaseUrl(assignment?.serverUrl ?? '') : '';
    const key = `${role}|${kind}|${serverUrl}|${spec.id}|${spec.revision ?? ''}|${spec.dtype ?? ''}`;
    let entry = loaded.get(key);
    if (!entry) {
      entry = (async () => {
        const apiKey = deps.serverApiKey?.().trim();
        const engine = (deps.create ?? createEngine)(kind, {
          fake: deps.fake,
          // The server engine sends the role's prompts to the URL the user assigned (README
          // "Privacy"); only a role the user put on a server gets here.
          ...(serverUrl ? { server: { baseUrl: serverUrl, ...(apiKey ? { apiKey } : {}) } } : {}),
          ...(deps.fakeDelayMs ? { fakeOptions: { delayMs: deps.fakeDelayMs } } : {}),
        });
        const info = await engine.load(spec);
        return { engine, contextTokens: info.contextLength };
      })();
      loaded.set(key, entry);
      entry.catch(() => loaded.delete(key));
    }
    const { engine, contextTokens } = await entry;
    const checkpointId = assignment?.adapterCheckpointId;
    if (checkpointId && !adapters.has(`${key}|${checkpointId}`)) {
      if (!engine.addAdapter)
        throw new InputError(`The ${kind} engine cannot apply adapters`, { field: role });
      const adapter: AdapterSpec = deps.fake
        ? { id: checkpointId, rank: 0, alpha: 0, targetModules: [], tensors: {} }
        : await deps.adapterSpec(checkpointId, checkpointId);
      await engine.addAdapter(adapter);
      adapters.add(`${key}|${checkpointId}`);
    }
    const model: MethodModel = {
      label: checkpointId ? `${spec.id}+${checkpointId}` : spec.id,
      contextTokens,
      ...(checkpointId ? { adapterId: checkpointId } : {}),
      lineage: {
        model: { id: spec.id, ...(spec.revision ? { revision: spec.revision } : {}) },
        engine: kind,
        ...(checkpointId ? { adapterCheckpointId: checkpointId } : {}),
      },
    };
    return { engine, model };
  };
}
