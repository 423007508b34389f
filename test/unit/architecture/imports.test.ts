// Issue 8's boundary test: the app's imports point one way (ui → state → pipeline → engines,
// corpus, train, method → store → domain/protocol), with no cycles. Failures name the files.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildGraph, findCycles, findViolations, layerOf, type Graph } from './import-graph';

const root = path.resolve(__dirname, '../../..');

describe('import boundaries', () => {
  const { graph, unresolved } = buildGraph(root, ['src', 'workers']);
  const edges = [...graph.values()].reduce((n, deps) => n + deps.length, 0);
  const format = (v: { from: string; to: string; reason: string }) =>
    `${v.from} → ${v.to}: ${v.reason}`;

  it('reads the whole source tree (so the checks below cannot pass on an empty graph)', () => {
    expect(graph.size).toBeGreaterThan(150);
    expect(edges).toBeGreaterThan(400);
    for (const layer of ['ui', 'state', 'pipeline', 'store', 'corpus', 'engines', 'domain'])
      expect(
        [...graph.keys()].some((f) => layerOf(f) === layer),
        layer,
      ).toBe(true);
    // Known edges are seen, from .ts and from a .svelte file's script.
    expect(graph.get('src/lib/state/open.ts')).toContain('src/lib/store/index.ts');
    expect(graph.get('src/ui/App.svelte')).toContain('src/lib/state/open.ts');
    // Every relative import resolves to a file, or the graph would miss edges.
    expect(unresolved).toEqual([]);
  });

  it('has no import cycles', () => {
    const cycles = findCycles(graph).map((c) => c.join(' ⇄ '));
    expect(cycles).toEqual([]);
  });

  it('imports only down the layers and breaks no ban', () => {
    expect(findViolations(graph).map(format)).toEqual([]);
  });

  it('the checker reports a cycle, a ban, an upward import and an unknown layer (fake graph)', () => {
    const fake: Graph = new Map([
      ['src/lib/store/a.ts', ['src/lib/store/b.ts', 'src/lib/corpus/dedup.ts']],
      ['src/lib/store/b.ts', ['src/lib/store/a.ts', 'src/lib/domain/index.ts']],
      ['src/lib/corpus/dedup.ts', ['src/lib/domain/index.ts']],
      ['src/lib/domain/index.ts', ['src/lib/util/ids.ts']],
      ['src/lib/util/ids.ts', ['src/lib/state/open.ts']],
      ['src/lib/state/open.ts', []],
      ['src/lib/brand-new/x.ts', []],
    ]);
    expect(findCycles(fake)).toEqual([['src/lib/store/a.ts', 'src/lib/store/b.ts']]);
    const reasons = findViolations(fake).map(format);
    expect(reasons).toEqual([
      'src/lib/store/a.ts → src/lib/corpus/dedup.ts: store must not import corpus',
      'src/lib/domain/index.ts → src/lib/util/ids.ts: domain may import only domain, protocol',
      'src/lib/util/ids.ts → src/lib/state/open.ts: upward import: util (1) → state (6)',
      'src/lib/brand-new/x.ts → : src/lib/brand-new/x.ts is in no known layer (add it to layerRank)',
    ]);
    // A self-import is a cycle too.
    expect(findCycles(new Map([['src/lib/util/x.ts', ['src/lib/util/x.ts']]]))).toHaveLength(1);
  });
});
