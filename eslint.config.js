// ESLint flat config. Besides the usual rules it enforces the architecture's import
// boundaries (README "Architecture"): only src/lib/store touches idb, only src/lib/engines
// touches web-llm or onnxruntime, and src/ui never reaches engines or the store.
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
    rules: { 'no-restricted-imports': restrict([noIdb]) },
  },
  {
    files: ['src/lib/store/**'],
    rules: { 'no-restricted-imports': restrict([noEngines]) },
  },
  {
    files: ['src/ui/**'],
    rules: { 'no-restricted-imports': restrict([noIdb, noEngines, noUiToEnginesOrStore]) },
  },
);
