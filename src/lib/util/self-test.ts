// Diagnostics worker API: proves, in the user's own browser, that worker errors come back
// readable, that a crashed worker is replaced, and that progress and cancel reach a job.
// Nothing here touches user data.
import { InputError, type Handlers } from '../protocol';

export type SelfTestRpc = {
  ping: { req: null; res: { pong: true } };
  /** An error inside a call: must come back as InputError with its file and line. */
  failInCall: { req: null; res: never };
  /** An uncaught error outside any call: the worker dies, the pending call rejects. */
  crash: { req: null; res: never };
  /** A small counted job with progress; checks for cancel between steps. */
  count: { req: { steps: number; stepMs: number }; res: { counted: number } };
};

export const CRASH_MESSAGE = 'Deliberate uncaught error thrown by the self-test worker';

export function selfTestHandlers(
  schedule: (fn: () => void) => void = (fn) => setTimeout(fn, 0),
): Handlers<SelfTestRpc> {
  return {
    ping: async () => ({ pong: true }),
    failInCall: async () => {
      throw new InputError('deliberate bad record for the self-test', {
        file: 'self-test.jsonl',
        line: 3,
        field: 'instruction',
      });
    },
    crash: () => {
      // Thrown from a timer, so no handler catches it: this is what a real engine bug
      // (or an out-of-memory abort) looks like to the client.
      schedule(() => {
        throw new Error(CRASH_MESSAGE);
      });
      return new Promise<never>(() => {});
    },
    count: async ({ steps, stepMs }, ctx) => {
      for (let i = 0; i < steps; i++) {
        ctx.throwIfCancelled();
        await new Promise((r) => setTimeout(r, stepMs));
        ctx.progress({
          job: 'self-test-count',
          kind: 'self-test',
          phase: 'count',
          done: i + 1,
          total: steps,
          unit: 'steps',
        });
      }
      return { counted: steps };
    },
  };
}
