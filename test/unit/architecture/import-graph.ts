// The import graph of the app's source (src/ and workers/) and the architecture's rules over it
// (README "Architecture"): layers ranked from protocol/domain up to ui/workers, imports only
// pointing down (or within a layer), a few explicit bans, and no cycles. Imports are read with
// TypeScript's own pre-processor (static, type-only and dynamic imports, re-exports), from .ts
// files and from the <script> blocks of .svelte files.
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

export type Graph = Map<string, string[]>;

/** Layer ranks: a file may import its own layer or a lower-ranked one, never a higher one. */
export const layerRank: Record<string, number> = {
  protocol: 0,
  domain: 0,
  util: 1,
  store: 2,
  corpus: 3,
  engines: 3,
  method: 3,
  train: 4,
  pipeline: 5,
  state: 6,
  ui: 7,
  workers: 7,
  /** src/main.ts: mounts the UI. */
  app: 7,
};

/** Imports that are wrong even where the ranks would allow them (same rank, or skips). */
export const bannedImports: Record<string, { banned: string[]; only?: string[] }> = {
  ui: { banned: ['engines', 'store', 'pipeline', 'train', 'corpus'] },
  store: { banned: ['corpus', 'pipeline', 'engines', 'train', 'method', 'state'] },
  corpus: { banned: ['store', 'pipeline', 'engines', 'train', 'state'] },
  engines: { banned: ['store', 'pipeline', 'state', 'corpus'] },
  domain: { banned: [], only: ['domain', 'protocol'] },
};

/** The layer of a path relative to the repository root (src/lib/<layer>/…, src/ui, workers). */
export function layerOf(file: string): string | undefined {
  const lib = /^src\/lib\/([^/]+)\//.exec(file);
  if (lib) return lib[1];
  if (file.startsWith('src/ui/')) return 'ui';
  if (file.startsWith('workers/')) return 'workers';
  if (file === 'src/main.ts') return 'app';
  return undefined;
}

const sourceFile = /\.(ts|svelte)$/;

function walk(dir: string, out: string[]): void {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(full, out);
    else if (sourceFile.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(full);
  }
}

/** The script of a file: a .ts file whole, a .svelte file's <script> blocks joined. */
function scriptOf(file: string): string {
  const text = fs.readFileSync(file, 'utf8');
  if (!file.endsWith('.svelte')) return text;
  return [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
}

/** Extensions an import may leave out (or write as .js), in the order the bundler tries them. */
const candidates = (base: string): string[] => [
  base,
  `${base}.ts`,
  `${base}/index.ts`,
  base.replace(/\.js$/, '.ts'),
];

export interface BuiltGraph {
  graph: Graph;
  /** Relative imports of code that resolve to no file (the graph would miss their edges). */
  unresolved: string[];
}

/** Reads every source file under `dirs` (relative to `root`); nodes are root-relative paths. */
export function buildGraph(root: string, dirs: string[]): BuiltGraph {
  const files: string[] = [];
  for (const dir of dirs) walk(path.join(root, dir), files);
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of files) {
    const deps: string[] = [];
    const info = ts.preProcessFile(scriptOf(file), true, true);
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue; // packages
      const spec = fileName.replace(/\?.*$/, '');
      // Assets (styles, JSON, wasm) are not code layers.
      if (/\.[a-z]+$/i.test(spec) && !/\.(ts|js|svelte)$/.test(spec)) continue;
      const base = path.resolve(path.dirname(file), spec);
      const hit = candidates(base).find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
      if (hit) deps.push(path.relative(root, hit));
      else unresolved.push(`${path.relative(root, file)} → ${fileName}`);
    }
    graph.set(path.relative(root, file), deps);
  }
  return { graph, unresolved };
}

/** Strongly connected components with more than one file, or a file importing itself. */
export function findCycles(graph: Graph): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  // Tarjan's algorithm, iterative so a deep import chain cannot overflow the call stack.
  for (const start of graph.keys()) {
    if (index.has(start)) continue;
    const work: [string, number][] = [[start, 0]];
    while (work.length) {
      const frame = work[work.length - 1];
      const [v, i] = frame;
      if (i === 0 && !index.has(v)) {
        index.set(v, counter);
        low.set(v, counter++);
        stack.push(v);
        onStack.add(v);
      }
      const deps = graph.get(v) ?? [];
      if (i < deps.length) {
        frame[1]++;
        const w = deps[i];
        if (!index.has(w)) work.push([w, 0]);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      work.pop();
      if (work.length) {
        const parent = work[work.length - 1][0];
        low.set(parent, Math.min(low.get(parent)!, low.get(v)!));
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1 || deps.includes(v)) cycles.push(component.sort());
      }
    }
  }
  return cycles;
}

export interface Violation {
  from: string;
  to: string;
  reason: string;
}

/** Every import that breaks a ban or points up the ranks, and files in no known layer. */
export function findViolations(graph: Graph): Violation[] {
  const out: Violation[] = [];
  for (const [from, deps] of graph) {
    const a = layerOf(from);
    if (a === undefined || layerRank[a] === undefined) {
      out.push({ from, to: '', reason: `${from} is in no known layer (add it to layerRank)` });
      continue;
    }
    for (const to of deps) {
      const b = layerOf(to);
      if (b === undefined || b === a) continue;
      const rule = bannedImports[a];
      if (rule?.only && !rule.only.includes(b))
        out.push({ from, to, reason: `${a} may import only ${rule.only.join(', ')}` });
      else if (rule?.banned.includes(b))
        out.push({ from, to, reason: `${a} must not import ${b}` });
      else if (layerRank[b] === undefined)
        out.push({ from, to, reason: `${b} is in no known layer` });
      else if (layerRank[b] > layerRank[a])
        out.push({
          from,
          to,
          reason: `upward import: ${a} (${layerRank[a]}) → ${b} (${layerRank[b]})`,
        });
    }
  }
  return out;
}
