// The start-up capability check: asks a worker what it can do (WebGPU adapter, limits,
// storage, cores, isolation). Without WebGPU the app stays usable on the wasm backend; the
// banner built from `report` says what still works.
import { RpcClient, isCancel, type WorkerLike } from '../protocol';
import type { CapabilityReport, CapabilityRpc } from '../util/capabilities';
import { describeError } from './ports';

export type CheckStatus = 'idle' | 'checking' | 'done' | 'failed';

export class CapabilityState {
  status = $state<CheckStatus>('idle');
  report = $state<CapabilityReport | null>(null);
  error = $state<string | null>(null);
  /** True when a worker got a WebGPU adapter. */
  webgpu = $derived(this.report?.gpu != null);

  constructor(private readonly spawn: () => WorkerLike) {}

  async check(timeoutMs = 20_000): Promise<void> {
    this.status = 'checking';
    this.error = null;
    const client = new RpcClient<CapabilityRpc>(this.spawn, { cancelGraceMs: 500 });
    try {
      // A wedged GPU process can leave requestAdapter() pending; do not wait forever.
      this.report = await client.call('probe', null, { signal: AbortSignal.timeout(timeoutMs) });
      this.status = 'done';
    } catch (err) {
      this.error = isCancel(err)
        ? `The capability check did not answer within ${timeoutMs / 1000} s (the GPU may be busy or hung).`
        : `The capability check failed: ${describeError(err)}`;
      this.status = 'failed';
    } finally {
      client.terminate('Capability check finished');
    }
  }
}
