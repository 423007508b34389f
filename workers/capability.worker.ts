// Probes WebGPU, storage and threading from inside a worker, where the engines will run.
import { reportFatalErrors, serve } from '../src/lib/protocol';
import { probeCapabilities, type CapabilityRpc } from '../src/lib/util/capabilities';

reportFatalErrors(self);
serve<CapabilityRpc>(self, {
  probe: () =>
    probeCapabilities({ navigator: self.navigator, crossOriginIsolated, scope: 'worker' }),
});
