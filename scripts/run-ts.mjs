// Runs a TypeScript module under Node through Vite's SSR loader (Node 20 cannot run .ts and
// the project has no tsx/vite-node): `node scripts/run-ts.mjs <file.ts> [args…]` imports the
// file and calls its exported `main(args)`. Reusable by any script (export-onnx, artifacts).
import { createServer } from 'vite';
import { resolve } from 'node:path';

const [file, ...args] = process.argv.slice(2);
if (!file) {
  console.error('usage: node scripts/run-ts.mjs <module.ts> [args…]');
  process.exit(2);
}
const server = await createServer({
  configFile: false,
  logLevel: 'error',
  server: { middlewareMode: true, hmr: false, watch: null },
  appType: 'custom',
  optimizeDeps: { noDiscovery: true, include: [] },
});
let code;
try {
  const mod = await server.ssrLoadModule(resolve(file));
  if (typeof mod.main !== 'function') throw new Error(`${file} exports no main(args)`);
  code = (await mod.main(args)) ?? 0;
} catch (err) {
  // Bad input is reported as one line; RUN_TS_STACK=1 shows the stack for debugging.
  const stack = process.env.RUN_TS_STACK === '1' && err instanceof Error ? `\n${err.stack}` : '';
  console.error(`${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}${stack}`);
  code = 1;
} finally {
  await server.close();
}
process.exit(code);
