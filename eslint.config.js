// ESLint flat config. Besides the usual rules it enforces the architecture's import
// boundaries (README "Architecture"): only src/lib/store touches idb, only src/lib/engines
// touches web-llm or onnxruntime, src/ui never reaches engines, the store or pipeline code, and
// the store, corpus, engines and domain layers import none of the layers they must not. The
// full rank order and the cycle check are test/unit/architecture/imports.test.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import svelte from 'eslint-plugin-svelte';
import globals from 'globals';

const engineLibs = ['@mlc-ai/web-llm', '@mlc-ai/web-llm/*', 'onnxruntime-web', 'onnxruntime-web/*'];

const restrict = (patterns) => ['error', { patterns }];
const noIdb = { group: ['idb', 'idb/*'], message: 'Only src/lib/store may import idb.' };
const noEngines = {
  group: engineLibs,
  message:
    'Only src/lib/engines may import web-llm or onnxruntime (train/ goes through engines/ort).',
};
const noUiToEnginesOrStore = {
  group: ['**/lib/engines', '**/lib/engines/*', '**/lib/store', '**/lib/store/*'],
  message: 'src/ui talks to state classes, never to engines or the store.',
};

/** Relative import paths of sibling src/lib layers, from one or two folders deep. */
const layerPaths = (layers) =>
  layers.flatMap((l) => [`../${l}`, `../${l}/*`, `../../${l}`, `../../${l}/*`]);
/** Bans between src/lib layers (test/unit/architecture/imports.test.ts checks them all). */
const noLayers = (layers, message) => ({ group: layerPaths(layers), message });
const layerBans = {
  'src/lib/store/**': noLayers(
    ['corpus', 'pipeline', 'engines', 'train', 'method', 'state'],
    'The store persists domain data; it imports no algorithm (corpus, method) and nothing above it.',
  ),
  'src/lib/corpus/**': noLayers(
    ['store', 'pipeline', 'engines', 'train', 'state'],
    'Corpus code is pure algorithms over domain types: the pipeline wires it to the store.',
  ),
  'src/lib/engines/**': noLayers(
    ['store', 'pipeline', 'state', 'corpus'],
    'Engines run models; the pipeline decides what to feed them and where results go.',
  ),
  'src/lib/domain/**': noLayers(
    ['util', 'store', 'corpus', 'engines', 'method', 'train', 'pipeline', 'state'],
    'Domain types import nothing but domain (and protocol).',
  ),
};
const noUiToLowerLayers = {
  group: ['**/lib/pipeline', '**/lib/pipeline/*', '**/lib/train', '**/lib/train/*'].concat([
    '**/lib/corpus',
    '**/lib/corpus/*',
  ]),
  message: 'src/ui talks to state classes and reads domain types; it never runs pipeline code.',
};

export default tseslint.config(
  {
    ignores: ['dist/', 'node_modules/', 'reports/', 'test-results/', 'public/', '.tmp/'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...svelte.configs['flat/recommended'],
  {
    languageOptions: {
      globals: { ...globals.browser, ...globals.worker, ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  {
    files: ['**/*.svelte', '**/*.svelte.ts'],
    languageOptions: {
      parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.svelte'] },
    },
  },
  // Boundaries for src/ (tests may reach anything they test).
  {
    files: ['src/**/*.ts', 'src/**/*.svelte', 'workers/**/*.ts'],
    ignores: ['src/lib/store/**', 'src/lib/engines/**'],
    rules: { 'no-restricted-imports': restrict([noIdb, noEngines]) },
  },
  {
    files: ['src/lib/engines/**'],
    rules: { 'no-restricted-imports': restrict([noIdb, layerBans['src/lib/engines/**']]) },
  },
  {
    files: ['src/lib/store/**'],
    rules: { 'no-restricted-imports': restrict([noEngines, layerBans['src/lib/store/**']]) },
  },
  {
    files: ['src/lib/corpus/**'],
    rules: {
      'no-restricted-imports': restrict([noIdb, noEngines, layerBans['src/lib/corpus/**']]),
    },
  },
  {
    files: ['src/lib/domain/**'],
    rules: {
      'no-restricted-imports': restrict([noIdb, noEngines, layerBans['src/lib/domain/**']]),
    },
  },
  {
    files: ['src/ui/**'],
    rules: {
      'no-restricted-imports': restrict([
        noIdb,
        noEngines,
        noUiToEnginesOrStore,
        noUiToLowerLayers,
      ]),
    },
  },
);
