// GraphVariants' cache policy with fake sessions (milliseconds): built once per key, least
// recently used evicted per kind, an evicted session released before its replacement is built
// (no two embedded weight copies) and never while a run still uses it, failed builds retried.
import { describe, expect, it } from 'vitest';
import type { LlamaGraph, LoraModule } from '../../../src/lib/engines/onnx/llama-graph';
import {
  GraphVariants,
  variantKey,
  type LogitsKind,
  type Variant,
} from '../../../src/lib/engines/onnx/runner-variants';

function fakes(limit: number, fail?: (key: string) => boolean) {
  const log: string[] = [];
  const build = async (kind: LogitsKind, modules: readonly LoraModule[]): Promise<Variant> => {
    const key = variantKey(kind, modules);
    log.push(`build ${key}`);
    if (fail?.(key)) throw new Error(`cannot build ${key}`);
    const session = {
      release: async () => void log.push(`release ${key}`),
    } as unknown as Variant['session'];
    return { key, kind, modules, graph: {} as LlamaGraph, session, embedded: false };
  };
  return { log, variants: new GraphVariants(build, () => limit) };
}

const run = (v: GraphVariants, kind: LogitsKind, modules: LoraModule[]) =>
  v.use(kind, modules, async (variant) => variant.key);

describe('GraphVariants', () => {
  it('builds a variant once and reuses it', async () => {
    const { log, variants } = fakes(2);
    expect(await run(variants, 'last', [])).toBe('last:none');
    expect(await run(variants, 'last', [])).toBe('last:none');
    expect(await run(variants, 'last', ['q_proj', 'v_proj'])).toBe('last:q_proj,v_proj');
    expect(log).toEqual(['build last:none', 'build last:q_proj,v_proj']);
  });

  it('evicts the least recently used of the same kind, releasing it before the next build', async () => {
    const { log, variants } = fakes(2);
    await run(variants, 'last', []);
    await run(variants, 'last', ['q_proj']);
    await run(variants, 'all', ['q_proj']); // another kind: counted apart
    await run(variants, 'last', []); // 'none' is now the most recently used
    await run(variants, 'last', ['v_proj']);
    expect(log.slice(3)).toEqual(['release last:q_proj', 'build last:v_proj']);
    expect(variants.keys.sort()).toEqual(['all:q_proj', 'last:none', 'last:v_proj']);
  });

  it('limit 1: an adapter switch releases the resident session first', async () => {
    const { log, variants } = fakes(1);
    await run(variants, 'last', []);
    await run(variants, 'last', ['q_proj']);
    await run(variants, 'last', []);
    expect(log).toEqual([
      'build last:none',
      'release last:none',
      'build last:q_proj',
      'release last:q_proj',
      'build last:none',
    ]);
  });

  it('never releases a session while a run uses it', async () => {
    const { log, variants } = fakes(1);
    let finish!: () => void;
    const slow = variants.use('last', [], () => new Promise<void>((r) => (finish = r)));
    await new Promise((r) => setTimeout(r, 0));
    await run(variants, 'last', ['q_proj']);
    expect(log).toEqual(['build last:none', 'build last:q_proj']);
    finish();
    await slow;
    expect(log).toContain('release last:none');
  });

  it('forgets a failed build so the next request tries again; releaseAll releases all', async () => {
    let failing = true;
    const { log, variants } = fakes(2, () => failing);
    await expect(run(variants, 'all', [])).rejects.toThrow('cannot build all:none');
    expect(variants.keys).toEqual([]);
    failing = false;
    expect(await run(variants, 'all', [])).toBe('all:none');
    await variants.releaseAll();
    expect(log.at(-1)).toBe('release all:none');
    expect(variants.keys).toEqual([]);
  });
});
