// The Engine port across a worker: the same methods, as an RPC schema. WorkerEngine (main
// thread) and engineHandlers (worker) join them, so callers never know which thread runs
// the model (style.md §3.2).
import { InputError } from '../protocol/errors';
import type { CallContext, Handlers } from '../protocol/server';
import type {
  AdapterSpec,
  Engine,
  GenerateRequest,
  GenerateResult,
  ModelInfo,
  ModelSpec,
  ScoreRequest,
  ScoreResult,
} from './engine';

export type EngineRpc = {
  load: { req: ModelSpec; res: ModelInfo };
  generate: { req: GenerateRequest; res: GenerateResult; event: string };
  generateBatch: {
    req: GenerateRequest[];
    res: GenerateResult[];
    event: { index: number; piece: string };
  };
  score: { req: ScoreRequest; res: ScoreResult };
  addAdapter: { req: AdapterSpec; res: null };
  removeAdapter: { req: { id: string }; res: null };
  unload: { req: null; res: null };
};

/** Worker side: every call goes to one Engine instance, with cancel and progress wired. */
export function engineHandlers(engine: Engine): Handlers<EngineRpc> {
  const opts = (ctx: CallContext<unknown>) => ({ signal: ctx.signal, onProgress: ctx.progress });
  return {
    load: (spec, ctx) => engine.load(spec, opts(ctx)),
    generate: (req, ctx) => engine.generate(req, { ...opts(ctx), onToken: (t) => ctx.emit(t) }),
    generateBatch: (reqs, ctx) =>
      engine.generateBatch(reqs, {
        ...opts(ctx),
        onBatchToken: (index, piece) => ctx.emit({ index, piece }),
      }),
    score: (req, ctx) => engine.score(req, opts(ctx)),
    addAdapter: async (a) => {
      if (!engine.addAdapter)
        throw new InputError(`The ${engine.kind} engine does not run LoRA adapters`, {
          field: 'adapter',
        });
      await engine.addAdapter(a);
      return null;
    },
    removeAdapter: async ({ id }) => {
      await engine.removeAdapter?.(id);
      return null;
    },
    unload: async () => {
      await engine.unload();
      return null;
    },
  };
}
