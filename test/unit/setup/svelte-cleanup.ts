// @testing-library/svelte's own auto-cleanup setup imports the library (and through it Svelte's
// DOM runtime and @testing-library/dom) into EVERY unit file, node ones included, which cost
// more than the tests of most files. This does the same cleanup, loading the library only in
// files that run in a DOM environment (`// @vitest-environment happy-dom`).
import { beforeEach } from 'vitest';

beforeEach(async () => {
  if (typeof document === 'undefined') return;
  const { act, cleanup, setup } = await import('@testing-library/svelte');
  await setup();
  return async () => {
    await act();
    cleanup();
  };
});
