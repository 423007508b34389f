// Joins an RpcClient to serve() through a Node MessageChannel, so the protocol runs as it
// does across a real worker boundary (structured clone included) without a browser.
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { RpcClient, serve, type Handlers, type RpcClientOptions } from '../../../src/lib/protocol';
import type { RpcSchema, WorkerLike, ServerPort } from '../../../src/lib/protocol';

export interface Harness<S extends RpcSchema> {
  client: RpcClient<S>;
  /** How many times the client asked for a worker. */
  spawned(): number;
  /** The server side of the most recent worker, to inject messages such as 'fatal'. */
  serverPort(): MessagePort;
  /** True once the most recent worker was terminated by the client. */
  terminated(): boolean;
  close(): void;
}

/** Wraps the client's end of a channel as a WorkerLike; terminate() closes both ends. */
function workerLike(port: MessagePort, other: MessagePort, onTerminate: () => void): WorkerLike {
  return {
    postMessage: (msg, transfer) =>
      port.postMessage(msg, (transfer ?? []) as unknown as readonly MessagePort[]),
    addEventListener: (type, fn) => port.addEventListener(type, fn as (e: Event) => void),
    terminate: () => {
      onTerminate();
      port.close();
      other.close();
    },
  };
}

/** Handlers for one worker; given the server port so a test can post 'fatal' from it. */
export type HandlerFactory<S extends RpcSchema> =
  Handlers<S> | ((port: MessagePort) => Handlers<S>);

export interface Spawner {
  spawn: () => WorkerLike;
  spawned(): number;
  serverPort(): MessagePort;
  terminated(): boolean;
  closeAll(): void;
}

/** A worker factory whose "workers" are serve() loops on MessageChannel ports. */
export function channelWorkers<S extends RpcSchema>(factory: HandlerFactory<S>): Spawner {
  let spawnCount = 0;
  let current: { server: MessagePort; terminated: boolean } | null = null;
  const all: MessagePort[] = [];
  return {
    spawn: () => {
      spawnCount++;
      const { port1, port2 } = new MessageChannel();
      all.push(port1, port2);
      const entry = { server: port2, terminated: false };
      current = entry;
      const handlers = typeof factory === 'function' ? factory(port2) : factory;
      serve<S>(port2 as unknown as ServerPort, handlers);
      port2.start();
      const w = workerLike(port1, port2, () => (entry.terminated = true));
      port1.start();
      return w;
    },
    spawned: () => spawnCount,
    serverPort: () => {
      if (!current) throw new Error('no worker spawned yet');
      return current.server;
    },
    terminated: () => current?.terminated ?? false,
    closeAll: () => all.forEach((p) => p.close()),
  };
}

export function connect<S extends RpcSchema>(
  handlers: HandlerFactory<S>,
  options: RpcClientOptions = {},
): Harness<S> {
  const workers = channelWorkers<S>(handlers);
  const client = new RpcClient<S>(workers.spawn, options);
  return {
    client,
    spawned: workers.spawned,
    serverPort: workers.serverPort,
    terminated: workers.terminated,
    close: () => {
      client.terminate();
      workers.closeAll();
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
