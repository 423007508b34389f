import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config';
import SlowFirstSequencer from './test/unit/setup/slow-first-sequencer';

// The unit run (`npx vitest run`): everything in vite.config.ts's `test` block, plus how the
// files are scheduled, kept out of vite.config.ts so that `vite build`/`dev`/`preview` do not
// load vitest's Node side.
//
// Isolation: by default every file gets a fresh worker and re-imports its whole module graph;
// on 2 cores that setup cost more than the tests (`import` 69 s of a 162 s run of 32 util,
// protocol, method and store files; the same files with `isolate: false`: 34 s). Files that
// only import and call code share a worker's module cache ('shared'); any file that mocks
// modules, stubs globals or the environment, fakes timers, spies, or runs in a DOM
// environment keeps its own ('isolated'). The split is read from the files themselves, so a
// new test lands in the right group without a list to keep.
const NEEDS_ISOLATION =
  /vi\.(mock|doMock|unmock|stubGlobal|stubEnv|useFakeTimers|spyOn|resetModules)\b|@vitest-environment|globalThis(\.\w+|\[[^\]]+\])\s*=[^=]|process\.env\.\w+\s*=[^=]|process\.chdir|defineProperty\(\s*(globalThis|window|navigator)/;

const unitFiles = (readdirSync('test/unit', { recursive: true }) as string[])
  .map((f) => `test/unit/${f.replaceAll('\\', '/')}`)
  .filter((f) => f.endsWith('.test.ts'));
const isolated = unitFiles.filter((f) => NEEDS_ISOLATION.test(readFileSync(f, 'utf8')));

// The projects inherit this config (`extends: true`), where arrays are concatenated: the
// include glob of vite.config.ts would put every file in both, so each project sets its own.
const { include: _allUnitFiles, ...unitTest } = viteConfig.test ?? {};

export default mergeConfig(
  { ...viteConfig, test: unitTest },
  defineConfig({
    test: {
      sequence: { sequencer: SlowFirstSequencer },
      // vitest's default 10 s: beforeAll hooks that start Python/torch or load a tiny model
      // (lora-grads-torch, llama-forward) ran out of it on a loaded 2-core machine.
      hookTimeout: 60_000,
      projects: [
        { extends: true, test: { name: 'isolated', include: isolated } },
        {
          extends: true,
          test: {
            name: 'shared',
            include: unitFiles.filter((f) => !isolated.includes(f)),
            isolate: false,
          },
        },
      ],
    },
  }),
);
