// The deterministic fake engine behind a worker: demo and test mode exercise the same worker
// path as the real engines (state/engines.ts).
import { engineHandlers } from '../src/lib/engines/engine-protocol';
import { FakeEngine } from '../src/lib/engines/fake-engine';
import { reportFatalErrors, serve } from '../src/lib/protocol/server';

reportFatalErrors(self);
serve(self, engineHandlers(new FakeEngine()));
